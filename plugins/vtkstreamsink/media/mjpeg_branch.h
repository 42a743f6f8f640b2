// The MJPEG fallback's encoder: a branch on the input tee that exists while someone watches
// /mjpeg (the web service creates it for the first MJPEG viewer and destroys it after the last).
// Raw input is converted and JPEG-encoded; input that arrives encoded (VP8/H.264 pass-through) is
// decoded first. Each picture goes to `on_jpeg` and its input echo to the InputInjector.
#pragma once

#include <gst/gst.h>

#include <functional>
#include <memory>
#include <string>

#include "branch.h"
#include "input_injector.h"

namespace vtkstream::sink {

class Media;

class MjpegBranch : public Branch {
 public:
  // Runs on the sink's context, one JPEG picture (transfer none).
  using JpegFn = std::function<void(GBytes* jpeg)>;

  static std::unique_ptr<MjpegBranch> create(GstBin* sink, Media& media, InputInjector& input, JpegFn on_jpeg,
                                             ErrorFn on_error, std::string* err);
  ~MjpegBranch() override;

  static constexpr int kQuality = 70;  // the usual size/quality balance for a fallback on slow links
  // The first picture of a new branch, when the input is wider: at most this wide, this quality.
  // The 1280x720 demo scene: 39 kB at full size and kQuality, 11 kB at 640x360 and 50 (0.2 s of
  // a 500 kbit/s link instead of 0.6 s); JPEG's size falls slowly with quality alone (25 kB at 20).
  static constexpr int kFirstMaxWidth = 640;
  static constexpr int kFirstQuality = 50;

 private:
  MjpegBranch(GstBin* sink, ErrorFn on_error) : Branch(sink, "mjpeg", std::move(on_error)) {}
  static GstFlowReturn on_sample(GstElement* appsink, gpointer self);

  GMainContext* ctx_ = nullptr;
  std::shared_ptr<JpegFn> on_jpeg_;
};

}  // namespace vtkstream::sink
