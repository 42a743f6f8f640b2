#include "live_media.h"

namespace vtkstream::sink::test {

LiveMedia::LiveMedia(const std::string& caps, const std::string& pattern) : caps_(caps) {
  pipe = gst_pipeline_new(nullptr);
  const std::string desc = "videotestsrc is-live=true" + (pattern.empty() ? "" : " pattern=" + pattern) +
                           " ! capsfilter caps=" + caps;
  src = gst_parse_bin_from_description(desc.c_str(), TRUE, nullptr);
  gst_bin_add(GST_BIN(pipe), src);
  media = std::make_unique<Media>(GST_BIN(pipe));
}

LiveMedia::~LiveMedia() {
  gst_element_set_state(pipe, GST_STATE_NULL);
  // Removals and rung releases posted to this context (they hold Media) run while it lives.
  while (g_main_context_pending(nullptr)) g_main_context_iteration(nullptr, FALSE);
  if (media) media->reset();
  media.reset();
  gst_object_unref(pipe);
}

bool LiveMedia::start(const MediaConfig& config, std::string* err) {
  media->configure(config);
  GstCaps* caps = gst_caps_from_string(caps_.c_str());
  const bool ok = media->on_caps(caps, err);
  gst_caps_unref(caps);
  if (!ok) return false;
  GstPad* srcpad = gst_element_get_static_pad(src, "src");
  const bool linked = gst_pad_link(srcpad, media->input_pad()) == GST_PAD_LINK_OK;
  gst_object_unref(srcpad);
  if (!linked) {
    *err = "the source does not link to Media's input";
    return false;
  }
  if (gst_element_set_state(pipe, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    *err = "the pipeline does not play";
    return false;
  }
  return true;
}

}  // namespace vtkstream::sink::test
