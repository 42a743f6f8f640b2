// Decodes what a receiving webrtcbin's new src pad carries and counts the decoded frames: the
// tail both test receivers (Receiver, WhepClient) hang on each incoming stream.
#pragma once

#include <gst/gst.h>

#include <atomic>
#include <string>

namespace vtkstream::test {

// Links `pad` (webrtcbin's RTP src pad; sink pads are ignored) to a bin of `decode` (a
// gst-launch description ending in raw video) inside `pipeline`; each decoded frame increments
// `*frames` and wakes the default main context. Runs on the streaming thread that added the pad.
void count_decoded_frames(GstElement* pipeline, GstPad* pad, const std::string& decode, std::atomic<int>* frames);

}  // namespace vtkstream::test
