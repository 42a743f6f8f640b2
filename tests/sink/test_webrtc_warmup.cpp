// The WebRTC warm-up (media/webrtc_warmup.h): a sink that starts, with no viewer at all, leaves
// the process ready for its first WebRTC session: the plugins behind webrtcbin loaded and the dtls
// plugin's shared generated certificate made, so that a dtlsdec created afterwards reuses it.
// Its own program: the once-per-process state must not have been made by an earlier test.
#include <gst/gst.h>
#include <gtest/gtest.h>

#include <mutex>
#include <string>
#include <vector>

namespace {

std::mutex lock;
std::vector<std::string> dtlsdec_lines;  // under lock

void record(GstDebugCategory* cat, GstDebugLevel, const gchar*, const gchar*, gint, GObject*, GstDebugMessage* msg,
            gpointer) {
  if (g_strcmp0(gst_debug_category_get_name(cat), "dtlsdec") != 0) return;
  std::lock_guard g(lock);
  dtlsdec_lines.emplace_back(gst_debug_message_get(msg));
}

bool loaded(const char* plugin) {
  GstPlugin* p = gst_registry_find_plugin(gst_registry_get(), plugin);
  const bool yes = p && gst_plugin_is_loaded(p);
  if (p) gst_object_unref(p);
  return yes;
}

TEST(WebRtcWarmUp, AStartedSinkLoadsThePluginsAndMakesTheCertificate) {
  for (const char* name : {"webrtc", "dtls", "nice"})
    ASSERT_FALSE(loaded(name)) << name << " is loaded before any sink started: the test proves nothing";
  GstElement* sink = gst_element_factory_make("vtkstreamsink", nullptr);
  ASSERT_NE(sink, nullptr);
  g_object_set(sink, "port", 0, "address", "127.0.0.1", nullptr);
  gst_object_ref_sink(sink);
  ASSERT_EQ(gst_element_set_state(sink, GST_STATE_READY), GST_STATE_CHANGE_SUCCESS);
  // The plugins are loaded before READY returns; stopping joins the certificate's thread.
  ASSERT_EQ(gst_element_set_state(sink, GST_STATE_NULL), GST_STATE_CHANGE_SUCCESS);
  gst_object_unref(sink);
  for (const char* name : {"webrtc", "rtpmanager", "dtls", "srtp", "nice", "sctp"}) EXPECT_TRUE(loaded(name)) << name;

  // A new dtlsdec says whether it found the generated certificate or had to make it.
  gst_debug_set_threshold_for_name("dtlsdec", GST_LEVEL_DEBUG);
  gst_debug_add_log_function(record, nullptr, nullptr);
  GstElement* dec = gst_element_factory_make("dtlsdec", nullptr);
  ASSERT_NE(dec, nullptr);
  gst_object_unref(gst_object_ref_sink(dec));
  gst_debug_remove_log_function(record);
  std::lock_guard g(lock);
  std::string all;
  for (const std::string& l : dtlsdec_lines) all += l + "\n";
  EXPECT_NE(all.find("using agent with generated cert"), std::string::npos) << all;
  EXPECT_EQ(all.find("creating new"), std::string::npos) << all;
}

}  // namespace

int main(int argc, char** argv) {
  gst_init(&argc, &argv);
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
