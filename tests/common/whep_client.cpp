#include "whep_client.h"

#include <gst/rtp/rtp.h>
#include <gst/sdp/sdp.h>
#include <gst/webrtc/webrtc.h>

#include "decode_counter.h"
#include "test_main_context.h"

namespace vtkstream::test {

WhepClient::WhepClient(std::string decode, std::string caps) : decode_(std::move(decode)) {
  pipeline_ = gst_pipeline_new(nullptr);
  webrtc_ = gst_element_factory_make("webrtcbin", nullptr);
  g_object_set(webrtc_, "bundle-policy", GST_WEBRTC_BUNDLE_POLICY_MAX_BUNDLE, nullptr);
  gst_bin_add(GST_BIN(pipeline_), webrtc_);
  g_signal_connect(webrtc_, "pad-added",
                   G_CALLBACK(+[](GstElement*, GstPad* pad, gpointer d) { static_cast<WhepClient*>(d)->on_pad(pad); }),
                   this);
  for (const char* prop : {"notify::ice-gathering-state", "notify::connection-state"})
    g_signal_connect(webrtc_, prop, G_CALLBACK(+[](GObject*, GParamSpec*, gpointer) { g_main_context_wakeup(nullptr); }),
                     nullptr);
  GstCaps* c = gst_caps_from_string(caps.c_str());
  GstWebRTCRTPTransceiver* trans = nullptr;
  g_signal_emit_by_name(webrtc_, "add-transceiver", GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_RECVONLY, c, &trans);
  gst_caps_unref(c);
  if (trans) gst_object_unref(trans);
  gst_element_set_state(pipeline_, GST_STATE_PLAYING);
}

WhepClient::~WhepClient() {
  gst_element_set_state(pipeline_, GST_STATE_NULL);
  gst_object_unref(pipeline_);
}

bool WhepClient::connected() const {
  GstWebRTCPeerConnectionState st;
  g_object_get(webrtc_, "connection-state", &st, nullptr);
  return st == GST_WEBRTC_PEER_CONNECTION_STATE_CONNECTED;
}

std::string WhepClient::offer() {
  GstPromise* p = gst_promise_new();
  g_signal_emit_by_name(webrtc_, "create-offer", nullptr, p);
  GstWebRTCSessionDescription* offer = nullptr;
  if (gst_promise_wait(p) == GST_PROMISE_RESULT_REPLIED)
    gst_structure_get(gst_promise_get_reply(p), "offer", GST_TYPE_WEBRTC_SESSION_DESCRIPTION, &offer, nullptr);
  gst_promise_unref(p);
  if (!offer) return "";
  g_signal_emit_by_name(webrtc_, "set-local-description", offer, nullptr);
  gst_webrtc_session_description_free(offer);
  const bool gathered = run_until(
      [&] {
        GstWebRTCICEGatheringState st;
        g_object_get(webrtc_, "ice-gathering-state", &st, nullptr);
        return st == GST_WEBRTC_ICE_GATHERING_STATE_COMPLETE;
      },
      10000);
  if (!gathered) return "";
  // The local description now lists the gathered candidates.
  GstWebRTCSessionDescription* local = nullptr;
  g_object_get(webrtc_, "local-description", &local, nullptr);
  if (!local) return "";
  gchar* text = gst_sdp_message_as_text(local->sdp);
  std::string out(text);
  g_free(text);
  gst_webrtc_session_description_free(local);
  return out;
}

bool WhepClient::apply_answer(const std::string& sdp) {
  GstSDPMessage* msg = nullptr;
  if (gst_sdp_message_new_from_text(sdp.c_str(), &msg) != GST_SDP_OK) return false;
  GstWebRTCSessionDescription* answer = gst_webrtc_session_description_new(GST_WEBRTC_SDP_TYPE_ANSWER, msg);
  GstPromise* p = gst_promise_new();
  g_signal_emit_by_name(webrtc_, "set-remote-description", answer, p);
  const bool ok = gst_promise_wait(p) == GST_PROMISE_RESULT_REPLIED &&
                  !(gst_promise_get_reply(p) && gst_structure_has_field(gst_promise_get_reply(p), "error"));
  gst_promise_unref(p);
  gst_webrtc_session_description_free(answer);
  return ok;
}

HttpResult WhepClient::start(const std::string& endpoint, const std::string& token) {
  const std::string sdp = offer();
  if (sdp.empty()) {
    HttpResult r;
    r.error = "no offer (ICE gathering did not complete)";
    return r;
  }
  HttpResult r = http_call("POST", endpoint, {{"Authorization", "Bearer " + token}}, sdp, "application/sdp");
  if (r.status == 201 && !apply_answer(r.body)) r.error = "the answer was not accepted";
  return r;
}

std::vector<uint32_t> WhepClient::ssrcs_named(const std::string& sdp) {
  std::vector<uint32_t> out;
  GstSDPMessage* msg = nullptr;
  if (gst_sdp_message_new_from_text(sdp.c_str(), &msg) != GST_SDP_OK || !msg) return out;
  for (guint m = 0; m < gst_sdp_message_medias_len(msg); ++m) {
    const GstSDPMedia* media = gst_sdp_message_get_media(msg, m);
    for (guint i = 0; i < gst_sdp_media_attributes_len(media); ++i) {
      const GstSDPAttribute* a = gst_sdp_media_get_attribute(media, i);
      if (g_strcmp0(a->key, "ssrc") != 0 || !a->value) continue;
      const std::string value = a->value;  // "SSRC cname:..." or "SSRC msid:..."
      guint64 v = 0;
      if (g_ascii_string_to_unsigned(value.substr(0, value.find(' ')).c_str(), 10, 0, G_MAXUINT32, &v, nullptr))
        out.push_back(static_cast<uint32_t>(v));
    }
  }
  gst_sdp_message_free(msg);
  return out;
}

void WhepClient::on_pad(GstPad* pad) {
  if (GST_PAD_DIRECTION(pad) != GST_PAD_SRC) return;
  gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, [](GstPad*, GstPadProbeInfo* info, gpointer d) {
    GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
    if (!gst_rtp_buffer_map(GST_PAD_PROBE_INFO_BUFFER(info), GST_MAP_READ, &rtp)) return GST_PAD_PROBE_OK;
    static_cast<WhepClient*>(d)->ssrc_ = gst_rtp_buffer_get_ssrc(&rtp);
    gst_rtp_buffer_unmap(&rtp);
    return GST_PAD_PROBE_REMOVE;
  }, this, nullptr);
  count_decoded_frames(pipeline_, pad, decode_, &frames_);
}

}  // namespace vtkstream::test
