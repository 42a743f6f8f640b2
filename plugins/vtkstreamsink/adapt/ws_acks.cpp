#include "ws_acks.h"

namespace vtkstream::adapt {

WsFed feed_ws_acks(RateController& ctl, const WsAckWindow& w) {
  WsFed fed;
  fed.sender = {w.t_us, w.bytes_sent};
  ctl.on_sender(fed.sender);
  if (w.min_rtt_s) {
    ReceiverReport rr;
    rr.t_us = w.t_us;
    rr.rtt_s = w.min_rtt_s;
    ctl.on_receiver_report(rr);
    fed.rr = rr;
  }
  fed.page.t_us = w.t_us;
  fed.page.bytes = w.bytes_acked;
  fed.page.packets = w.frames_sent;
  fed.page.lost = w.frames_skipped;
  ctl.on_page(fed.page);  // the decision
  return fed;
}

}  // namespace vtkstream::adapt
