#include "encoder_rate.h"

#include "encoder_setup.h"
#include "size_ceiling.h"

GST_DEBUG_CATEGORY_STATIC(encoder_rate_debug);
#define GST_CAT_DEFAULT encoder_rate_debug

namespace vtkstream::sink {

std::shared_ptr<EncoderRate> EncoderRate::attach(GstElement* enc, std::vector<adapt::Rung> ceilings, int kbps) {
  static gsize once = 0;
  if (g_once_init_enter(&once)) {
    GST_DEBUG_CATEGORY_INIT(encoder_rate_debug, "vtkstreamsink-rate", 0, "encoder bitrate by picture size");
    g_once_init_leave(&once, 1);
  }
  std::shared_ptr<EncoderRate> self(new EncoderRate(enc, std::move(ceilings), kbps));
  GstPad* sink = gst_element_get_static_pad(enc, "sink");
  if (!sink) return self;
  gst_pad_add_probe(
      sink, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM,
      [](GstPad*, GstPadProbeInfo* info, gpointer p) {
        GstEvent* ev = GST_PAD_PROBE_INFO_EVENT(info);
        if (GST_EVENT_TYPE(ev) == GST_EVENT_CAPS) {
          GstCaps* caps = nullptr;
          gst_event_parse_caps(ev, &caps);
          (*static_cast<std::shared_ptr<EncoderRate>*>(p))->on_caps(caps);
        }
        return GST_PAD_PROBE_OK;
      },
      new std::shared_ptr<EncoderRate>(self), [](gpointer p) { delete static_cast<std::shared_ptr<EncoderRate>*>(p); });
  gst_object_unref(sink);
  return self;
}

bool EncoderRate::request(int kbps, int guard_ms) {
  std::lock_guard lock(lock_);
  const int before = requested_;
  requested_ = kbps;
  guard_ms_ = guard_ms;
  if (apply_locked(true)) return true;
  requested_ = before;
  return false;
}

int EncoderRate::requested_kbps() const {
  std::lock_guard lock(lock_);
  return requested_;
}

int EncoderRate::applied_kbps() const {
  std::lock_guard lock(lock_);
  return applied_;
}

void EncoderRate::set_still(bool still) {
  std::lock_guard lock(lock_);
  if (still == still_) return;
  still_ = still;
  apply_locked();
}

void EncoderRate::on_caps(GstCaps* caps) {
  const GstStructure* s = caps && gst_caps_get_size(caps) > 0 ? gst_caps_get_structure(caps, 0) : nullptr;
  int w = 0, h = 0;
  if (!s || !gst_structure_get_int(s, "width", &w) || !gst_structure_get_int(s, "height", &h)) return;
  std::lock_guard lock(lock_);
  width_ = w;
  height_ = h;
  apply_locked();
}

bool EncoderRate::apply_locked(bool force) {
  const int ceiling = adapt::size_ceiling_kbps(ceilings_, width_, height_);
  const int rate = adapt::applied_kbps(requested_, ceiling, still_);
  if (rate == applied_ && !force) return true;  // libvpx reconfigures on every write
  // The guard follows the requested rate: it is there for the link (a keyframe's size against
  // what the link carries), which the picture's size does not change.
  if (!set_encoder_bitrate(enc_, rate, guard_ms_ > 0 ? guard_ms_ : -1)) return false;
  if (rate != applied_)
    GST_INFO_OBJECT(enc_, "%dx%d%s: %d kbit/s (asked %d, ceiling %d)", width_, height_, still_ ? " still" : "", rate,
                    requested_, ceiling);
  applied_ = rate;
  return true;
}

}  // namespace vtkstream::sink
