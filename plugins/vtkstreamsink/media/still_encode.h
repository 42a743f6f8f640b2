// One still as a compressed image, for the viewers that show the crisp still (http/still_image.h).
//
// WebP (libwebp's lossy mode) at quality 90 with libwebp's "sharp" RGB to YUV conversion, chosen
// by measurement on 1280x720 stills of Human.vtp and the demo scene (docs/performance.md "The
// crisp still over HTTP" and "The unconstrained still at 40 dB"): plain quality 90 is 12-28 kB at
// 39.9 and 40.9 dB RGB PSNR, where JPEG (jpegenc 85-95) needs 63-229 kB and PNG 36-276 kB. Lossy
// WebP is 4:2:0 like the video, and its plain conversion loses most at the coloured edges: quality
// 95 or 100 buys at most 0.4 dB (40.0 dB for Human.vtp), while the sharp conversion, same quality,
// gives 41.1 and 41.5 dB for 13 % and 8 % more bytes (14 and 30 kB). Lossless WebP is exact but
// 50-154 kB, 4-5 times that, too slow a download within the 1 s a strong viewer's still has.
//
// So there are two images of a still, each encoded once, for whoever needs it: that one, and for a
// viewer whose estimate carries 150 kB within half a second (WebService::kExactMinKbps) lossless
// WebP, exact whatever the picture (a synthetic picture of saturated shapes on a dark gradient
// gave 37.7 dB plain and 38.1 dB sharp at quality 90), at libwebp's fastest effort (method 0,
// quality 0: 15-35 ms; more effort saved at most 23 % of the bytes for 5-18 times the time).
//
// GStreamer 1.22's webpenc has no property for the sharp conversion (libwebp's use_sharp_yuv), so
// this calls libwebp itself, on a frame mapped (or converted by gst_video_convert_sample) to RGB(A).
// Synchronous, ~100-200 ms for 1280x720 on one core: call it on a worker thread.
#pragma once

#include <gst/gst.h>

#include <string>

namespace vtkstream::sink {

inline constexpr int kStillWebpQuality = 90;
inline constexpr const char* kStillMime = "image/webp";

struct StillFormat {
  bool lossless = false;
  int quality = kStillWebpQuality;  // lossy only (lossless: effort, 0 here)
  // The rest are the measured choices; other values for bench/encode/bench_still.cpp.
  bool sharp = true;  // lossy: libwebp's sharp RGB to YUV conversion
  int method = -1;    // libwebp's method (0 fast .. 6 slow): -1 = 4 lossy, 0 lossless
};

// The encoded image (transfer full), or nullptr with *err set.
GBytes* encode_still(GstSample* sample, const StillFormat& format, std::string* err);

}  // namespace vtkstream::sink
