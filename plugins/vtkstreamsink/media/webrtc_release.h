// The last step of a WebRTC branch's teardown, after webrtcbin reached NULL: makes sure none
// of webrtcbin's TransportReceiveBins outlives it (gst-plugins-bad 1.22 can leave one behind;
// see webrtc_release.cpp).
#pragma once

#include <gst/gst.h>

namespace vtkstream::sink {

// `webrtc` is a webrtcbin already in NULL (its operation thread stopped).
void release_receive_bins(GstElement* webrtc);

}  // namespace vtkstream::sink
