#define GST_USE_UNSTABLE_API  // see webrtc_branch.cpp
#include "webrtc_release.h"

#include <gst/webrtc/webrtc.h>

#include <vector>

GST_DEBUG_CATEGORY_STATIC(sink_release_debug);
#define GST_CAT_DEFAULT sink_release_debug

namespace vtkstream::sink {

// Why this exists: a leak in gst-plugins-bad's webrtcbin (1.22; ext/webrtc/transportreceivebin.c
// is unchanged in this respect up to 1.29). A TransportReceiveBin connects
// _on_notify_ice_connection_state to its ICE transport's "notify::state"
// (transport_receive_bin_constructed) and never disconnects it. That handler calls
// transport_receive_bin_set_receive_state(), which in BLOCK state makes a pad block
// (_create_pad_block) holding a reference to the bin itself; only the bin's READY_TO_NULL frees
// it. libnice reports the ICE component's first change (to "gathering") from its own threads,
// at any time after the gathering started; when a viewer leaves right after its offer, that
// report can come after the bin went to NULL. The new block then keeps the bin alive for ever,
// and with it nicesrc, the DTLS/SRTP decoder and the NiceAgent with its sockets (9 descriptors
// per leak in-process, about 20 in the server). Measured with SinkStates.
// PlayingCyclesWithoutWaitingForCandidatesLeakNothing (tests/sink/test_sink_states.cpp): without
// this, 23 leaks in 130 teardowns (10 of 11 runs failed), and each leaked bin was one whose
// "gathering" notification was logged after its READY_TO_NULL; with it, 0 leaks in 240. The
// same can happen (not seen) through webrtcbin's READY_TO_NULL, which sets its children to NULL
// before it stops its operation thread, so an operation still running can set the receive
// state again.
// There is no public API for either, so once webrtcbin is in NULL and its thread joined: each
// receive bin's handler is disconnected (matched by its data pointer, the bin; an emission that
// has not entered it yet skips it, one inside holds the bin's pad-block lock, which the READY
// below waits for), then the bin goes through READY to NULL once more, which frees any block
// made after its first NULL.
static std::vector<GObject*> ice_transports(GstElement* webrtc) {
  std::vector<GObject*> out;
  GArray* trans = nullptr;
  g_signal_emit_by_name(webrtc, "get-transceivers", &trans);
  for (guint i = 0; trans && i < trans->len; ++i) {
    GstWebRTCRTPTransceiver* t = g_array_index(trans, GstWebRTCRTPTransceiver*, i);
    GstWebRTCRTPSender* sender = nullptr;
    g_object_get(t, "sender", &sender, nullptr);
    GstWebRTCDTLSTransport* dtls = nullptr;
    if (sender) g_object_get(sender, "transport", &dtls, nullptr);
    GObject* ice = nullptr;
    if (dtls) g_object_get(dtls, "transport", &ice, nullptr);
    bool seen = false;
    for (GObject* o : out) seen = seen || o == ice;
    if (ice && !seen) out.push_back(ice);
    else if (ice) g_object_unref(ice);
    if (dtls) gst_object_unref(dtls);
    if (sender) gst_object_unref(sender);
  }
  if (trans) g_array_unref(trans);
  return out;
}

void release_receive_bins(GstElement* webrtc) {
  static gsize once = 0;
  if (g_once_init_enter(&once)) {
    GST_DEBUG_CATEGORY_INIT(sink_release_debug, "vtkstreamsink-release", 0, "vtkstreamsink WebRTC teardown");
    g_once_init_leave(&once, 1);
  }
  std::vector<GstElement*> bins;
  GstIterator* it = gst_bin_iterate_elements(GST_BIN(webrtc));
  GValue v = G_VALUE_INIT;
  while (gst_iterator_next(it, &v) == GST_ITERATOR_OK) {
    auto* e = GST_ELEMENT(g_value_get_object(&v));
    if (g_str_equal(G_OBJECT_TYPE_NAME(e), "TransportReceiveBin")) bins.push_back(GST_ELEMENT(gst_object_ref(e)));
    g_value_reset(&v);
  }
  g_value_unset(&v);
  gst_iterator_free(it);
  if (bins.empty()) return;
  std::vector<GObject*> ices = ice_transports(webrtc);
  for (GstElement* bin : bins) {
    guint n = 0;
    for (GObject* ice : ices)
      n += g_signal_handlers_disconnect_matched(ice, G_SIGNAL_MATCH_DATA, 0, 0, nullptr, nullptr, bin);
    GstState st = GST_STATE_NULL;
    gst_element_get_state(bin, &st, nullptr, 0);
    GST_DEBUG_OBJECT(bin, "was %s, %u handler(s) disconnected", gst_element_state_get_name(st), n);
    // Through READY and back: only READY_TO_NULL frees the block (and it may be NULL already
    // with a block made after). Its NULL_TO_READY sets nicesrc to PLAYING, briefly; harmless
    // with the agent about to go.
    gst_element_set_state(bin, GST_STATE_READY);
    gst_element_set_state(bin, GST_STATE_NULL);
    gst_object_unref(bin);
  }
  for (GObject* ice : ices) g_object_unref(ice);
}

}  // namespace vtkstream::sink
