#include "media_factory.h"

#include <gst/app/gstappsink.h>
#include <gst/rtp/gstrtpbuffer.h>
#include <gst/video/video.h>

#include <algorithm>
#include <cstdio>

#include "input_events.h"
#include "main_context.h"

GST_DEBUG_CATEGORY_STATIC(serve_media_debug);
#define GST_CAT_DEFAULT serve_media_debug

namespace vtkstream::serve {

namespace {

constexpr const char* kFrameMetaName = "VtkStreamFrameMeta";  // plugins/vtksrc/frame_meta.h

// The input sequence number a buffer's picture reflects (0 when it carries no vtksrc meta).
uint64_t input_seq_of(GstBuffer* buf) {
  GstCustomMeta* m = gst_buffer_get_custom_meta(buf, kFrameMetaName);
  if (!m) return 0;
  guint64 seq = 0;
  if (!gst_structure_get_uint64(gst_custom_meta_get_structure(m), "input-seq", &seq)) return 0;
  return seq;
}

// Peer branches are named "peer-<id>-..." (webrtc_session.cpp); an error from anything inside
// one belongs to that peer.
std::optional<uint32_t> peer_of(GstObject* obj) {
  for (GstObject* o = obj; o; o = GST_OBJECT_PARENT(o)) {
    unsigned id = 0;
    const char* name = GST_OBJECT_NAME(o);
    if (name && std::sscanf(name, "peer-%u-", &id) == 1) return id;
  }
  return std::nullopt;
}

}  // namespace

std::string default_encoder(Codec codec, int bitrate_kbps) {
  // videoconvert runs on vtksrc's thread; the one-buffer leaky queue puts the encoder on its own
  // thread and drops stale pictures instead of queueing them (DESIGN: low latency). Keyframes
  // come on request (a joining peer, PLI/FIR), so the periodic distance is long. One encoder
  // thread: measured on the 2-core machines with the renderer and a browser beside us, vp8enc
  // threads=2 gave p50/p95 input-to-photon 283/704 ms at 720p against 182/232 ms with one, and
  // x264enc with its default threads stalled behind a frame of delay (254 ms per frame).
  const std::string head =
      "videoconvert name=convert ! queue name=encqueue max-size-buffers=1 max-size-bytes=0 "
      "max-size-time=0 leaky=downstream ! ";
  if (codec == Codec::kH264)
    return head + "x264enc name=enc tune=zerolatency speed-preset=ultrafast key-int-max=3000 threads=1 bitrate=" +
           std::to_string(bitrate_kbps) +
           " ! video/x-h264,profile=constrained-baseline,stream-format=byte-stream,alignment=au ! rtph264pay name=pay pt=96 mtu=1200 "
           "config-interval=-1 aggregate-mode=zero-latency";
  return head +
         "vp8enc name=enc deadline=1 cpu-used=8 end-usage=cbr lag-in-frames=0 "
         "error-resilient=partitions keyframe-max-dist=3000 threads=1 target-bitrate=" +
         std::to_string(bitrate_kbps * 1000) +
         " ! rtpvp8pay name=pay pt=96 mtu=1200 picture-id-mode=15-bit";
}

std::unique_ptr<MediaFactory> MediaFactory::create(const MediaConfig& config, Callbacks cb,
                                                   std::string* err) {
  static gsize once = 0;
  if (g_once_init_enter(&once)) {
    GST_DEBUG_CATEGORY_INIT(serve_media_debug, "vtkserve-media", 0, "vtkstream-serve pipeline");
    g_once_init_leave(&once, 1);
  }
  std::unique_ptr<MediaFactory> f(new MediaFactory(config, std::move(cb)));
  if (!f->build(err)) return nullptr;
  return f;
}

bool MediaFactory::build(std::string* err) {
  if (!gst_element_factory_find("vtksrc")) {
    *err = "the vtksrc element is missing: build the plugin and put its directory on "
           "GST_PLUGIN_PATH (or run through `meson devenv -C build`)";
    return false;
  }
  if (config_.encoder.empty()) config_.encoder = default_encoder(config_.codec, config_.bitrate_kbps);
  gchar* shm = g_strescape(config_.shm_name.c_str(), nullptr);
  const std::string desc = "vtksrc name=src is-live=true shm-name=\"" + std::string(shm) +
                           "\" repeat-interval=" + std::to_string(config_.repeat_ms) +
                           " ! tee name=raw allow-not-linked=true ! " + config_.encoder +
                           " ! tee name=rtp allow-not-linked=true";
  g_free(shm);
  GST_INFO("pipeline: %s", desc.c_str());
  GError* gerr = nullptr;
  pipeline_ = gst_parse_launch(desc.c_str(), &gerr);
  if (!pipeline_ || gerr) {
    *err = "cannot build the pipeline (" + desc + "): " + (gerr ? gerr->message : "unknown error");
    g_clear_error(&gerr);
    return false;
  }
  gst_object_ref_sink(pipeline_);
  GstBin* bin = GST_BIN(pipeline_);
  src_ = gst_bin_get_by_name(bin, "src");
  raw_tee_ = gst_bin_get_by_name(bin, "raw");
  rtp_tee_ = gst_bin_get_by_name(bin, "rtp");
  pay_ = gst_bin_get_by_name(bin, "pay");
  if (!pay_) {
    *err = "the encoder description must name its RTP payloader `pay` (e.g. rtpvp8pay name=pay pt=96)";
    return false;
  }
  if (GstElement* enc = gst_bin_get_by_name(bin, "enc")) {
    // Browsers send PLI/FIR in bursts after loss; one keyframe per guard interval is enough.
    if (g_object_class_find_property(G_OBJECT_GET_CLASS(enc), "min-force-key-unit-interval"))
      g_object_set(enc, "min-force-key-unit-interval",
                   static_cast<guint64>(kKeyframeGuardMs) * GST_MSECOND, nullptr);
    // vtksrc frames come at a variable rate (framerate 0/1) without durations. Encoders derive
    // their rate control (and libvpx its speed) from frame durations: vp8enc then assumes one
    // 90 kHz tick per frame. Give every frame the interval since the previous one, clamped.
    GstPad* sink = gst_element_get_static_pad(enc, "sink");
    gst_pad_add_probe(sink, GST_PAD_PROBE_TYPE_BUFFER, on_encoder_input, new GstClockTime(GST_CLOCK_TIME_NONE),
                      [](gpointer d) { delete static_cast<GstClockTime*>(d); });
    gst_object_unref(sink);
    gst_object_unref(enc);
  }
  alive_ = std::make_shared<MediaFactory*>(this);

  GstPad* pay_src = gst_element_get_static_pad(pay_, "src");
  gst_pad_add_probe(pay_src,
                    static_cast<GstPadProbeType>(GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST),
                    on_rtp_probe, this, nullptr);
  gst_object_unref(pay_src);

  // The render size, for mapping normalised input coordinates and for `welcome`.
  GstPad* src_pad = gst_element_get_static_pad(src_, "src");
  g_signal_connect_data(
      src_pad, "notify::caps",
      G_CALLBACK((+[](GstPad* pad, GParamSpec*, gpointer data) {
        GstCaps* caps = gst_pad_get_current_caps(pad);
        if (!caps) return;
        GstVideoInfo info;
        const bool ok = gst_video_info_from_caps(&info, caps);
        gst_caps_unref(caps);
        if (!ok) return;
        std::weak_ptr<MediaFactory*> weak = *static_cast<std::shared_ptr<MediaFactory*>*>(data);
        const int w = GST_VIDEO_INFO_WIDTH(&info), h = GST_VIDEO_INFO_HEIGHT(&info);
        post_to_main([weak, w, h] {
          if (auto self = weak.lock()) {
            (*self)->width_ = w;
            (*self)->height_ = h;
            if ((*self)->cb_.size) (*self)->cb_.size(w, h);
          }
        });
      })),
      new std::shared_ptr<MediaFactory*>(alive_),
      [](gpointer data, GClosure*) { delete static_cast<std::shared_ptr<MediaFactory*>*>(data); },
      GConnectFlags(0));
  gst_object_unref(src_pad);

  GstBus* bus = gst_element_get_bus(pipeline_);
  bus_watch_ = gst_bus_add_watch(bus, on_bus_message, this);
  gst_object_unref(bus);
  return true;
}

MediaFactory::~MediaFactory() {
  // Streaming threads copy alive_ in their probes: stop them before resetting it.
  stop();
  alive_.reset();
  if (keyframe_timer_) g_source_remove(keyframe_timer_);
  if (bus_watch_) g_source_remove(bus_watch_);
  if (mjpeg_pad_) gst_object_unref(mjpeg_pad_);
  for (GstElement* e : {src_, raw_tee_, rtp_tee_, pay_})
    if (e) gst_object_unref(e);
  if (pipeline_) gst_object_unref(pipeline_);
}

bool MediaFactory::play(std::string* err) {
  if (gst_element_set_state(pipeline_, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    *err = "the pipeline refused to start (see the messages above)";
    return false;
  }
  return true;
}

void MediaFactory::stop() {
  if (pipeline_) gst_element_set_state(pipeline_, GST_STATE_NULL);
}

gboolean MediaFactory::on_bus_message(GstBus*, GstMessage* msg, gpointer data) {
  auto* self = static_cast<MediaFactory*>(data);
  switch (GST_MESSAGE_TYPE(msg)) {
    case GST_MESSAGE_ELEMENT: {
      const GstStructure* s = gst_message_get_structure(msg);
      if (s && gst_structure_has_name(s, "vtksrc-renderer") && self->cb_.renderer) {
        const char* state = gst_structure_get_string(s, "state");
        if (state) self->cb_.renderer(state);
      }
      break;
    }
    case GST_MESSAGE_ERROR: {
      GError* gerr = nullptr;
      gchar* dbg = nullptr;
      gst_message_parse_error(msg, &gerr, &dbg);
      gchar* path = gst_object_get_path_string(GST_MESSAGE_SRC(msg));
      const std::string text = std::string(path) + ": " + (gerr ? gerr->message : "error") +
                               (dbg ? std::string(" (") + dbg + ")" : "");
      g_free(path);
      g_clear_error(&gerr);
      g_free(dbg);
      if (self->cb_.error) self->cb_.error(peer_of(GST_MESSAGE_SRC(msg)), text);
      break;
    }
    case GST_MESSAGE_WARNING: {
      GError* gerr = nullptr;
      gst_message_parse_warning(msg, &gerr, nullptr);
      GST_WARNING_OBJECT(GST_MESSAGE_SRC(msg), "%s", gerr ? gerr->message : "warning");
      g_clear_error(&gerr);
      break;
    }
    default:
      break;
  }
  return G_SOURCE_CONTINUE;
}

GstPadProbeReturn MediaFactory::on_encoder_input(GstPad*, GstPadProbeInfo* info, gpointer data) {
  auto* last_pts = static_cast<GstClockTime*>(data);  // streaming thread only
  GstBuffer* buf = GST_PAD_PROBE_INFO_BUFFER(info);
  if (!GST_BUFFER_PTS_IS_VALID(buf) || GST_BUFFER_DURATION_IS_VALID(buf)) return GST_PAD_PROBE_OK;
  constexpr GstClockTime kMin = GST_SECOND / 60, kMax = GST_SECOND / 10, kFirst = GST_SECOND / 30;
  GstClockTime d = kFirst;
  if (GST_CLOCK_TIME_IS_VALID(*last_pts) && GST_BUFFER_PTS(buf) > *last_pts)
    d = std::clamp(GST_BUFFER_PTS(buf) - *last_pts, kMin, kMax);
  *last_pts = GST_BUFFER_PTS(buf);
  buf = gst_buffer_make_writable(buf);
  GST_BUFFER_DURATION(buf) = d;
  GST_PAD_PROBE_INFO_DATA(info) = buf;
  return GST_PAD_PROBE_OK;
}

GstPadProbeReturn MediaFactory::on_rtp_probe(GstPad*, GstPadProbeInfo* info, gpointer data) {
  auto* self = static_cast<MediaFactory*>(data);
  GstBuffer* buf = nullptr;
  if (info->type & GST_PAD_PROBE_TYPE_BUFFER_LIST) {
    GstBufferList* list = GST_PAD_PROBE_INFO_BUFFER_LIST(info);
    if (gst_buffer_list_length(list) > 0) buf = gst_buffer_list_get(list, 0);
  } else {
    buf = GST_PAD_PROBE_INFO_BUFFER(info);
  }
  if (!buf) return GST_PAD_PROBE_OK;
  const uint64_t seq = input_seq_of(buf);
  if (seq == 0) return GST_PAD_PROBE_OK;
  auto echoes = self->echo_.frame(seq, Transport::kWebRtc);
  if (echoes.empty()) return GST_PAD_PROBE_OK;
  std::optional<uint32_t> rtp;
  GstRTPBuffer rtpbuf = GST_RTP_BUFFER_INIT;
  if (gst_rtp_buffer_map(buf, GST_MAP_READ, &rtpbuf)) {
    rtp = gst_rtp_buffer_get_timestamp(&rtpbuf);
    gst_rtp_buffer_unmap(&rtpbuf);
  }
  const uint64_t pts = GST_BUFFER_PTS_IS_VALID(buf) ? GST_BUFFER_PTS(buf) : 0;
  std::weak_ptr<MediaFactory*> weak = self->alive_;
  post_to_main([weak, echoes = std::move(echoes), rtp, pts] {
    if (auto s = weak.lock(); s && (*s)->cb_.echoes) (*s)->cb_.echoes(echoes, rtp, pts);
  });
  return GST_PAD_PROBE_OK;
}

bool MediaFactory::has_caps() const {
  GstPad* pad = gst_element_get_static_pad(src_, "src");
  GstCaps* caps = gst_pad_get_current_caps(pad);
  gst_object_unref(pad);
  if (caps) gst_caps_unref(caps);
  return caps != nullptr;
}

GstPad* MediaFactory::request_rtp_pad() {
  return gst_element_request_pad_simple(rtp_tee_, "src_%u");
}

GstCaps* MediaFactory::rtp_caps() const {
  GstPad* sink = gst_element_get_static_pad(rtp_tee_, "sink");
  GstCaps* caps = gst_pad_get_current_caps(sink);
  gst_object_unref(sink);
  return caps;
}

void MediaFactory::remove_branch(GstPad* tee_pad, std::vector<GstElement*> null_order) {
  struct Removal {
    std::weak_ptr<MediaFactory*> factory;
    GstPad* tee_pad;
    std::vector<GstElement*> elements;  // one reference each
  };
  auto* r = new Removal{alive_, tee_pad, {}};
  for (GstElement* e : null_order) r->elements.push_back(GST_ELEMENT(gst_object_ref(e)));
  // The idle probe fires at once when nothing flows through the pad, otherwise right after the
  // current push; unlinking there cannot race a buffer. State changes must not happen on a
  // streaming thread, so the rest goes to the main context.
  gst_pad_add_probe(
      tee_pad, GST_PAD_PROBE_TYPE_IDLE,
      [](GstPad* pad, GstPadProbeInfo*, gpointer data) -> GstPadProbeReturn {
        auto* r = static_cast<Removal*>(data);
        if (GstPad* peer = gst_pad_get_peer(pad)) {
          gst_pad_unlink(pad, peer);
          gst_object_unref(peer);
        }
        post_to_main([r] {
          // webrtcbin goes to NULL before its queue (the reverse has deadlocked on 1.22).
          for (GstElement* e : r->elements) {
            gst_element_set_state(e, GST_STATE_NULL);
            if (GstObject* parent = gst_object_get_parent(GST_OBJECT(e))) {
              gst_bin_remove(GST_BIN(parent), e);
              gst_object_unref(parent);
            }
            gst_object_unref(e);
          }
          if (GstElement* tee = gst_pad_get_parent_element(r->tee_pad)) {
            gst_element_release_request_pad(tee, r->tee_pad);
            gst_object_unref(tee);
          }
          gst_object_unref(r->tee_pad);
          delete r;
        });
        return GST_PAD_PROBE_REMOVE;
      },
      r, nullptr);
}

void MediaFactory::force_keyframe() {
  const gint64 now = g_get_monotonic_time();
  const gint64 wait_us = last_keyframe_us_ ? last_keyframe_us_ + kKeyframeGuardMs * 1000 - now : 0;
  if (wait_us > 0) {
    // Too soon after the last one: ask once more when the guard ends, so that a peer joining
    // right after another still gets its keyframe without waiting for its own PLI.
    if (!keyframe_timer_)
      keyframe_timer_ = g_timeout_add(static_cast<guint>(wait_us / 1000 + 1), [](gpointer d) -> gboolean {
        auto* self = static_cast<MediaFactory*>(d);
        self->keyframe_timer_ = 0;
        self->force_keyframe();
        return G_SOURCE_REMOVE;
      }, this);
    return;
  }
  last_keyframe_us_ = now;
  GstPad* pad = gst_element_get_static_pad(pay_, "src");
  gst_pad_send_event(pad, gst_video_event_new_upstream_force_key_unit(GST_CLOCK_TIME_NONE, TRUE, 0));
  gst_object_unref(pad);
}

bool MediaFactory::inject(uint32_t peer, const InputRecord& r) {
  const uint64_t global = echo_.record(peer, r.seq);
  GstPad* pad = gst_element_get_static_pad(src_, "src");
  // The size vtksrc negotiated right now (the cached one follows a little later through the
  // main context; input arriving just after a renegotiation must use the new size).
  int w = width_, h = height_;
  if (GstCaps* caps = gst_pad_get_current_caps(pad)) {
    GstVideoInfo info;
    if (gst_video_info_from_caps(&info, caps)) {
      w = GST_VIDEO_INFO_WIDTH(&info);
      h = GST_VIDEO_INFO_HEIGHT(&info);
    }
    gst_caps_unref(caps);
  }
  GstEvent* ev = make_input_event(r, global, peer, w, h);
  if (!ev) {
    gst_object_unref(pad);
    return false;
  }
  // On the source pad, not the element: GstBaseSrc handles upstream events that arrive there
  // (DESIGN: gst_element_send_event on a base source does not reach it).
  const bool ok = gst_pad_send_event(pad, ev);
  gst_object_unref(pad);
  return ok;
}

GstFlowReturn MediaFactory::on_jpeg_sample(GstElement* sink, gpointer data) {
  auto* self = static_cast<MediaFactory*>(data);
  GstSample* sample = gst_app_sink_pull_sample(GST_APP_SINK(sink));
  if (!sample) return GST_FLOW_OK;
  GstBuffer* buf = gst_sample_get_buffer(sample);
  gpointer bytes = nullptr;
  gsize size = 0;
  gst_buffer_extract_dup(buf, 0, gst_buffer_get_size(buf), &bytes, &size);
  GBytes* jpeg = g_bytes_new_take(bytes, size);
  auto echoes = self->echo_.frame(input_seq_of(buf), Transport::kMjpeg);
  const uint64_t pts = GST_BUFFER_PTS_IS_VALID(buf) ? GST_BUFFER_PTS(buf) : 0;
  gst_sample_unref(sample);
  std::weak_ptr<MediaFactory*> weak = self->alive_;
  post_to_main([weak, jpeg, echoes = std::move(echoes), pts] {
    if (auto s = weak.lock()) {
      if ((*s)->cb_.jpeg) (*s)->cb_.jpeg(jpeg);
      if (!echoes.empty() && (*s)->cb_.echoes) (*s)->cb_.echoes(echoes, std::nullopt, pts);
    }
    g_bytes_unref(jpeg);
  });
  return GST_FLOW_OK;
}

void MediaFactory::mjpeg_add_viewer() {
  if (mjpeg_viewers_++ > 0) return;
  GError* gerr = nullptr;
  // Its own thread (queue), newest picture only; quality 70 is the usual size/quality balance
  // for a fallback that must fit slow links. async=false: a sink added to a playing live
  // pipeline must not ask for preroll, or the pipeline loses its state, vtksrc pauses and the
  // new branch waits forever for a second picture (seen with Firefox after WebRTC peers left).
  mjpeg_bin_ = gst_parse_bin_from_description(
      "queue leaky=downstream max-size-buffers=1 max-size-bytes=0 max-size-time=0 ! videoconvert ! "
      "jpegenc quality=70 ! appsink name=mjpegsink sync=false async=false max-buffers=1 drop=true",
      TRUE, &gerr);
  if (!mjpeg_bin_) {
    GST_ERROR("cannot build the MJPEG branch: %s", gerr ? gerr->message : "?");
    g_clear_error(&gerr);
    return;
  }
  gst_object_set_name(GST_OBJECT(mjpeg_bin_), "mjpeg");
  GstElement* sink = gst_bin_get_by_name(GST_BIN(mjpeg_bin_), "mjpegsink");
  GstAppSinkCallbacks cbs{};
  cbs.new_sample = [](GstAppSink* s, gpointer d) { return on_jpeg_sample(GST_ELEMENT(s), d); };
  gst_app_sink_set_callbacks(GST_APP_SINK(sink), &cbs, this, nullptr);
  gst_object_unref(sink);
  gst_bin_add(GST_BIN(pipeline_), mjpeg_bin_);
  gst_element_sync_state_with_parent(mjpeg_bin_);
  mjpeg_pad_ = gst_element_request_pad_simple(raw_tee_, "src_%u");
  GstPad* sinkpad = gst_element_get_static_pad(mjpeg_bin_, "sink");
  gst_pad_link(mjpeg_pad_, sinkpad);
  gst_object_unref(sinkpad);
  GST_INFO("MJPEG branch added");
}

void MediaFactory::mjpeg_remove_viewer() {
  if (mjpeg_viewers_ == 0 || --mjpeg_viewers_ > 0) return;
  if (!mjpeg_bin_) return;
  remove_branch(mjpeg_pad_, {mjpeg_bin_});
  mjpeg_pad_ = nullptr;  // remove_branch took the reference
  mjpeg_bin_ = nullptr;  // the pipeline's reference goes with gst_bin_remove
  GST_INFO("MJPEG branch removed");
}

}  // namespace vtkstream::serve
