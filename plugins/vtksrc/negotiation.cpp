// Caps: downstream chooses the render size.
//
// The renderer draws one size at a time and can be asked for another through the input ring (a
// kResize record, the same path the vtkstream-resize event takes). So vtksrc offers two caps
// structures, in this order: the renderer's current size, then any size within the resize limit
// (shm::kMinRequestedDimension..kMaxRequestedDimension; not offered with view-only). Fixation
// takes the first one downstream allows, nearest to the current size: an unconstrained
// downstream gets what the renderer draws and nobody is asked to resize; a capsfilter with
// width=800,height=600 gets 800x600 and the renderer is asked for it.
//
// While the renderer catches up, frames of another size are DROPPED, not waited for and not
// scaled: the ring only ever holds the newest picture, so an old-size frame can never become the
// right one, and scaling would hide a renderer that does not resize behind a blurred picture.
// Keep-alive repeats go on only with a picture of the negotiated size (new caps drop the last
// picture, see set_caps). The first frame that echoes the request's input sequence number (the
// renderer applied it) and still has the wrong size means the renderer refused: that is a
// negotiation error, not an endless wait. (A renderer that draws nothing after refusing is
// waited for, as any idle renderer is.) A renderer that restarts is asked again. When the
// renderer changes size by itself (a viewer's vtkstream-resize), negotiation starts from the new
// size, so a downstream that takes any size follows it.
//
// Pinned sizes: vtkstream-render renders smaller while someone interacts (its interactive size),
// which a downstream that takes one size cannot follow. So a size downstream pins (it rejected
// the renderer's own size, or it takes fixed sizes only, even when the renderer already draws
// it) is asked for with shm::kResizeExact, and the renderer keeps it during interactions. That is
// also why the refusal check above needs no exception for reduced interactive frames: a renderer
// that honours the bit never sends one after applying the request, and one that ignores it (or
// a host program that shrinks its window on its own) does not render at the size downstream
// takes, which is what the error says.
#include <algorithm>

#include "src_private.h"

#define GST_CAT_DEFAULT gst_vtk_src_debug

namespace vtkstream::vtksrc {

namespace {

Picture picture_of(const shm::FrameInfo& i) { return {i.width, i.height, to_video_format(i.format)}; }

Picture picture_of(const GstVideoInfo& vi) {
  return {static_cast<uint32_t>(GST_VIDEO_INFO_WIDTH(&vi)), static_cast<uint32_t>(GST_VIDEO_INFO_HEIGHT(&vi)),
          GST_VIDEO_INFO_FORMAT(&vi)};
}

Picture current_renderer(Private& p) {
  std::lock_guard lock(p.caps_lock);
  return p.renderer;
}

// video/x-raw in `format` with the given width and height values (an int or an int range).
GstStructure* raw_structure(GstVideoFormat format, const GValue* width, const GValue* height) {
  GstStructure* s = gst_structure_new("video/x-raw", "format", G_TYPE_STRING,
                                      gst_video_format_to_string(format), nullptr);
  gst_structure_set_value(s, "width", width);
  gst_structure_set_value(s, "height", height);
  // Variable rate: the renderer draws on demand. Square pixels: it renders what it is shown at.
  gst_structure_set(s, "framerate", GST_TYPE_FRACTION, 0, 1, "pixel-aspect-ratio", GST_TYPE_FRACTION,
                    1, 1, nullptr);
  return s;
}

GstStructure* fixed_size(GstVideoFormat format, uint32_t w, uint32_t h) {
  GValue wv = G_VALUE_INIT, hv = G_VALUE_INIT;
  g_value_init(&wv, G_TYPE_INT);
  g_value_init(&hv, G_TYPE_INT);
  g_value_set_int(&wv, static_cast<int>(w));
  g_value_set_int(&hv, static_cast<int>(h));
  GstStructure* s = raw_structure(format, &wv, &hv);
  g_value_unset(&wv);
  g_value_unset(&hv);
  return s;
}

GstStructure* any_requestable_size(GstVideoFormat format) {
  GValue range = G_VALUE_INIT;
  g_value_init(&range, GST_TYPE_INT_RANGE);
  gst_value_set_int_range(&range, static_cast<int>(shm::kMinRequestedDimension),
                          static_cast<int>(shm::kMaxRequestedDimension));
  GstStructure* s = raw_structure(format, &range, &range);
  g_value_unset(&range);
  return s;
}

// True when `peer` (downstream's caps) pins the size: no structure within the resize limit leaves
// both width and height open (a range or a list). A reduced interactive frame changes both sides,
// so one fixed side is enough to refuse it.
bool fixes_size(GstCaps* peer, GstVideoFormat format) {
  CapsPtr ours(gst_caps_new_full(any_requestable_size(format), nullptr));
  CapsPtr both(gst_caps_intersect(peer, ours.get()));
  if (gst_caps_is_empty(both.get())) return false;
  for (guint i = 0; i < gst_caps_get_size(both.get()); ++i) {
    const GstStructure* s = gst_caps_get_structure(both.get(), i);
    const GValue* w = gst_structure_get_value(s, "width");
    const GValue* h = gst_structure_get_value(s, "height");
    if (w && h && !G_VALUE_HOLDS_INT(w) && !G_VALUE_HOLDS_INT(h)) return false;
  }
  return true;
}

bool flushing(Private& p) {
  std::lock_guard lock(p.reader_lock);
  return p.flushing;
}

GstCaps* get_caps(GstBaseSrc* src, GstCaps* filter) {
  Private& p = *GST_VTK_SRC(src)->priv;
  const Picture r = current_renderer(p);
  GstCaps* caps;
  if (!r.known()) {
    // Nothing seen yet: the template (any format and size a ring can hold).
    caps = gst_pad_get_pad_template_caps(GST_BASE_SRC_PAD(src));
  } else {
    caps = gst_caps_new_empty();
    gst_caps_append_structure(caps, fixed_size(r.format, r.width, r.height));
    if (!p.view_only) gst_caps_append_structure(caps, any_requestable_size(r.format));
  }
  if (filter) {
    GstCaps* tmp = gst_caps_intersect_full(filter, caps, GST_CAPS_INTERSECT_FIRST);
    gst_caps_unref(caps);
    caps = tmp;
  }
  return caps;
}

// Asks the renderer for the negotiated size, pinned (see the top), once per renderer session.
void ask_renderer(GstVtkSrc* self, uint32_t w, uint32_t h) {
  Private& p = *self->priv;
  if (p.request && p.request->width == w && p.request->height == h && p.request->session == p.session)
    return;
  shm::InputEvent ev;
  ev.kind = static_cast<uint16_t>(shm::InputKind::kResize);
  ev.button = shm::kResizeExact;
  ev.width = w;
  ev.height = h;
  uint64_t seq = 0;
  if (!push_input(self, ev, &seq)) {
    p.request.reset();  // nobody to ask yet; the next frame asks again
    return;
  }
  p.request = Private::Request{w, h, p.session, seq};
  GST_INFO_OBJECT(self, "downstream wants %ux%u: asked the renderer (input %" G_GUINT64_FORMAT ")", w, h,
                  static_cast<guint64>(seq));
}

// Chooses caps starting from the renderer's picture `r` and sets them. False (error posted unless
// we are flushing) when downstream accepts nothing we can give.
bool negotiate_from(GstVtkSrc* self, const Picture& r) {
  Private& p = *self->priv;
  GstBaseSrc* src = GST_BASE_SRC(self);
  p.negotiated_for = r;
  CapsPtr ours(get_caps(src, nullptr));
  CapsPtr peer(gst_pad_peer_query_caps(GST_BASE_SRC_PAD(src), ours.get()));
  // Our order, not downstream's: the renderer's current size first.
  CapsPtr caps(gst_caps_intersect_full(ours.get(), peer.get(), GST_CAPS_INTERSECT_FIRST));
  if (gst_caps_is_empty(caps.get())) {
    if (!flushing(p)) {
      // `peer` was filtered by our caps, so it is empty here: ask again unfiltered for the text.
      CapsPtr wanted(gst_pad_peer_query_caps(GST_BASE_SRC_PAD(src), nullptr));
      GST_ELEMENT_ERROR(self, CORE, NEGOTIATION, ("Downstream accepts no picture the renderer can give"),
                        ("the renderer draws %ux%u %s; %s %u..%u per side; downstream accepts %" GST_PTR_FORMAT,
                         r.width, r.height, gst_video_format_to_string(r.format),
                         p.view_only ? "view-only is set, so vtksrc offers only that size, not the"
                                     : "vtksrc can also ask it for any size of the resize limit,",
                         shm::kMinRequestedDimension, shm::kMaxRequestedDimension, wanted.get()));
    }
    return false;
  }
  caps.reset(gst_caps_truncate(caps.release()));
  caps.reset(gst_caps_make_writable(caps.release()));
  GstStructure* s = gst_caps_get_structure(caps.get(), 0);
  gst_structure_fixate_field_nearest_int(s, "width", static_cast<int>(r.width));
  gst_structure_fixate_field_nearest_int(s, "height", static_cast<int>(r.height));
  int w = 0, h = 0;
  gst_structure_get_int(s, "width", &w);
  gst_structure_get_int(s, "height", &h);

  GstVideoInfo vi;
  gst_video_info_init(&vi);
  if (!gst_video_info_set_format(&vi, r.format, static_cast<guint>(w), static_cast<guint>(h))) return false;
  GST_VIDEO_INFO_FPS_N(&vi) = 0;
  GST_VIDEO_INFO_FPS_D(&vi) = 1;
  CapsPtr fixed(gst_video_info_to_caps(&vi));
  GST_DEBUG_OBJECT(self, "renderer draws %ux%u, negotiating %" GST_PTR_FORMAT, r.width, r.height, fixed.get());
  // Downstream's caps query allowed the size, but it may still refuse the fixed caps: a field
  // vtksrc never sets (colorimetry, chroma-site...). A refused caps event does not fail
  // gst_base_src_set_caps (the sticky event is stored); only the first buffer would fail, with a
  // bare not-negotiated from GstBaseSrc. So ask first and say what is wrong.
  if (!gst_pad_peer_query_accept_caps(GST_BASE_SRC_PAD(src), fixed.get()) ||
      !gst_base_src_set_caps(src, fixed.get())) {
    if (!flushing(p))
      GST_ELEMENT_ERROR(self, CORE, NEGOTIATION, ("Downstream refused the caps %" GST_PTR_FORMAT, fixed.get()),
                        ("the renderer's picture fixes every other field (progressive, sRGB, square "
                         "pixels, framerate=0/1); downstream asked for %" GST_PTR_FORMAT,
                         peer.get()));
    return false;
  }
  const bool other = static_cast<uint32_t>(w) != r.width || static_cast<uint32_t>(h) != r.height;
  // view-only asks for nothing (get_caps offered only the renderer's size, so `other` is false).
  p.pinned = !p.view_only && (other || fixes_size(peer.get(), r.format));
  if (p.pinned)
    ask_renderer(self, static_cast<uint32_t>(w), static_cast<uint32_t>(h));
  else
    p.request.reset();
  return true;
}

// Until the first frame arrives there is nothing to negotiate: GstBaseSrc asks before the first
// create(), and fixating the template would announce a made-up size. create() negotiates as soon
// as it knows the frame; GstBaseSrc calls this again on RECONFIGURE.
gboolean negotiate(GstBaseSrc* src) {
  GstVtkSrc* self = GST_VTK_SRC(src);
  const Picture r = current_renderer(*self->priv);
  if (!r.known()) return TRUE;
  return negotiate_from(self, r);
}

gboolean set_caps(GstBaseSrc* src, GstCaps* caps) {
  Private& p = *GST_VTK_SRC(src)->priv;
  GstVideoInfo info;
  if (!gst_video_info_from_caps(&info, caps)) return FALSE;
  if (!p.have_out_info || picture_of(info) != picture_of(p.out_info)) {
    gst_buffer_replace(&p.last, nullptr);  // a picture of the old size cannot be repeated
    p.resend = true;                       // the newest frame may fit now (see create())
  }
  p.out_info = info;
  p.have_out_info = true;
  p.nav_width = static_cast<uint32_t>(GST_VIDEO_INFO_WIDTH(&info));
  p.nav_height = static_cast<uint32_t>(GST_VIDEO_INFO_HEIGHT(&info));
  return TRUE;
}

gboolean decide_allocation(GstBaseSrc* src, GstQuery* query) {
  GstCaps* caps = nullptr;
  gst_query_parse_allocation(query, &caps, nullptr);
  GstVideoInfo info;
  if (!caps || !gst_video_info_from_caps(&info, caps)) return TRUE;  // nothing negotiated yet

  GstBufferPool* pool = nullptr;
  guint size = 0, min = 0, max = 0;
  const bool have_pool = gst_query_get_n_allocation_pools(query) > 0;
  if (have_pool) gst_query_parse_nth_allocation_pool(query, 0, &pool, &size, &min, &max);
  size = std::max<guint>(size, static_cast<guint>(GST_VIDEO_INFO_SIZE(&info)));
  // We keep the last pushed buffer for keep-alive repeats, so it is never back in the pool: one
  // more than downstream asked for, or a bounded pool could block create() until a flush.
  if (max != 0) ++max;
  if (!pool) pool = gst_video_buffer_pool_new();

  GstStructure* config = gst_buffer_pool_get_config(pool);
  gst_buffer_pool_config_set_params(config, caps, size, min, max);
  if (gst_query_find_allocation_meta(query, GST_VIDEO_META_API_TYPE, nullptr))
    gst_buffer_pool_config_add_option(config, GST_BUFFER_POOL_OPTION_VIDEO_META);
  if (!gst_buffer_pool_set_config(pool, config)) {
    // Downstream's pool may refuse our parameters; take its adjusted ones if they still fit.
    config = gst_buffer_pool_get_config(pool);
    if (!gst_buffer_pool_config_validate_params(config, caps, size, min, max) ||
        !gst_buffer_pool_set_config(pool, config)) {
      gst_object_unref(pool);
      GST_ELEMENT_ERROR(src, RESOURCE, SETTINGS, ("Could not configure a buffer pool"),
                        ("pool refused size %u for %" GST_PTR_FORMAT, size, caps));
      return FALSE;
    }
  }
  if (have_pool)
    gst_query_set_nth_allocation_pool(query, 0, pool, size, min, max);
  else
    gst_query_add_allocation_pool(query, pool, size, min, max);
  gst_object_unref(pool);
  return parent_class()->decide_allocation(src, query);
}

GstFlowReturn not_negotiated(Private& p) { return flushing(p) ? GST_FLOW_FLUSHING : GST_FLOW_NOT_NEGOTIATED; }

}  // namespace

Accept accept_frame(GstVtkSrc* self, const shm::FrameInfo& info, GstFlowReturn* ret) {
  Private& p = *self->priv;
  const Picture r = picture_of(info);
  {
    std::lock_guard lock(p.caps_lock);
    p.renderer = r;
  }
  // Before any request below is numbered: it must come after every number this frame echoes.
  note_echoed_seq(p, info.input_seq);
  const Picture out = p.have_out_info ? picture_of(p.out_info) : Picture{};
  // Renegotiate when the renderer's picture changed since the last negotiation, or when
  // view-only was switched on while we waited for a resize (nothing may be asked for now).
  if (!p.have_out_info || r != p.negotiated_for || (p.view_only && r != out)) {
    if (!gst_base_src_negotiate(GST_BASE_SRC(self))) {
      *ret = not_negotiated(p);
      return Accept::kFail;
    }
  }
  const Picture now = picture_of(p.out_info);
  if (r == now) {
    // A restarted renderer draws the pinned size by chance (its --size) but knows no pin yet.
    if (p.pinned) ask_renderer(self, now.width, now.height);
    return Accept::kPush;
  }

  // Downstream fixed another size; the renderer has been asked for it (ask_renderer).
  if (p.request && p.request->session == p.session && info.session_id == p.session &&
      info.input_seq >= p.request->seq) {
    GST_ELEMENT_ERROR(self, CORE, NEGOTIATION,
                      ("The renderer does not render at the %ux%u downstream asked for", now.width, now.height),
                      ("it applied the resize request (input %" G_GUINT64_FORMAT ") and still draws %ux%u; "
                       "it refuses resize requests, or that size, or another reader of this renderer "
                       "asked it for another size (one size-choosing reader per renderer)",
                       static_cast<guint64>(p.request->seq), r.width, r.height));
    *ret = GST_FLOW_NOT_NEGOTIATED;
    return Accept::kFail;
  }
  ask_renderer(self, now.width, now.height);  // again if the renderer restarted meanwhile
  GST_LOG_OBJECT(self, "dropping a %ux%u frame: downstream takes %ux%u, the renderer is resizing", r.width,
                 r.height, now.width, now.height);
  return Accept::kDrop;
}

bool reconfigure(GstVtkSrc* self, GstFlowReturn* ret) {
  Private& p = *self->priv;
  if (!current_renderer(p).known()) return true;  // nothing to negotiate before the first frame
  if (gst_base_src_negotiate(GST_BASE_SRC(self))) return true;
  *ret = not_negotiated(p);
  return false;
}

bool downstream_accepts_size(GstVtkSrc* self, uint32_t width, uint32_t height) {
  Private& p = *self->priv;
  const Picture r = current_renderer(p);
  CapsPtr want(gst_caps_new_empty());
  if (r.known()) {
    gst_caps_append_structure(want.get(), fixed_size(r.format, width, height));
  } else {
    want.reset(gst_caps_new_simple("video/x-raw", "width", G_TYPE_INT, static_cast<int>(width), "height",
                                   G_TYPE_INT, static_cast<int>(height), nullptr));
  }
  CapsPtr peer(gst_pad_peer_query_caps(GST_BASE_SRC_PAD(self), want.get()));
  return peer && !gst_caps_is_empty(peer.get());
}

bool downstream_fixes_size(GstVtkSrc* self) {
  const Picture r = current_renderer(*self->priv);
  // Before the first frame any format will do: the sizes are what matters.
  const GstVideoFormat format = r.known() ? r.format : GST_VIDEO_FORMAT_RGBA;
  CapsPtr any(gst_caps_new_full(any_requestable_size(format), nullptr));
  if (!r.known()) gst_structure_remove_field(gst_caps_get_structure(any.get(), 0), "format");
  CapsPtr peer(gst_pad_peer_query_caps(GST_BASE_SRC_PAD(self), any.get()));
  return peer && fixes_size(peer.get(), format);
}

void install_negotiation(GstBaseSrcClass* klass) {
  klass->get_caps = GST_DEBUG_FUNCPTR(get_caps);
  klass->negotiate = GST_DEBUG_FUNCPTR(negotiate);
  klass->set_caps = GST_DEBUG_FUNCPTR(set_caps);
  klass->decide_allocation = GST_DEBUG_FUNCPTR(decide_allocation);
}

}  // namespace vtkstream::vtksrc
