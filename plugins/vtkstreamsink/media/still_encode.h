// One still as a compressed image, for viewers on a lower rung (http/still_image.h).
//
// WebP (libwebp's lossy mode, GStreamer's webpenc), chosen by measurement on 1280x720 stills
// of Human.vtp and the demo scene (docs/performance.md "The crisp still over HTTP"): at quality 90 it is
// 15 kB (Human.vtp) and 30 kB (the demo scene) at 39.9 and 40.9 dB RGB PSNR, where JPEG
// (jpegenc 85-95) needs 63-229 kB and PNG 36-276 kB. 30 kB take 0.5 s at 500 kbit/s; the goal is
// 35 dB within 2 s there. Every browser the page supports decodes WebP.
//
// gst_video_convert_sample() would pick webpenc by caps but cannot set its quality, so this runs a
// pipeline of its own (appsrc ! videoconvert ! webpenc ! appsink), synchronously: call it on a
// worker thread.
#pragma once

#include <gst/gst.h>

#include <string>

namespace vtkstream::sink {

inline constexpr int kStillWebpQuality = 90;
inline constexpr const char* kStillMime = "image/webp";

// The encoded image (transfer full), or nullptr with *err set.
GBytes* encode_still(GstSample* sample, int quality, std::string* err);

}  // namespace vtkstream::sink
