// gst-plugins-bad's WebRTC library: its 1.22 headers warn unless its API is declared accepted;
// declared in the files that use it (this, webrtc_answer.cpp, webrtc_stats.cpp, webrtc_release.cpp),
// not plugin-wide.
#define GST_USE_UNSTABLE_API
#include "webrtc_branch.h"

#include <gst/sdp/sdp.h>
#include <gst/webrtc/webrtc.h>

#include "departure_probe.h"
#include "media.h"
#include "media_probes.h"
#include "playout_delay_ext.h"
#include "sink_context.h"
#include "webrtc_internal.h"
#include "webrtc_release.h"

GST_DEBUG_CATEGORY(sink_webrtc_debug);  // webrtc_answer.cpp logs in it too
#define GST_CAT_DEFAULT sink_webrtc_debug

namespace vtkstream::sink {


namespace {

using LinkPtr = std::shared_ptr<void>;

// Codec preferences for the transceiver: what identifies the codec in the payloader's caps, plus
// the feedback we want the browser to send (NACK, and PLI/FIR for keyframes on loss). Only
// those fields: per-stream values (ssrc, sequence offsets, H.264's sprop-parameter-sets) would
// pin the branch to the current stream, and the next resize would fail to negotiate.
// `offerer`: we make the offer, so the extmap ids are ours to choose (a WHEP answer may only take
// what the viewer offered, under the viewer's ids).
GstCaps* codec_preferences(Media& media, Codec codec, bool offerer) {
  GstCaps* current = media.rtp_caps();
  // Before the first frame was encoded (no renderer yet): what the payloader will produce.
  const char* fallback = codec == Codec::kH264
                             ? "application/x-rtp,media=video,encoding-name=H264,payload=96,clock-rate=90000,"
                               "packetization-mode=(string)1,profile-level-id=(string)42e01f"
                             : "application/x-rtp,media=video,encoding-name=VP8,payload=96,clock-rate=90000";
  GstCaps* base = current ? current : gst_caps_from_string(fallback);
  const GstStructure* from = gst_caps_get_structure(base, 0);
  GstStructure* s = gst_structure_new_empty("application/x-rtp");
  for (const char* field : {"media", "encoding-name", "payload", "clock-rate", "packetization-mode",
                            "profile-level-id", "level-asymmetry-allowed"})
    if (const GValue* v = gst_structure_get_value(from, field)) gst_structure_set_value(s, field, v);
  gst_structure_set(s, "rtcp-fb-nack", G_TYPE_BOOLEAN, TRUE, "rtcp-fb-nack-pli", G_TYPE_BOOLEAN, TRUE,
                    "rtcp-fb-ccm-fir", G_TYPE_BOOLEAN, TRUE, nullptr);
  // The offer's a=extmap for the payloaders' playout-delay extension (encoder_setup.cpp); a
  // browser that does not know it leaves it out of its answer and ignores it in the packets.
  if (offerer) {
    const std::string extmap = "extmap-" + std::to_string(kPlayoutDelayExtId);
    gst_structure_set(s, extmap.c_str(), G_TYPE_STRING, kPlayoutDelayUri, nullptr);
  }
  gst_caps_unref(base);
  GstCaps* caps = gst_caps_new_empty();
  gst_caps_append_structure(caps, s);
  return caps;
}

}  // namespace

// libnice's agent has UPnP on by default: at the first gathering it starts gupnp-igd, which
// opens SSDP sockets on port 1900 and multicasts to 239.255.255.250 on every interface looking
// for a router to open a port in, for every peer. A server must not announce itself on the LAN
// by surprise, and the tunnel or LAN path needs no port mapping. In 1.22 the NiceAgent is the
// "agent" property of webrtcbin's GstWebRTCNice ("ice-agent"); other ICE implementations may
// lack it, hence the look-up. Before gathering, i.e. before the offer. Checked by serve-e2e
// (WebRtcNegotiationMediaAndInputEcho: no socket on port 1900 in the server).
static void disable_upnp(GstElement* webrtc) {
  GObject* ice = nullptr;
  g_object_get(webrtc, "ice-agent", &ice, nullptr);
  if (!ice) return;
  if (g_object_class_find_property(G_OBJECT_GET_CLASS(ice), "agent")) {
    GObject* agent = nullptr;
    g_object_get(ice, "agent", &agent, nullptr);
    if (agent && g_object_class_find_property(G_OBJECT_GET_CLASS(agent), "upnp"))
      g_object_set(agent, "upnp", FALSE, nullptr);
    else
      GST_WARNING("no NiceAgent behind webrtcbin's ICE agent: UPnP may stay on");
    if (agent) g_object_unref(agent);
  }
  g_object_unref(ice);
}

// Sender reports every 200 ms instead of rtpsession's 5 s minimum (RTP's default; the rate's
// RTCP bandwidth share let it send about one a second here): the round trip the congestion
// controller reads as its queueing delay is measured from the browser's reply to the last sender
// report, so rare ones made it lag the link by 1-2.5 s (adapt/rate_controller.h). A report is
// about 100 bytes: 4 kbit/s.
static void frequent_rtcp(GstElement* webrtc) {
  g_signal_connect(webrtc, "deep-element-added", G_CALLBACK(+[](GstBin*, GstBin*, GstElement* e, gpointer) {
    GstElementFactory* f = gst_element_get_factory(e);
    if (f && g_strcmp0(GST_OBJECT_NAME(f), "rtpsession") == 0)
      g_object_set(e, "rtcp-min-interval", guint64(200 * GST_MSECOND), nullptr);
  }), nullptr);
}

WebRtcBranch::WebRtcBranch(GstBin* sink, Media& media, uint32_t peer, Callbacks cb)
    : Branch(sink, "viewer-" + std::to_string(peer),
             [this](const std::string& why) {
               if (cb_.failed) cb_.failed("pipeline error: " + why);
             }),
      media_(media), peer_(peer), cb_(std::move(cb)), link_(std::make_shared<Link>()) {
  link_->self = this;
  link_->ctx = g_main_context_ref(current_context());
}

void WebRtcBranch::init_debug() {
  static gsize once = 0;
  if (g_once_init_enter(&once)) {
    GST_DEBUG_CATEGORY_INIT(sink_webrtc_debug, "vtkstreamsink-webrtc", 0, "vtkstreamsink WebRTC viewers");
    g_once_init_leave(&once, 1);
  }
}

std::unique_ptr<WebRtcBranch> WebRtcBranch::create(GstBin* sink, Media& media, uint32_t peer, Codec codec,
                                                   const IceConfig& ice, Callbacks cb, std::string* err) {
  init_debug();
  std::unique_ptr<WebRtcBranch> s(new WebRtcBranch(sink, media, peer, std::move(cb)));
  if (!s->build(codec, ice, err)) return nullptr;  // the destructor removes what was added
  return s;
}

std::unique_ptr<WebRtcBranch> WebRtcBranch::create_answerer(GstBin* sink, Media& media, uint32_t peer, Codec codec,
                                                            const IceConfig& ice, const std::string& offer_sdp,
                                                            Callbacks cb, std::string* err) {
  init_debug();
  std::unique_ptr<WebRtcBranch> s(new WebRtcBranch(sink, media, peer, std::move(cb)));
  s->answerer_ = true;
  s->offered_ = true;  // "negotiation needed" is the offerer's business
  if (!s->build(codec, ice, err)) return nullptr;
  s->answer_offer(offer_sdp);
  return s;
}

bool WebRtcBranch::build(Codec codec, const IceConfig& ice, std::string* err) {
  queue_ = gst_element_factory_make("queue", "queue");
  webrtc_ = gst_element_factory_make("webrtcbin", "webrtc");
  if (!queue_ || !webrtc_) {
    if (queue_) gst_object_unref(gst_object_ref_sink(queue_));
    if (webrtc_) gst_object_unref(gst_object_ref_sink(webrtc_));
    queue_ = webrtc_ = nullptr;
    *err = "webrtcbin is missing (Debian: gstreamer1.0-plugins-bad and gstreamer1.0-nice)";
    return false;
  }
  // Leaky: a late peer drops old packets instead of holding back the shared tee. The buffers are
  // RTP packets, not frames: with room for two, a keyframe's burst (50-70 packets) lost packets
  // here whenever webrtcbin's thread fell behind on a loaded machine, and the browser reported
  // loss that no link had caused (1 Mbit/s e2e test: 26 packets lost, 12 of them dropped by the
  // link) and froze until the next keyframe. 256 packets hold a few frames of any size we send.
  g_object_set(queue_, "leaky", 2 /* downstream */, "max-size-buffers", 256u, "max-size-bytes", 0u,
               "max-size-time", guint64(0), nullptr);
  g_object_set(webrtc_, "bundle-policy", GST_WEBRTC_BUNDLE_POLICY_MAX_BUNDLE, "latency", 0u, nullptr);
  if (!ice.stun.empty()) g_object_set(webrtc_, "stun-server", ice.stun.c_str(), nullptr);
  for (const std::string& turn : ice.turn) {
    gboolean ok = FALSE;
    g_signal_emit_by_name(webrtc_, "add-turn-server", turn.c_str(), &ok);
    if (!ok) GST_WARNING("webrtcbin refused TURN server %s", turn.c_str());
  }
  disable_upnp(webrtc_);
  frequent_rtcp(webrtc_);
  rtx_ = RtxBudget::attach(webrtc_, media_.bitrate_kbps() > 0 ? media_.bitrate_kbps() : 1200);
  gst_bin_add_many(bin(), queue_, webrtc_, nullptr);
  null_first(webrtc_, release_receive_bins);
  if (!link_sendonly(codec, err)) return false;
  connect_signals();

  // The data channel must exist before the offer is made, and webrtcbin must be in READY for
  // create-data-channel to work (found with webrtcbin 1.22).
  if (gst_element_set_state(webrtc_, GST_STATE_READY) == GST_STATE_CHANGE_FAILURE) {
    *err = "webrtcbin refused to go to READY";
    return false;
  }
  if (!ice.extra_address.empty()) {
    GObject* agent = nullptr;
    g_object_get(webrtc_, "ice-agent", &agent, nullptr);
    if (agent) {
      gboolean ok = FALSE;
      g_signal_emit_by_name(agent, "add-local-ip-address", ice.extra_address.c_str(), &ok);
      if (!ok) GST_WARNING("ICE agent refused local address %s", ice.extra_address.c_str());
      g_object_unref(agent);
    }
  }
  // Input must not be lost or reordered (a lost button release leaves VTK dragging): reliable
  // and ordered, the default. An answerer (WHEP) only watches: the offer has no data channel.
  if (!answerer_) {
    g_signal_emit_by_name(webrtc_, "create-data-channel", "input", nullptr, &channel_);
    if (!channel_) {
      *err = "webrtcbin could not create the input data channel";
      return false;
    }
    connect_channel();
  }
  {  // what this viewer is sent, for /metrics (after the queue: drops are not sent)
    GstPad* qsrc = gst_element_get_static_pad(queue_, "src");
    count_bytes(qsrc, &media_.metrics().webrtc_sent_bytes);
    watch_departures(qsrc, departures_);
    gst_object_unref(qsrc);
  }

  if (!ghost_sink(queue_, err) || !attach(media_.rtp_tee(), err)) return false;
  start_rungs(codec);
  GST_INFO("peer %u: branch added", peer_);
  return true;
}

// queue -> a requested sink pad, whose transceiver we make send-only with our codec preferences.
bool WebRtcBranch::link_sendonly(Codec codec, std::string* err) {
  GstPad* sink = gst_element_request_pad_simple(webrtc_, "sink_%u");
  GstPad* qsrc = gst_element_get_static_pad(queue_, "src");
  const bool linked = sink && gst_pad_link(qsrc, sink) == GST_PAD_LINK_OK;
  gst_object_unref(qsrc);
  if (!linked) {
    if (sink) gst_object_unref(sink);
    *err = "cannot link the peer queue to webrtcbin";
    return false;
  }
  // Send-only through the transceiver of the requested pad; add-transceiver on top of this
  // would give a second m-line (found with webrtcbin 1.22).
  GstWebRTCRTPTransceiver* trans = nullptr;
  g_object_get(sink, "transceiver", &trans, nullptr);
  gst_object_unref(sink);
  if (trans) {
    GstCaps* prefs = codec_preferences(media_, codec, !answerer_);
    g_object_set(trans, "direction", GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_SENDONLY, "codec-preferences",
                 prefs, "do-nack", TRUE, nullptr);
    gst_caps_unref(prefs);
    gst_object_unref(trans);
  }
  return true;
}

// webrtcbin's signals, each handed to the sink's context.
void WebRtcBranch::connect_signals() {
  connect_link(webrtc_, "on-negotiation-needed", G_CALLBACK((+[](GstElement*, gpointer d) {
    run_on_main(d, [](WebRtcBranch& s) { s.negotiate(); });
  })), link_);
  connect_link(webrtc_, "on-ice-candidate", G_CALLBACK((+[](GstElement*, guint mline, gchar* cand, gpointer d) {
    run_on_main(d, [mline, c = std::string(cand ? cand : "")](WebRtcBranch& s) {
      if (!c.empty() && s.cb_.candidate) s.cb_.candidate(mline, c);
    });
  })), link_);
  connect_link(webrtc_, "notify::ice-gathering-state", G_CALLBACK((+[](GstElement* wb, GParamSpec*, gpointer d) {
    GstWebRTCICEGatheringState st;
    g_object_get(wb, "ice-gathering-state", &st, nullptr);
    if (st == GST_WEBRTC_ICE_GATHERING_STATE_COMPLETE)
      run_on_main(d, [](WebRtcBranch& s) {
        if (s.cb_.candidate) s.cb_.candidate(0, "");
      });
  })), link_);
  connect_link(webrtc_, "notify::ice-connection-state", G_CALLBACK((+[](GstElement* wb, GParamSpec*, gpointer d) {
    GstWebRTCICEConnectionState st;
    g_object_get(wb, "ice-connection-state", &st, nullptr);
    if (st == GST_WEBRTC_ICE_CONNECTION_STATE_FAILED)
      run_on_main(d, [](WebRtcBranch& s) {
        if (s.cb_.failed) s.cb_.failed("ICE failed");
      });
  })), link_);
  connect_link(webrtc_, "notify::connection-state", G_CALLBACK((+[](GstElement* wb, GParamSpec*, gpointer d) {
    GstWebRTCPeerConnectionState st;
    g_object_get(wb, "connection-state", &st, nullptr);
    if (st == GST_WEBRTC_PEER_CONNECTION_STATE_CONNECTED)
      run_on_main(d, [](WebRtcBranch& s) {
        if (s.connected_) return;
        s.connected_ = true;
        GST_INFO("peer %u connected", s.peer_);
        // Until now every frame went nowhere; the browser needs a keyframe to start decoding.
        s.media_.force_keyframe(s.rung());
        if (s.cb_.connected) s.cb_.connected();
      });
    else if (st == GST_WEBRTC_PEER_CONNECTION_STATE_FAILED)
      run_on_main(d, [](WebRtcBranch& s) {
        if (s.cb_.failed) s.cb_.failed("connection failed (ICE or DTLS)");
      });
  })), link_);
}

void WebRtcBranch::connect_channel() {
  connect_link(channel_, "on-message-string", G_CALLBACK((+[](GstWebRTCDataChannel*, gchar* str, gpointer d) {
    if (!str) return;
    run_on_main(d, [text = std::string(str)](WebRtcBranch& s) {
      if (s.cb_.channel_text) s.cb_.channel_text(text);
    });
  })), link_);
  // Binary messages are not part of the protocol; a client that sends UTF-8 JSON as bytes is
  // answered like a text sender (the parser rejects anything else).
  connect_link(channel_, "on-message-data", G_CALLBACK((+[](GstWebRTCDataChannel*, GBytes* data, gpointer d) {
    if (!data) return;
    gsize n = 0;
    const char* p = static_cast<const char*>(g_bytes_get_data(data, &n));
    run_on_main(d, [text = std::string(p ? p : "", n)](WebRtcBranch& s) {
      if (s.cb_.channel_text) s.cb_.channel_text(text);
    });
  })), link_);
}

void WebRtcBranch::negotiate() {
  // One offer per session: the stream never changes shape, so later "negotiation needed"
  // notifications (the data channel, the transceiver) are already covered by the first offer.
  if (offered_) return;
  offered_ = true;
  GstPromise* promise = main_context_promise(link_, [](WebRtcBranch& s, GstPromise* p) {
    std::string why;
    GstWebRTCSessionDescription* offer = nullptr;
    if (const GstStructure* reply = promise_reply(p, "create-offer", &why))
      gst_structure_get(reply, "offer", GST_TYPE_WEBRTC_SESSION_DESCRIPTION, &offer, nullptr);
    if (!offer) {
      if (s.cb_.failed) s.cb_.failed(why.empty() ? "create-offer gave no offer" : why);
      return;
    }
    g_signal_emit_by_name(s.webrtc_, "set-local-description", offer, nullptr);
    gchar* text = gst_sdp_message_as_text(offer->sdp);
    gst_webrtc_session_description_free(offer);
    if (s.cb_.offer) s.cb_.offer(text);
    g_free(text);
  });
  g_signal_emit_by_name(webrtc_, "create-offer", nullptr, promise);
  gst_promise_unref(promise);
}

void WebRtcBranch::apply_answer(const std::string& sdp) {
  GstSDPMessage* msg = nullptr;
  if (gst_sdp_message_new_from_text(sdp.c_str(), &msg) != GST_SDP_OK || !msg ||
      gst_sdp_message_medias_len(msg) == 0) {
    if (msg) gst_sdp_message_free(msg);
    if (cb_.answer_rejected) cb_.answer_rejected("the answer's SDP could not be parsed");
    return;
  }
  GstWebRTCSessionDescription* answer = gst_webrtc_session_description_new(GST_WEBRTC_SDP_TYPE_ANSWER, msg);
  GstPromise* promise = main_context_promise(link_, [](WebRtcBranch& s, GstPromise* p) {
    std::string why;
    if (!promise_reply(p, "set-remote-description", &why) && !why.empty() && s.cb_.answer_rejected)
      s.cb_.answer_rejected(why);
  });
  g_signal_emit_by_name(webrtc_, "set-remote-description", answer, promise);
  gst_promise_unref(promise);
  gst_webrtc_session_description_free(answer);
}

void WebRtcBranch::request_stats(std::function<void(const RtcStats&)> done) {
  GstPromise* promise = main_context_promise(link_, [done = std::move(done)](WebRtcBranch&, GstPromise* p) {
    std::string why;
    if (const GstStructure* reply = promise_reply(p, "get-stats", &why)) done(rtc_stats_from(reply));
  });
  g_signal_emit_by_name(webrtc_, "get-stats", nullptr, promise);
  gst_promise_unref(promise);
}

void WebRtcBranch::add_remote_candidate(unsigned mline, const std::string& candidate) {
  g_signal_emit_by_name(webrtc_, "add-ice-candidate", mline, candidate.c_str());
}

bool WebRtcBranch::channel_open() const {
  if (!channel_) return false;
  GstWebRTCDataChannelState st;
  g_object_get(channel_, "ready-state", &st, nullptr);
  return st == GST_WEBRTC_DATA_CHANNEL_STATE_OPEN;
}

bool WebRtcBranch::send_channel_text(const std::string& text) {
  if (!channel_open()) return false;
  GError* gerr = nullptr;
  if (!gst_webrtc_data_channel_send_string_full(channel_, text.c_str(), &gerr)) {
    GST_DEBUG("peer %u: data channel send failed: %s", peer_, gerr ? gerr->message : "?");
    g_clear_error(&gerr);
    return false;
  }
  return true;
}

WebRtcBranch::~WebRtcBranch() {
  link_->self = nullptr;  // late callbacks from webrtcbin's threads now find nobody
  stop_rungs();
  if (channel_) gst_object_unref(channel_);
  if (stream_pad_) {  // an answerer gone before its stream came
    g_signal_handler_disconnect(stream_pad_, caps_handler_);
    gst_object_unref(stream_pad_);
  }
  GST_INFO("peer %u: branch removal started", peer_);
  // ~Branch unlinks and removes the bin, webrtcbin first.
}

}  // namespace vtkstream::sink
