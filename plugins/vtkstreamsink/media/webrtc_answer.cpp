// The answering half of WebRtcBranch (WHEP): the viewer's offer is applied (once the stream
// flows into the branch), webrtcbin answers with our send-only transceiver matched to the offer's
// video m-line, and the answer goes to `answer`. Candidates then come through `candidate` as for
// an offering branch.
#define GST_USE_UNSTABLE_API  // see webrtc_branch.cpp
#include <gst/sdp/sdp.h>
#include <gst/webrtc/webrtc.h>

#include "answer_extmap.h"
#include "webrtc_branch.h"
#include "webrtc_internal.h"

GST_DEBUG_CATEGORY_EXTERN(sink_webrtc_debug);
#define GST_CAT_DEFAULT sink_webrtc_debug

namespace vtkstream::sink {

// Why the offer waits for the stream: webrtcbin (1.22) names in the answer (a=ssrc, with its
// cname and msid) the SSRC of the caps its sink pad has received; answering before any caps
// arrived, it names none, and the packets come with the payloader's SSRC, unannounced. Chromium
// presented no frame from such a session (connected, 0 frames). A branch's first caps come with
// the first buffer the tee pushes after it was linked, up to a frame interval later, while a
// webrtcbin made after another one (plugins loaded, ICE and DTLS set up once) answers within a
// millisecond: every WHEP viewer after a page viewer got nothing, while the first one on a fresh
// sink, slower to answer, was fine (tests/browser/gst/whep.test.mjs, vtkstreamsink-reach
// WhepStream.AnswerAnnouncesTheSsrcItSends). An offering branch needs no such wait: webrtcbin
// asks for negotiation only once every sink pad has caps. No stream at all (no frame yet): the
// session waits, bounded by WhepSessions::kStreamWaitMs.
void WebRtcBranch::answer_offer(const std::string& sdp) {
  GstPad* qsrc = gst_element_get_static_pad(queue_, "src");
  GstPad* pad = gst_pad_get_peer(qsrc);
  gst_object_unref(qsrc);
  if (!pad || gst_pad_has_current_caps(pad)) {
    if (pad) gst_object_unref(pad);
    apply_offer(sdp);
    return;
  }
  pending_offer_ = sdp;
  stream_pad_ = pad;
  // "caps" is notified once the pad's event function (webrtcbin's, which records the caps)
  // accepted the event, from the streaming thread.
  caps_handler_ = connect_link(pad, "notify::caps", G_CALLBACK((+[](GstPad*, GParamSpec*, gpointer d) {
    run_on_main(d, [](WebRtcBranch& s) { s.stream_arrived(); });
  })), link_);
  if (gst_pad_has_current_caps(pad)) stream_arrived();  // came between the check and the connect
}

void WebRtcBranch::stream_arrived() {
  if (stream_pad_) {
    g_signal_handler_disconnect(stream_pad_, caps_handler_);
    gst_object_unref(stream_pad_);
    stream_pad_ = nullptr;
  }
  if (pending_offer_.empty()) return;
  const std::string sdp = std::move(pending_offer_);
  pending_offer_.clear();
  GST_INFO_OBJECT(webrtc_, "peer %u: the stream reached the branch, answering", peer_);
  apply_offer(sdp);
}

void WebRtcBranch::apply_offer(const std::string& sdp) {
  GstSDPMessage* msg = nullptr;
  if (gst_sdp_message_new_from_text(sdp.c_str(), &msg) != GST_SDP_OK || !msg) {
    if (msg) gst_sdp_message_free(msg);
    if (cb_.failed) cb_.failed("the offer's SDP could not be parsed");
    return;
  }
  GstWebRTCSessionDescription* offer = gst_webrtc_session_description_new(GST_WEBRTC_SDP_TYPE_OFFER, msg);
  GstPromise* promise = main_context_promise(link_, [](WebRtcBranch& s, GstPromise* p) {
    std::string why;
    // A successful set-remote-description replies with no structure at all.
    if (!promise_reply(p, "set-remote-description", &why) && !why.empty()) {
      if (s.cb_.failed) s.cb_.failed(why);
      return;
    }
    GstPromise* answered = main_context_promise(s.link_, [](WebRtcBranch& s, GstPromise* p) {
      std::string why;
      GstWebRTCSessionDescription* answer = nullptr;
      if (const GstStructure* reply = promise_reply(p, "create-answer", &why))
        gst_structure_get(reply, "answer", GST_TYPE_WEBRTC_SESSION_DESCRIPTION, &answer, nullptr);
      if (!answer) {
        if (s.cb_.failed) s.cb_.failed(why.empty() ? "create-answer gave no answer" : why);
        return;
      }
      // Only the extensions the viewer offered, under its ids (answer_extmap.h).
      GstWebRTCSessionDescription* offer = nullptr;
      g_object_get(s.webrtc_, "remote-description", &offer, nullptr);
      if (offer) {
        if (const unsigned n = keep_offered_extmaps(offer->sdp, answer->sdp))
          GST_INFO_OBJECT(s.webrtc_, "peer %u: %u header extension(s) the offer lacks left out of the answer",
                          s.peer_, n);
        gst_webrtc_session_description_free(offer);
      }
      // Setting it starts ICE gathering; the candidates follow through `candidate`.
      g_signal_emit_by_name(s.webrtc_, "set-local-description", answer, nullptr);
      gchar* text = gst_sdp_message_as_text(answer->sdp);
      gst_webrtc_session_description_free(answer);
      if (s.cb_.answer) s.cb_.answer(text);
      g_free(text);
    });
    g_signal_emit_by_name(s.webrtc_, "create-answer", nullptr, answered);
    gst_promise_unref(answered);
  });
  g_signal_emit_by_name(webrtc_, "set-remote-description", offer, promise);
  gst_promise_unref(promise);
  gst_webrtc_session_description_free(offer);
}

// webrtcbin 1.22 has no signal for incoming RTCP; its rtpbin's session object has. With
// max-bundle every stream is in session 0.
void WebRtcBranch::watch_rtcp() {
  last_rtcp_->store(g_get_monotonic_time());
  GstElement* rtpbin = nullptr;
  GstIterator* it = gst_bin_iterate_elements(GST_BIN(webrtc_));
  GValue v = G_VALUE_INIT;
  while (!rtpbin && gst_iterator_next(it, &v) == GST_ITERATOR_OK) {
    GstElement* e = GST_ELEMENT(g_value_get_object(&v));
    GstElementFactory* f = gst_element_get_factory(e);
    if (f && g_strcmp0(GST_OBJECT_NAME(f), "rtpbin") == 0) rtpbin = GST_ELEMENT(gst_object_ref(e));
    g_value_reset(&v);
  }
  g_value_unset(&v);
  gst_iterator_free(it);
  if (!rtpbin) return;
  GObject* session = nullptr;
  g_signal_emit_by_name(rtpbin, "get-internal-session", 0u, &session);  // RTPSession, not the element
  gst_object_unref(rtpbin);
  if (!session) return;
  using Stamp = std::shared_ptr<std::atomic<int64_t>>;
  g_signal_connect_data(session, "on-receiving-rtcp", G_CALLBACK(+[](GObject*, GstBuffer*, gpointer d) {
                          (*static_cast<Stamp*>(d))->store(g_get_monotonic_time());
                        }),
                        new Stamp(last_rtcp_), [](gpointer d, GClosure*) { delete static_cast<Stamp*>(d); },
                        GConnectFlags(0));
  g_object_unref(session);
}

}  // namespace vtkstream::sink
