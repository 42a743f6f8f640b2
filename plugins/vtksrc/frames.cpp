// From ring to buffer: the one copy of each frame (flipped upright on the way), the keep-alive
// repeat of the last picture, and the mapping of the renderer's clock to running time.
#include <algorithm>
#include <cstring>

#include "frame_meta.h"
#include "src_private.h"

#define GST_CAT_DEFAULT gst_vtk_src_debug

namespace vtkstream::vtksrc {

// Maps the renderer's CLOCK_MONOTONIC time to running time, the way gstunixfdsrc does: take the
// frame's age on the monotonic clock and subtract it from the pipeline clock's now. That stays
// right whichever clock the pipeline uses. Strictly increasing, so muxers never see a duplicate.
GstClockTime running_time_for(GstVtkSrc* self, uint64_t frame_ns) {
  Private& p = *self->priv;
  GstClockTime pts;
  if (!gst_base_src_is_live(GST_BASE_SRC(self))) {
    // Not live: no clock runs while prerolling; count from the first frame instead.
    if (p.first_frame_ns == 0) p.first_frame_ns = frame_ns;
    pts = frame_ns > p.first_frame_ns ? frame_ns - p.first_frame_ns : 0;
  } else {
    GstClock* clock = gst_element_get_clock(GST_ELEMENT(self));
    if (!clock) return GST_CLOCK_TIME_NONE;
    const GstClockTime clock_now = gst_clock_get_time(clock);
    gst_object_unref(clock);
    const uint64_t mono_now = shm::monotonic_ns();
    const GstClockTime base = gst_element_get_base_time(GST_ELEMENT(self));
    const GstClockTime running_now = clock_now > base ? clock_now - base : 0;
    // A frame "from the future" (impossible on one host, but a bad writer can write anything)
    // counts as new; one from before we listened as kSourceLatency old (see kSourceLatency).
    uint64_t age = mono_now > frame_ns ? mono_now - frame_ns : 0;
    if (frame_ns < p.listen_since_ns) age = std::min<uint64_t>(age, kSourceLatency);
    pts = running_now > age ? running_now - age : 0;
  }
  if (GST_CLOCK_TIME_IS_VALID(p.last_pts) && pts <= p.last_pts) pts = p.last_pts + 1;
  p.last_pts = pts;
  return pts;
}

// Copies the newest frame into a pooled buffer (the only copy; bottom-up slots are flipped on the
// way). kRetry: the frame changed size between looking and copying; kGone: nothing to copy;
// kDropped: a frame of a size downstream does not take, while the renderer catches up.
Take take_frame(GstVtkSrc* self, shm::FrameReader& r, GstBuffer** out, GstFlowReturn* ret) {
  Private& p = *self->priv;
  GstBaseSrc* src = GST_BASE_SRC(self);
  shm::FrameInfo info;
  if (!r.read_latest(&info, nullptr, 0, 0)) {
    GST_DEBUG_OBJECT(self, "no frame to read: %s", r.error().c_str());
    // A frame the renderer described wrongly is consumed by the reader (no retry loop); say so
    // once per distinct reason.
    if (r.error_kind() == shm::ErrorKind::kInvalidFrame && r.error() != p.last_invalid) {
      p.last_invalid = r.error();
      GST_ELEMENT_WARNING(self, STREAM, DECODE, ("The renderer published an unusable frame"),
                          ("%s", p.last_invalid.c_str()));
    }
    return Take::kGone;
  }
  switch (accept_frame(self, info, ret)) {
    case Accept::kPush:
      break;
    case Accept::kDrop:
      return Take::kDropped;
    case Accept::kFail:
      return Take::kDone;
  }

  GstBufferPool* pool = gst_base_src_get_buffer_pool(src);
  if (!pool) {
    GST_ELEMENT_ERROR(self, RESOURCE, FAILED, ("No buffer pool"), ("allocation was not decided"));
    *ret = GST_FLOW_ERROR;
    return Take::kDone;
  }
  GstBuffer* buf = nullptr;
  *ret = gst_buffer_pool_acquire_buffer(pool, &buf, nullptr);
  gst_object_unref(pool);
  if (*ret != GST_FLOW_OK) return Take::kDone;

  GstVideoFrame frame;
  if (!gst_video_frame_map(&frame, &p.out_info, buf, GST_MAP_WRITE)) {
    gst_buffer_unref(buf);
    GST_ELEMENT_ERROR(self, RESOURCE, FAILED, ("Could not map an output buffer"), (nullptr));
    *ret = GST_FLOW_ERROR;
    return Take::kDone;
  }
  const uint32_t stride = GST_VIDEO_FRAME_PLANE_STRIDE(&frame, 0);
  shm::FrameInfo got;
  const bool ok = r.read_latest(&got, static_cast<uint8_t*>(GST_VIDEO_FRAME_PLANE_DATA(&frame, 0)),
                                size_t(stride) * info.height, stride);
  gst_video_frame_unmap(&frame);
  if (!ok || got.width != info.width || got.height != info.height || got.format != info.format) {
    gst_buffer_unref(buf);
    if (!ok) GST_DEBUG_OBJECT(self, "copy failed: %s", r.error().c_str());
    return ok ? Take::kRetry : Take::kGone;
  }

  GST_BUFFER_PTS(buf) = running_time_for(self, got.timestamp_ns);
  GST_BUFFER_DTS(buf) = GST_CLOCK_TIME_NONE;
  GST_BUFFER_DURATION(buf) = GST_CLOCK_TIME_NONE;
  GST_BUFFER_OFFSET(buf) = got.frame_number;
  GST_BUFFER_OFFSET_END(buf) = GST_BUFFER_OFFSET_NONE;
  if (p.discont) {
    GST_BUFFER_FLAG_SET(buf, GST_BUFFER_FLAG_DISCONT);  // a new renderer session starts here
    p.discont = false;
  }
  vtkstream::gst::add_frame_meta(buf, got, false);
  GST_LOG_OBJECT(self, "frame %" G_GUINT64_FORMAT " input-seq %" G_GUINT64_FORMAT " pts %" GST_TIME_FORMAT,
                 static_cast<guint64>(got.frame_number), static_cast<guint64>(got.input_seq),
                 GST_TIME_ARGS(GST_BUFFER_PTS(buf)));

  gst_buffer_replace(&p.last, buf);
  p.resend = false;  // the newest frame goes out now, in the caps it set (if any)
  p.repeat_now = false;  // a new picture is what a repeat was asked for
  p.last_info = got;
  p.last_push_ns = shm::monotonic_ns();
  *out = buf;
  *ret = GST_FLOW_OK;
  return Take::kDone;
}

// Keep-alive: the previous picture again, stamped now. One copy per interval; the pool buffer
// we hold as `last` stays untouched because downstream may still read it.
GstFlowReturn make_repeat(GstVtkSrc* self, GstBuffer** out) {
  Private& p = *self->priv;
  GstBufferPool* pool = gst_base_src_get_buffer_pool(GST_BASE_SRC(self));
  if (!pool) return GST_FLOW_FLUSHING;
  GstBuffer* buf = nullptr;
  GstFlowReturn ret = gst_buffer_pool_acquire_buffer(pool, &buf, nullptr);
  gst_object_unref(pool);
  if (ret != GST_FLOW_OK) return ret;
  GstMapInfo from, to;
  if (gst_buffer_map(p.last, &from, GST_MAP_READ)) {
    if (gst_buffer_map(buf, &to, GST_MAP_WRITE)) {
      std::memcpy(to.data, from.data, std::min(from.size, to.size));
      gst_buffer_unmap(buf, &to);
    }
    gst_buffer_unmap(p.last, &from);
  }
  // Same pool, same configuration: both buffers have the same layout (and video meta, if any).
  GST_BUFFER_PTS(buf) = running_time_for(self, shm::monotonic_ns());
  GST_BUFFER_OFFSET(buf) = p.last_info.frame_number;
  vtkstream::gst::add_frame_meta(buf, p.last_info, true);
  p.last_push_ns = shm::monotonic_ns();
  GST_LOG_OBJECT(self, "repeat frame %" G_GUINT64_FORMAT, static_cast<guint64>(p.last_info.frame_number));
  *out = buf;
  return GST_FLOW_OK;
}

}  // namespace vtkstream::vtksrc
