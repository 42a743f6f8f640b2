// bench-encode: what the sink's VP8 path costs per frame at two sizes, what a mid-stream size
// change costs, and what a high-quality still costs in bytes and gives in PSNR.
//
//   bench-encode [--frames N] FULL.ppm SMALL.ppm
//
// FULL and SMALL are the same scene rendered at two sizes (bench-render --dump writes them).
// Frames go through the sink's built-in encoder description (encoder_factory.cpp) into an
// appsink; a second branch decodes (vp8dec) so a still can be compared with its source. Each
// pushed frame is shifted by one pixel so the encoder sees motion, as during a drag.
// Measures, per frame, the time from pushing the raw frame to the RTP packets leaving the
// payloader:
//   * steady FULL, steady SMALL;
//   * the first frame after a switch SMALL -> FULL and FULL -> SMALL (vp8enc re-initialises
//     libvpx on every caps change and starts with a keyframe);
//   * a FULL still after SMALL frames, with vp8enc max-quantizer at several values: its bytes,
//     encode time and luma PSNR against the source;
//   * SMALL drag frames (each shifted, as above) at several target bitrates: what they cost and
//     their luma PSNR, i.e. what the bits beyond a size's ceiling buy (adapt/size_ceiling.h).
#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>
#include <gst/gst.h>
#include <gst/video/video.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

namespace {

struct Image {
  int w = 0, h = 0;
  std::vector<uint8_t> rgba;
};

bool load_ppm(const std::string& path, Image* img) {
  std::ifstream f(path, std::ios::binary);
  std::string magic;
  int maxv = 0;
  f >> magic >> img->w >> img->h >> maxv;
  f.get();
  if (!f || magic != "P6" || maxv != 255 || img->w <= 0 || img->h <= 0) return false;
  std::vector<uint8_t> rgb(size_t(img->w) * img->h * 3);
  f.read(reinterpret_cast<char*>(rgb.data()), std::streamsize(rgb.size()));
  if (!f) return false;
  img->rgba.resize(size_t(img->w) * img->h * 4);
  for (size_t i = 0, n = size_t(img->w) * img->h; i < n; ++i) {
    std::memcpy(&img->rgba[i * 4], &rgb[i * 3], 3);
    img->rgba[i * 4 + 3] = 255;
  }
  return true;
}

// The image shifted right by `dx` pixels (wrapping), so consecutive frames differ.
std::vector<uint8_t> shifted(const Image& img, int dx) {
  std::vector<uint8_t> out(img.rgba.size());
  const size_t row = size_t(img.w) * 4;
  dx = ((dx % img.w) + img.w) % img.w;
  for (int y = 0; y < img.h; ++y) {
    const uint8_t* src = &img.rgba[y * row];
    uint8_t* dst = &out[y * row];
    std::memcpy(dst + size_t(dx) * 4, src, row - size_t(dx) * 4);
    std::memcpy(dst, src + row - size_t(dx) * 4, size_t(dx) * 4);
  }
  return out;
}

// PSNR of the luma plane: the codec's loss, without the 4:2:0 chroma subsampling every
// browser codec adds anyway.
double psnr(const std::vector<uint8_t>& a, const std::vector<uint8_t>& b) {
  if (a.size() != b.size() || a.empty()) return 0;
  double se = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    const double d = double(a[i]) - double(b[i]);
    se += d * d;
  }
  const double mse = se / double(a.size());
  return mse <= 0 ? 99.0 : 10 * std::log10(255.0 * 255.0 / mse);
}

// The source's luma plane as videoconvert makes it (GStreamer's converter, default colorimetry
// for the size), tightly packed (width is a multiple of 4 here, so I420's Y stride is the width).
std::vector<uint8_t> luma_of(int w, int h, const std::vector<uint8_t>& rgba) {
  GstVideoInfo in, out;
  gst_video_info_set_format(&in, GST_VIDEO_FORMAT_RGBA, w, h);
  gst_video_info_set_format(&out, GST_VIDEO_FORMAT_I420, w, h);
  GstBuffer* src = gst_buffer_new_memdup(rgba.data(), rgba.size());
  GstBuffer* dst = gst_buffer_new_allocate(nullptr, GST_VIDEO_INFO_SIZE(&out), nullptr);
  std::vector<uint8_t> y;
  GstVideoFrame fi, fo;
  if (gst_video_frame_map(&fi, &in, src, GST_MAP_READ)) {
    if (gst_video_frame_map(&fo, &out, dst, GST_MAP_WRITE)) {
      GstVideoConverter* c = gst_video_converter_new(&in, &out, nullptr);
      gst_video_converter_frame(c, &fi, &fo);
      gst_video_converter_free(c);
      const auto* p = static_cast<const uint8_t*>(GST_VIDEO_FRAME_PLANE_DATA(&fo, 0));
      y.assign(p, p + size_t(w) * h);
      gst_video_frame_unmap(&fo);
    }
    gst_video_frame_unmap(&fi);
  }
  gst_buffer_unref(src);
  gst_buffer_unref(dst);
  return y;
}

class Bench {
 public:
  bool start() {
    GError* err = nullptr;
    pipeline_ = gst_parse_launch(
        "appsrc name=src is-live=true format=time ! videoconvert ! queue max-size-buffers=1 "
        "max-size-bytes=0 max-size-time=0 leaky=downstream ! vp8enc name=enc deadline=1 cpu-used=8 "
        "end-usage=cbr lag-in-frames=0 error-resilient=partitions keyframe-max-dist=3000 "
        "threads=1 target-bitrate=1200000 ! tee name=t ! queue ! vp8dec ! videoconvert ! "
        "video/x-raw,format=I420 ! appsink name=dec sync=false "
        "t. ! queue ! rtpvp8pay mtu=1200 picture-id-mode=15-bit ! appsink name=rtp sync=false",
        &err);
    if (!pipeline_ || err) {
      std::fprintf(stderr, "bench-encode: %s\n", err ? err->message : "cannot build");
      return false;
    }
    src_ = gst_bin_get_by_name(GST_BIN(pipeline_), "src");
    enc_ = gst_bin_get_by_name(GST_BIN(pipeline_), "enc");
    rtp_ = gst_bin_get_by_name(GST_BIN(pipeline_), "rtp");
    dec_ = gst_bin_get_by_name(GST_BIN(pipeline_), "dec");
    // Encoded sizes, from the encoder's src pad (one buffer per frame).
    GstPad* pad = gst_element_get_static_pad(enc_, "src");
    gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, [](GstPad*, GstPadProbeInfo* info, gpointer self) {
      static_cast<Bench*>(self)->last_bytes_ = gst_buffer_get_size(GST_PAD_PROBE_INFO_BUFFER(info));
      return GST_PAD_PROBE_OK;
    }, this, nullptr);
    gst_object_unref(pad);
    return gst_element_set_state(pipeline_, GST_STATE_PLAYING) != GST_STATE_CHANGE_FAILURE;
  }
  ~Bench() {
    if (pipeline_) gst_element_set_state(pipeline_, GST_STATE_NULL);
    for (GstElement* e : {src_, enc_, rtp_, dec_, pipeline_})
      if (e) gst_object_unref(e);
  }

  struct Result {
    double ms = 0;
    size_t bytes = 0;
    double psnr = 0;
  };

  // Pushes one frame and waits until its RTP packets and its decoded picture are out.
  Result push(const Image& img, const std::vector<uint8_t>& pixels) {
    if (img.w != w_ || img.h != h_) {
      GstCaps* caps = gst_caps_new_simple("video/x-raw", "format", G_TYPE_STRING, "RGBA", "width",
                                          G_TYPE_INT, img.w, "height", G_TYPE_INT, img.h,
                                          "framerate", GST_TYPE_FRACTION, 0, 1, nullptr);
      gst_app_src_set_caps(GST_APP_SRC(src_), caps);
      gst_caps_unref(caps);
      w_ = img.w;
      h_ = img.h;
    }
    GstBuffer* buf = gst_buffer_new_memdup(pixels.data(), pixels.size());
    GST_BUFFER_PTS(buf) = pts_;
    GST_BUFFER_DURATION(buf) = GST_SECOND / 30;
    pts_ += GST_SECOND / 30;
    const auto t0 = std::chrono::steady_clock::now();
    gst_app_src_push_buffer(GST_APP_SRC(src_), buf);
    Result r;
    // The last RTP packet of the frame has the marker bit; wait for it.
    for (;;) {
      GstSample* s = gst_app_sink_try_pull_sample(GST_APP_SINK(rtp_), 5 * GST_SECOND);
      if (!s) return r;
      const bool marker = GST_BUFFER_FLAG_IS_SET(gst_sample_get_buffer(s), GST_BUFFER_FLAG_MARKER);
      gst_sample_unref(s);
      if (marker) break;
    }
    r.ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    r.bytes = last_bytes_;
    if (GstSample* s = gst_app_sink_try_pull_sample(GST_APP_SINK(dec_), 5 * GST_SECOND)) {
      GstMapInfo map;
      GstBuffer* b = gst_sample_get_buffer(s);
      if (gst_buffer_map(b, &map, GST_MAP_READ)) {
        const std::vector<uint8_t> ref = luma_of(img.w, img.h, pixels);
        if (map.size >= ref.size())
          r.psnr = psnr(ref, std::vector<uint8_t>(map.data, map.data + ref.size()));
        gst_buffer_unmap(b, &map);
      }
      gst_sample_unref(s);
    }
    return r;
  }

  GstElement* enc() const { return enc_; }

 private:
  GstElement* pipeline_ = nullptr;
  GstElement *src_ = nullptr, *enc_ = nullptr, *rtp_ = nullptr, *dec_ = nullptr;
  int w_ = 0, h_ = 0;
  GstClockTime pts_ = 0;
  size_t last_bytes_ = 0;
};

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

double p95(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, size_t(double(v.size()) * 0.95))];
}

}  // namespace

int main(int argc, char** argv) {
  gst_init(&argc, &argv);
  int frames = 40;
  std::vector<std::string> files;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--frames" && i + 1 < argc) frames = std::max(4, std::atoi(argv[++i]));
    else files.push_back(a);
  }
  Image full, small;
  if (files.size() != 2 || !load_ppm(files[0], &full) || !load_ppm(files[1], &small)) {
    std::fprintf(stderr, "usage: bench-encode [--frames N] FULL.ppm SMALL.ppm (binary P6)\n");
    return 2;
  }
  Bench b;
  if (!b.start()) return 1;
  int shift = 0;
  auto run = [&](const Image& img, int n, std::vector<double>* ms) {
    Bench::Result last;
    for (int i = 0; i < n; ++i) {
      last = b.push(img, shifted(img, ++shift));
      if (ms) ms->push_back(last.ms);
    }
    return last;
  };
  std::vector<double> steady_full, steady_small, to_full, to_small;
  run(full, 5, nullptr);  // warm-up
  run(full, frames, &steady_full);
  run(small, 1, &to_small);
  run(small, frames, &steady_small);
  for (int k = 0; k < 10; ++k) {
    to_full.push_back(run(full, 1, nullptr).ms);
    run(full, 4, nullptr);
    to_small.push_back(run(small, 1, nullptr).ms);
    run(small, 4, nullptr);
  }
  std::printf("| frame | p50 ms | p95 ms | n |\n|---|---|---|---|\n");
  std::printf("| steady %dx%d | %.1f | %.1f | %zu |\n", full.w, full.h, median(steady_full), p95(steady_full), steady_full.size());
  std::printf("| steady %dx%d | %.1f | %.1f | %zu |\n", small.w, small.h, median(steady_small), p95(steady_small), steady_small.size());
  std::printf("| first after %dx%d -> %dx%d | %.1f | %.1f | %zu |\n", small.w, small.h, full.w, full.h, median(to_full), p95(to_full), to_full.size());
  std::printf("| first after %dx%d -> %dx%d | %.1f | %.1f | %zu |\n", full.w, full.h, small.w, small.h, median(to_small), p95(to_small), to_small.size());

  // Stills: a full-size frame after small ones, at several quantizer ceilings; the unmoved
  // image, as the renderer's still is.
  std::printf("\n| still min/max-quantizer | bytes | encode ms | PSNR-Y dB | next frame bytes (PSNR-Y) |\n|---|---|---|---|---|\n");
  for (auto [qmin, q] : {std::pair{4, 63}, {4, 20}, {4, 12}, {2, 8}, {0, 6}, {0, 4}}) {
    run(small, 5, nullptr);
    g_object_set(b.enc(), "min-quantizer", qmin, "max-quantizer", q, nullptr);
    const Bench::Result still = b.push(full, full.rgba);
    g_object_set(b.enc(), "min-quantizer", 4, "max-quantizer", 63, nullptr);
    const Bench::Result next = b.push(full, full.rgba);  // the same picture again (a repeat)
    std::printf("| %d/%d | %zu | %.1f | %.1f | %zu (%.1f dB) |\n", qmin, q, still.bytes, still.ms, still.psnr,
                next.bytes, next.psnr);
  }

  // Drag frames at the interactive size: the top rung's rate before its ceiling followed the size
  // (up to 2500 kbit/s at the default max) against the size's ceiling (1000 at 640x360) and below.
  // A keyframe starts each rate (as the size change does); the first 5 frames are left out.
  std::printf("\n| %dx%d drag frames at | kbit/s out | PSNR-Y p50 dB | PSNR-Y p5 dB | n |\n|---|---|---|---|---|\n",
              small.w, small.h);
  for (int kbps : {2500, 1600, 1000, 600, 400}) {
    g_object_set(b.enc(), "target-bitrate", kbps * 1000, nullptr);
    run(full, 2, nullptr);
    run(small, 5, nullptr);
    std::vector<double> db;
    size_t bytes = 0;
    for (int i = 0; i < frames; ++i) {
      const Bench::Result r = b.push(small, shifted(small, ++shift));
      db.push_back(r.psnr);
      bytes += r.bytes;
    }
    std::sort(db.begin(), db.end());
    std::printf("| %d kbit/s | %.0f | %.1f | %.1f | %zu |\n", kbps, double(bytes) * 8 * 30 / 1000 / frames, median(db),
                db[db.size() / 20], db.size());
  }
  return 0;
}
