#include "receiver.h"

#include <gst/sdp/sdp.h>
#include <json-glib/json-glib.h>

#include "decode_counter.h"
#include "test_main_context.h"

namespace vtkstream::test {

namespace {

std::string answer_message(const std::string& sdp) {
  JsonBuilder* b = json_builder_new();
  json_builder_begin_object(b);
  json_builder_set_member_name(b, "type");
  json_builder_add_string_value(b, "answer");
  json_builder_set_member_name(b, "sdp");
  json_builder_add_string_value(b, sdp.c_str());
  json_builder_end_object(b);
  JsonNode* root = json_builder_get_root(b);
  gchar* s = json_to_string(root, FALSE);
  std::string out(s);
  g_free(s);
  json_node_unref(root);
  g_object_unref(b);
  return out;
}

}  // namespace

Receiver::Receiver(WsClient& ws, std::string decode) : ws_(ws), decode_(std::move(decode)) {
  pipeline_ = gst_pipeline_new(nullptr);
  webrtc_ = gst_element_factory_make("webrtcbin", nullptr);
  g_object_set(webrtc_, "bundle-policy", GST_WEBRTC_BUNDLE_POLICY_MAX_BUNDLE, nullptr);
  gst_bin_add(GST_BIN(pipeline_), webrtc_);
  // webrtcbin's threads hand candidates to the main context, holding the guard rather than
  // `this`: the send happens only if the Receiver still exists then.
  g_signal_connect_data(
      webrtc_, "on-ice-candidate", G_CALLBACK(+[](GstElement*, guint m, gchar* c, gpointer d) {
        std::shared_ptr<Receiver*> self = *static_cast<std::shared_ptr<Receiver*>*>(d);
        std::string msg = std::string(R"({"type":"ice","candidate":")") + c + R"(","sdpMLineIndex":)" +
                          std::to_string(m) + "}";
        post_to_main([self, msg] {
          if (*self) (*self)->ws_.send(msg);
        });
      }),
      new std::shared_ptr<Receiver*>(self_),
      [](gpointer d, GClosure*) { delete static_cast<std::shared_ptr<Receiver*>*>(d); }, GConnectFlags(0));
  // The handlers below run synchronously on webrtcbin's threads, which are stopped (state NULL)
  // before the members they touch go away.
  g_signal_connect(webrtc_, "pad-added",
                   G_CALLBACK(+[](GstElement*, GstPad* pad, gpointer d) { static_cast<Receiver*>(d)->on_pad(pad); }),
                   this);
  g_signal_connect(webrtc_, "on-data-channel", G_CALLBACK(+[](GstElement*, GstWebRTCDataChannel* ch, gpointer d) {
                     static_cast<Receiver*>(d)->on_data_channel(ch);
                   }),
                   this);
  g_signal_connect(webrtc_, "notify::ice-connection-state",
                   G_CALLBACK(+[](GObject*, GParamSpec*, gpointer) { g_main_context_wakeup(nullptr); }), nullptr);
  gst_element_set_state(pipeline_, GST_STATE_PLAYING);
}

Receiver::~Receiver() {
  *self_ = nullptr;
  gst_element_set_state(pipeline_, GST_STATE_NULL);
  if (channel_) {
    g_signal_handlers_disconnect_by_data(channel_, this);
    gst_object_unref(channel_);
  }
  gst_object_unref(pipeline_);
}

std::string Receiver::answer(const std::string& offer_sdp) {
  GstSDPMessage* sdp = nullptr;
  if (gst_sdp_message_new_from_text(offer_sdp.c_str(), &sdp) != GST_SDP_OK) return "";
  GstWebRTCSessionDescription* offer = gst_webrtc_session_description_new(GST_WEBRTC_SDP_TYPE_OFFER, sdp);
  GstPromise* p = gst_promise_new();
  g_signal_emit_by_name(webrtc_, "set-remote-description", offer, p);
  gst_promise_wait(p);
  gst_promise_unref(p);
  gst_webrtc_session_description_free(offer);

  p = gst_promise_new();
  g_signal_emit_by_name(webrtc_, "create-answer", nullptr, p);
  GstWebRTCSessionDescription* answer = nullptr;
  if (gst_promise_wait(p) == GST_PROMISE_RESULT_REPLIED)
    gst_structure_get(gst_promise_get_reply(p), "answer", GST_TYPE_WEBRTC_SESSION_DESCRIPTION, &answer, nullptr);
  gst_promise_unref(p);
  if (!answer) return "";
  g_signal_emit_by_name(webrtc_, "set-local-description", answer, nullptr);
  gchar* text = gst_sdp_message_as_text(answer->sdp);
  std::string out(text);
  g_free(text);
  gst_webrtc_session_description_free(answer);
  ws_.send(answer_message(out));
  return out;
}

void Receiver::add_candidate(unsigned mline, const std::string& candidate) {
  if (!candidate.empty()) g_signal_emit_by_name(webrtc_, "add-ice-candidate", mline, candidate.c_str());
}

void Receiver::pump_candidates() {
  auto& q = ws_.messages();
  for (auto it = q.begin(); it != q.end();) {
    Json j(*it);
    if (j.str("type") != "ice") {
      ++it;
      continue;
    }
    add_candidate(static_cast<unsigned>(j.integer("sdpMLineIndex", 0)), j.str("candidate"));
    it = q.erase(it);
  }
}

bool Receiver::channel_open() {
  std::lock_guard lock(lock_);
  if (!channel_) return false;
  GstWebRTCDataChannelState st;
  g_object_get(channel_, "ready-state", &st, nullptr);
  return st == GST_WEBRTC_DATA_CHANNEL_STATE_OPEN;
}

std::string Receiver::channel_label() {
  std::lock_guard lock(lock_);
  gchar* l = nullptr;
  if (channel_) g_object_get(channel_, "label", &l, nullptr);
  std::string out = l ? l : "";
  g_free(l);
  return out;
}

void Receiver::channel_send(const std::string& text) {
  std::lock_guard lock(lock_);
  if (channel_) gst_webrtc_data_channel_send_string(channel_, text.c_str());
}

std::string Receiver::wait_frame_echo(int64_t min_seq, int timeout_ms) {
  std::string found;
  run_until(
      [&] {
        std::lock_guard lock(lock_);
        for (const auto& m : channel_messages_) {
          Json j(m);
          if (j.str("type") == "frame" && j.integer("seq") >= min_seq) {
            found = m;
            return true;
          }
        }
        return false;
      },
      timeout_ms);
  return found;
}

void Receiver::on_data_channel(GstWebRTCDataChannel* ch) {
  std::lock_guard lock(lock_);
  if (channel_) gst_object_unref(channel_);
  channel_ = GST_WEBRTC_DATA_CHANNEL(gst_object_ref(ch));
  g_signal_connect(ch, "on-message-string", G_CALLBACK(+[](GstWebRTCDataChannel*, gchar* s, gpointer d) {
                     auto* self = static_cast<Receiver*>(d);
                     std::lock_guard lock(self->lock_);
                     self->channel_messages_.push_back(s);
                     g_main_context_wakeup(nullptr);
                   }),
                   this);
  g_signal_connect(ch, "notify::ready-state",
                   G_CALLBACK(+[](GObject*, GParamSpec*, gpointer) { g_main_context_wakeup(nullptr); }), nullptr);
  g_main_context_wakeup(nullptr);
}

bool Receiver::watch(int min_frames, int timeout_ms, bool need_channel) {
  const Json offer(ws_.wait_for("offer"));
  if (!offer.ok() || answer(offer.str("sdp")).empty()) return false;
  return run_until(
      [&] {
        pump_candidates();
        return frames() >= min_frames && (!need_channel || channel_open());
      },
      timeout_ms);
}

void Receiver::on_pad(GstPad* pad) {
  // RTP -> depayload -> decode -> count. Built on the streaming thread that added the pad.
  count_decoded_frames(pipeline_, pad, decode_, &frames_);
}

}  // namespace vtkstream::test
