// bench-still: the crisp still's WebP encodes (media/still_encode.h, the server's own function) on
// a picture: bytes, encode time (median of --runs) and RGB / luma PSNR after decoding, for the
// server's two images and the alternatives they were chosen over. Not a test; results and
// commands: docs/performance.md "The unconstrained still at 40 dB".
//   bench-still [--runs N] PICTURE.png...   (e.g. /snapshot.png of a running server)
#include <gst/app/gstappsink.h>
#include <gst/gst.h>
#include <gst/video/video.h>
#include <webp/decode.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "still_encode.h"

using vtkstream::sink::encode_still;
using vtkstream::sink::StillFormat;

namespace {

// The picture as an RGBA sample, through GStreamer's own decoders.
GstSample* load(const char* path) {
  gchar* loc = g_strescape(path, nullptr);
  const std::string desc = std::string("filesrc location=\"") + loc +
                           "\" ! decodebin ! videoconvert ! video/x-raw,format=RGBA ! appsink name=out";
  g_free(loc);
  GError* err = nullptr;
  GstElement* p = gst_parse_launch(desc.c_str(), &err);
  if (!p) {
    std::fprintf(stderr, "bench-still: %s\n", err ? err->message : "cannot build the decoder");
    g_clear_error(&err);
    return nullptr;
  }
  GstElement* out = gst_bin_get_by_name(GST_BIN(p), "out");
  gst_element_set_state(p, GST_STATE_PLAYING);
  GstSample* s = gst_app_sink_try_pull_sample(GST_APP_SINK(out), 10 * GST_SECOND);
  gst_element_set_state(p, GST_STATE_NULL);
  gst_object_unref(out);
  gst_object_unref(p);
  if (!s) std::fprintf(stderr, "bench-still: %s: no picture decoded\n", path);
  return s;
}

// RGB and luma (BT.601 weights) PSNR of the decoded WebP against the RGBA picture.
void psnr(GBytes* webp, GstSample* ref, double* rgb, double* luma) {
  GstVideoInfo vi;
  gst_video_info_from_caps(&vi, gst_sample_get_caps(ref));
  int w = 0, h = 0;
  gsize n = 0;
  const auto* data = static_cast<const uint8_t*>(g_bytes_get_data(webp, &n));
  uint8_t* d = WebPDecodeRGBA(data, n, &w, &h);
  GstVideoFrame f;
  gst_video_frame_map(&f, &vi, gst_sample_get_buffer(ref), GST_MAP_READ);
  double se = 0, sey = 0;
  for (int y = 0; y < h; ++y) {
    const uint8_t* r = static_cast<const uint8_t*>(GST_VIDEO_FRAME_PLANE_DATA(&f, 0)) + y * GST_VIDEO_FRAME_PLANE_STRIDE(&f, 0);
    for (int x = 0; x < w; ++x) {
      const uint8_t* a = d + (y * w + x) * 4;
      const uint8_t* b = r + x * 4;
      double dy = 0;
      for (int k = 0; k < 3; ++k) {
        const double e = double(a[k]) - b[k];
        se += e * e;
        dy += e * (k == 0 ? 0.299 : k == 1 ? 0.587 : 0.114);
      }
      sey += dy * dy;
    }
  }
  gst_video_frame_unmap(&f);
  WebPFree(d);
  auto db = [](double mse) { return mse == 0 ? INFINITY : 10 * std::log10(255.0 * 255.0 / mse); };
  *rgb = db(se / (3.0 * w * h));
  *luma = db(sey / (double(w) * h));
}

}  // namespace

int main(int argc, char** argv) {
  gst_init(&argc, &argv);
  int runs = 5;
  std::vector<const char*> files;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--runs") == 0 && i + 1 < argc) runs = std::max(1, std::atoi(argv[++i]));
    else files.push_back(argv[i]);
  }
  if (files.empty()) {
    std::fprintf(stderr, "usage: bench-still [--runs N] PICTURE.png...\n");
    return 2;
  }
  struct Row {
    const char* name;
    StillFormat f;
  };
  const Row rows[] = {
      {"lossy q90, plain conversion", {false, 90, false, -1}},
      {"lossy q95, plain conversion", {false, 95, false, -1}},
      {"lossy q100, plain conversion", {false, 100, false, -1}},
      {"lossy q90, sharp (server)", {false, 90, true, -1}},
      {"lossy q95, sharp", {false, 95, true, -1}},
      {"lossy q90, sharp, method 2", {false, 90, true, 2}},
      {"lossy q90, sharp, method 3", {false, 90, true, 3}},
      {"lossless, method 0 (server)", {true, 0, true, 0}},
      {"lossless, method 1", {true, 0, true, 1}},
      {"lossless, method 4", {true, 0, true, 4}},
  };
  for (const char* file : files) {
    GstSample* s = load(file);
    if (!s) return 1;
    for (const Row& row : rows) {
      std::vector<double> ms;
      GBytes* img = nullptr;
      for (int r = 0; r < runs; ++r) {
        std::string err;
        const gint64 t0 = g_get_monotonic_time();
        GBytes* b = encode_still(s, row.f, &err);
        ms.push_back(double(g_get_monotonic_time() - t0) / 1000);
        if (!b) {
          std::fprintf(stderr, "bench-still: %s\n", err.c_str());
          return 1;
        }
        if (img) g_bytes_unref(img);
        img = b;
      }
      std::sort(ms.begin(), ms.end());
      double rgb = 0, luma = 0;
      psnr(img, s, &rgb, &luma);
      std::printf("%-28s %-30s %8zu bytes  RGB %6.2f dB  luma %6.2f dB  encode %7.1f ms (median of %d)\n",
                  std::strrchr(file, '/') ? std::strrchr(file, '/') + 1 : file, row.name, g_bytes_get_size(img), rgb,
                  luma, ms[ms.size() / 2], runs);
      g_bytes_unref(img);
    }
    gst_sample_unref(s);
  }
  return 0;
}
