// bench-departure-probe: what the departure probe (plugins/vtkstreamsink/media/departure_probe.h)
// adds per RTP packet. 1,000,000 packets of 1200 payload bytes, 4 to a frame, are pushed through a
// linked pad pair with and without the probe on the source pad; 8 rounds, each line one round
// and last the least of each column (the rounds of a loaded machine differ by more than the
// probe's cost). Not a test. Run: <builddir>/bench/probe/bench-departure-probe
#include <gst/gst.h>
#include <gst/rtp/gstrtpbuffer.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>

#include "departure_probe.h"

namespace {

GstFlowReturn drop(GstPad*, GstObject*, GstBuffer* b) {
  gst_buffer_unref(b);
  return GST_FLOW_OK;
}

// Microseconds per packet pushed.
double push(bool probe, int n) {
  GstPad* src = gst_pad_new("src", GST_PAD_SRC);
  GstPad* sink = gst_pad_new("sink", GST_PAD_SINK);
  gst_pad_set_chain_function(sink, drop);
  gst_pad_set_active(src, TRUE);
  gst_pad_set_active(sink, TRUE);
  gst_pad_link(src, sink);
  if (probe) vtkstream::sink::watch_departures(src, std::make_shared<vtkstream::adapt::DepartureLog>());
  gst_pad_push_event(src, gst_event_new_stream_start("bench"));
  GstCaps* caps = gst_caps_from_string("application/x-rtp");
  gst_pad_push_event(src, gst_event_new_caps(caps));
  gst_caps_unref(caps);
  GstSegment seg;
  gst_segment_init(&seg, GST_FORMAT_TIME);
  gst_pad_push_event(src, gst_event_new_segment(&seg));
  GstBuffer* tmpl = gst_rtp_buffer_new_allocate(1200, 0, 0);
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < n; ++i) {
    GstBuffer* b = gst_buffer_copy(tmpl);  // a payloader's packets are fresh buffers too
    GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
    gst_rtp_buffer_map(b, GST_MAP_WRITE, &rtp);
    gst_rtp_buffer_set_timestamp(&rtp, guint32(i / 4));
    gst_rtp_buffer_set_marker(&rtp, i % 4 == 3);
    gst_rtp_buffer_unmap(&rtp);
    gst_pad_push(src, b);
  }
  const double us = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count() / n;
  gst_buffer_unref(tmpl);
  gst_object_unref(src);
  gst_object_unref(sink);
  return us;
}

}  // namespace

int main(int argc, char** argv) {
  gst_init(&argc, &argv);
  constexpr int kPackets = 1'000'000;
  double least_without = 1e9, least_with = 1e9;
  for (int round = 0; round < 8; ++round) {
    const double without = push(false, kPackets), with = push(true, kPackets);
    std::printf("per packet: %.3f us without the probe, %.3f us with it: %.3f us\n", without, with, with - without);
    least_without = std::min(least_without, without);
    least_with = std::min(least_with, with);
  }
  std::printf("least: %.3f us without, %.3f us with: the probe %.3f us per packet\n", least_without, least_with,
              least_with - least_without);
  return 0;
}
