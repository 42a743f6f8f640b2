#include "rung_switch.h"

#include <mutex>

#include "rtp_splice.h"
#include "sink_context.h"

GST_DEBUG_CATEGORY_STATIC(sink_switch_debug);
#define GST_CAT_DEFAULT sink_switch_debug

namespace vtkstream::sink {

struct RungSwitch::State {
  std::mutex m;
  Codec codec;
  GMainContext* ctx;
  RungSwitch::Released released;
  GstPad* sink = nullptr;  // ref
  GstPad* first = nullptr;  // the pad we started with (its sticky events are the stream's)
  GstPad* current = nullptr;  // ref
  int current_rung = 0;
  GstPad* pending = nullptr;  // ref
  int pending_rung = -1;
  gint64 requested_us = 0;
  RtpShift shift;           // applied to the current pad's packets
  bool have_last = false;
  RtpPosition last;         // the last packet out, after the shift
  bool stopped = false;
  int moves = 0;
  double gap_ms = -1;
};

namespace {

using StatePtr = std::shared_ptr<RungSwitch::State>;

void release_pad(GstPad* pad) {
  if (GstElement* tee = gst_pad_get_parent_element(pad)) {
    gst_element_release_request_pad(tee, pad);
    gst_object_unref(tee);
  }
  gst_object_unref(pad);
}

// Shifts the packets of the current pad and remembers the last one. Lock held.
void pass(RungSwitch::State& st, GstPadProbeInfo* info) {
  if (GST_PAD_PROBE_INFO_TYPE(info) & GST_PAD_PROBE_TYPE_BUFFER_LIST) {
    GstBufferList* list = GST_PAD_PROBE_INFO_BUFFER_LIST(info);
    if (!st.shift.none()) {
      list = gst_buffer_list_make_writable(list);
      GST_PAD_PROBE_INFO_DATA(info) = list;
      for (guint i = 0, n = gst_buffer_list_length(list); i < n; ++i)
        rtp_apply_shift(gst_buffer_list_get_writable(list, i), st.codec, st.shift);
    }
    const guint n = gst_buffer_list_length(list);
    if (n > 0) st.have_last = rtp_position(gst_buffer_list_get(list, n - 1), st.codec, &st.last);
    return;
  }
  GstBuffer* buf = GST_PAD_PROBE_INFO_BUFFER(info);
  if (!st.shift.none()) {
    buf = gst_buffer_make_writable(buf);
    GST_PAD_PROBE_INFO_DATA(info) = buf;
    rtp_apply_shift(buf, st.codec, st.shift);
  }
  st.have_last = rtp_position(buf, st.codec, &st.last);
}

GstBuffer* first_buffer(GstPadProbeInfo* info) {
  if (GST_PAD_PROBE_INFO_TYPE(info) & GST_PAD_PROBE_TYPE_BUFFER_LIST) {
    GstBufferList* list = GST_PAD_PROBE_INFO_BUFFER_LIST(info);
    return gst_buffer_list_length(list) > 0 ? gst_buffer_list_get(list, 0) : nullptr;
  }
  return GST_PAD_PROBE_INFO_BUFFER(info);
}

// The pending pad's first keyframe packet: the move happens here. Lock held; returns the pad
// that stopped feeding (transfer full) and its rung.
GstPad* complete_move(RungSwitch::State& st, GstBuffer* first, int* old_rung) {
  RtpPosition pos;
  rtp_position(first, st.codec, &pos);
  st.shift = st.have_last ? rtp_shift_after(st.last, pos) : RtpShift{};
  GstPad* old = st.current;
  *old_rung = st.current_rung;
  gst_pad_unlink(old, st.sink);
  // No caps query from a streaming thread: the caps are equal by construction (encoder_setup.h).
  gst_pad_link_full(st.pending, st.sink, GST_PAD_LINK_CHECK_NOTHING);
  st.current = st.pending;
  st.current_rung = st.pending_rung;
  st.pending = nullptr;
  st.pending_rung = -1;
  st.gap_ms = (g_get_monotonic_time() - st.requested_us) / 1000.0;
  ++st.moves;
  GST_INFO("moved to rung %d after %.0f ms (seq shift %u)", st.current_rung, st.gap_ms, st.shift.seq);
  return old;
}

GstPadProbeReturn on_data(GstPad* pad, GstPadProbeInfo* info, gpointer data) {
  const StatePtr st = *static_cast<StatePtr*>(data);
  GstPad* retired = nullptr;
  int retired_rung = -1;
  {
    std::lock_guard lock(st->m);
    if (GST_PAD_PROBE_INFO_TYPE(info) & GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM) {
      GstEvent* ev = GST_PAD_PROBE_INFO_EVENT(info);
      const bool stream = GST_EVENT_TYPE(ev) == GST_EVENT_STREAM_START || GST_EVENT_TYPE(ev) == GST_EVENT_CAPS ||
                          GST_EVENT_TYPE(ev) == GST_EVENT_SEGMENT;
      if (stream) {
        if (pad == st->first) return GST_PAD_PROBE_OK;
        // A later rung's are duplicates, unless the first pad never sent its own (moved before
        // its first packet, in a still scene): the branch must get one stream-start, caps, segment.
        if (pad != st->current) return GST_PAD_PROBE_DROP;
        GstEvent* had = gst_pad_get_sticky_event(st->sink, GST_EVENT_TYPE(ev), 0);
        if (had) gst_event_unref(had);
        return had ? GST_PAD_PROBE_DROP : GST_PAD_PROBE_OK;
      }
      return pad == st->current ? GST_PAD_PROBE_OK : GST_PAD_PROBE_DROP;
    }
    if (pad == st->pending && !st->stopped) {
      GstBuffer* first = first_buffer(info);
      if (!first || !rtp_starts_keyframe(first, st->codec)) {
        GST_LOG("rung %d: waiting for a keyframe", st->pending_rung);
        return GST_PAD_PROBE_DROP;
      }
      retired = complete_move(*st, first, &retired_rung);
    }
    if (pad != st->current) return GST_PAD_PROBE_DROP;
    pass(*st, info);
  }
  if (retired) {
    post_to(st->ctx, [st, retired, retired_rung] {
      release_pad(retired);
      if (st->released) st->released(retired_rung);
    });
  }
  return GST_PAD_PROBE_OK;
}

void watch(GstPad* pad, const StatePtr& st) {
  gst_pad_add_probe(pad,
                    GstPadProbeType(GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST |
                                    GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM),
                    on_data, new StatePtr(st), [](gpointer d) { delete static_cast<StatePtr*>(d); });
}

}  // namespace

RungSwitch::RungSwitch(GstPad* sink_pad, GstPad* pad, int rung, Codec codec, Released released)
    : st_(std::make_shared<State>()) {
  static gsize once = 0;
  if (g_once_init_enter(&once)) {
    GST_DEBUG_CATEGORY_INIT(sink_switch_debug, "vtkstreamsink-switch", 0, "vtkstreamsink rung switches");
    g_once_init_leave(&once, 1);
  }
  st_->codec = codec;
  st_->ctx = g_main_context_ref(current_context());
  st_->released = std::move(released);
  st_->sink = GST_PAD(gst_object_ref(sink_pad));
  st_->current = GST_PAD(gst_object_ref(pad));
  st_->first = st_->current;
  st_->current_rung = rung;
  watch(pad, st_);
}

RungSwitch::~RungSwitch() {
  std::lock_guard lock(st_->m);
  if (st_->current) gst_object_unref(st_->current);
  gst_object_unref(st_->sink);
  g_main_context_unref(st_->ctx);
  st_->current = st_->sink = nullptr;
  // `released` stays: a move completed just before us still has its old pad to give back.
}

bool RungSwitch::move_to(GstElement* tee, int rung) {
  GstPad* drop = nullptr;
  int drop_rung = -1;
  {
    std::lock_guard lock(st_->m);
    if (st_->stopped || rung == (st_->pending ? st_->pending_rung : st_->current_rung)) return false;
    drop = st_->pending;
    drop_rung = st_->pending_rung;
    st_->pending = nullptr;
    st_->pending_rung = -1;
    if (rung != st_->current_rung) {
      // Its packets are dropped until the keyframe: watched before it is linked anywhere.
      GstPad* pad = gst_element_request_pad_simple(tee, "src_%u");
      if (pad) {
        watch(pad, st_);
        st_->pending = pad;
        st_->pending_rung = rung;
        st_->requested_us = g_get_monotonic_time();
      }
    }
  }
  if (drop) {
    release_pad(drop);
    if (st_->released) st_->released(drop_rung);
  }
  std::lock_guard lock(st_->m);
  return st_->pending != nullptr;
}

int RungSwitch::rung() const {
  std::lock_guard lock(st_->m);
  return st_->current_rung;
}

int RungSwitch::target() const {
  std::lock_guard lock(st_->m);
  return st_->pending ? st_->pending_rung : st_->current_rung;
}

int RungSwitch::moves() const {
  std::lock_guard lock(st_->m);
  return st_->moves;
}

double RungSwitch::last_gap_ms() const {
  std::lock_guard lock(st_->m);
  return st_->gap_ms;
}

GstPad* RungSwitch::stop(int* rung) {
  GstPad* drop = nullptr;
  int drop_rung = -1;
  GstPad* out;
  {
    std::lock_guard lock(st_->m);
    st_->stopped = true;
    drop = st_->pending;
    drop_rung = st_->pending_rung;
    st_->pending = nullptr;
    out = st_->current ? GST_PAD(gst_object_ref(st_->current)) : nullptr;
    *rung = st_->current_rung;
  }
  if (drop) {
    release_pad(drop);
    if (st_->released) st_->released(drop_rung);
  }
  return out;
}

}  // namespace vtkstream::sink
