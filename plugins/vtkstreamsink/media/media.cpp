#include "media.h"

#include <gst/video/video.h>

#include <algorithm>

#include "media_probes.h"
#include "rung_encode.h"
#include "sink_context.h"
#include "vtkstream/vtksrc-contract.h"

GST_DEBUG_CATEGORY_STATIC(sink_media_debug);
#define GST_CAT_DEFAULT sink_media_debug

namespace vtkstream::sink {


Media::Input Media::input_of(GstCaps* caps) {
  if (!caps || gst_caps_is_empty(caps) || gst_caps_is_any(caps)) return Media::Input::kNone;
  const GstStructure* s = gst_caps_get_structure(caps, 0);
  if (gst_structure_has_name(s, "video/x-raw")) return Media::Input::kRaw;
  if (gst_structure_has_name(s, "video/x-vp8")) return Media::Input::kVP8;
  if (gst_structure_has_name(s, "video/x-h264")) return Media::Input::kH264;
  return Media::Input::kNone;
}

namespace {

GstElement* make(const char* factory, const char* name) {
  GstElement* e = gst_element_factory_make(factory, name);
  if (!e) g_error("vtkstreamsink: core element %s is missing (gstreamer1.0 core install broken)", factory);
  return e;
}

}  // namespace

Media::Media(GstBin* bin) : bin_(bin) {
  static gsize once = 0;
  if (g_once_init_enter(&once)) {
    GST_DEBUG_CATEGORY_INIT(sink_media_debug, "vtkstreamsink-media", 0, "vtkstreamsink encoders and tees");
    g_once_init_leave(&once, 1);
  }
  in_tee_ = make("tee", "input");
  rtp_tee_ = make("tee", "rtp");
  keepalive_ = make("fakesink", "keepalive");
  // No viewer is no error; the keep-alive fakesink makes the bin a sink (so the pipeline waits for
  // our EOS) and never waits for a clock or a preroll.
  g_object_set(in_tee_, "allow-not-linked", TRUE, nullptr);
  g_object_set(rtp_tee_, "allow-not-linked", TRUE, nullptr);
  g_object_set(keepalive_, "sync", FALSE, "async", FALSE, "enable-last-sample", FALSE, nullptr);
  gst_bin_add_many(bin_, in_tee_, rtp_tee_, keepalive_, nullptr);
  // On the input tee, first of its branches: with sync (non-live input) it is what paces the
  // source, since the encoder sits behind a leaky queue that would drop instead of blocking.
  gst_element_link(in_tee_, keepalive_);
  last_frame_ = std::make_unique<LastFrame>(input_pad());
  still_frame_ = std::make_unique<StillFrame>(input_pad());
  count_frames_in(input_pad(), &metrics_);
}

Media::~Media() {
  rungs_.clear();
  last_frame_.reset();
  still_frame_.reset();
  keyframe_guard_.reset();
  if (pay_) gst_object_unref(pay_);
  if (middle_pad_) gst_object_unref(middle_pad_);
}

void Media::configure(const MediaConfig& c) {
  std::lock_guard lock(lock_);
  config_ = c;
}

GstPad* Media::input_pad() const {
  GstPad* p = gst_element_get_static_pad(in_tee_, "sink");
  gst_object_unref(p);  // the tee keeps it
  return p;
}

Media::Input Media::input() const {
  std::lock_guard lock(lock_);
  return input_;
}

Codec Media::codec() const {
  std::lock_guard lock(lock_);
  if (input_ == Input::kVP8) return Codec::kVP8;
  if (input_ == Input::kH264) return Codec::kH264;
  return config_.codec;
}

GstElement* Media::payloader() const {
  std::lock_guard lock(lock_);
  return pay_ ? GST_ELEMENT(gst_object_ref(pay_)) : nullptr;
}

GstCaps* Media::rtp_caps() const {
  GstPad* sink = gst_element_get_static_pad(rtp_tee_, "sink");
  GstCaps* caps = gst_pad_get_current_caps(sink);
  gst_object_unref(sink);
  return caps;
}

int Media::width() const {
  std::lock_guard lock(lock_);
  return width_;
}

int Media::height() const {
  std::lock_guard lock(lock_);
  return height_;
}

bool Media::on_caps(GstCaps* caps, std::string* err) {
  const Input kind = input_of(caps);
  if (kind == Input::kNone) {
    *err = "vtkstreamsink takes raw video, VP8 or H.264";
    return false;
  }
  Input current;
  {
    std::lock_guard lock(lock_);
    current = input_;
    const GstStructure* s = gst_caps_get_structure(caps, 0);
    gint w = 0, h = 0;
    if (gst_structure_get_int(s, "width", &w) && gst_structure_get_int(s, "height", &h)) {
      width_ = w;
      height_ = h;
    }
  }
  if (current == kind) return true;
  if (current != Input::kNone) {
    *err = "the input changed from one kind of video to another mid-stream (raw, VP8, H.264); "
           "restart the pipeline to change it";
    return false;
  }
  return build_middle(kind, err);
}

bool Media::build_middle(Input kind, std::string* err) {
  std::string desc;
  {
    std::lock_guard lock(lock_);
    desc = middle_description(kind, config_);
  }
  GST_INFO("middle: %s", desc.c_str());
  GError* gerr = nullptr;
  GstElement* middle = gst_parse_bin_from_description(desc.c_str(), TRUE, &gerr);
  if (!middle || gerr) {
    *err = "cannot build the encoder (" + desc + "): " + (gerr ? gerr->message : "unknown error");
    g_clear_error(&gerr);
    if (middle) gst_object_unref(gst_object_ref_sink(middle));
    return false;
  }
  gst_object_set_name(GST_OBJECT(middle), "encoder");
  watch_middle(middle, &metrics_);
  GstElement* pay = gst_bin_get_by_name(GST_BIN(middle), "pay");
  if (!pay) {
    *err = "the encoder description must name its RTP payloader `pay` (e.g. rtpvp8pay name=pay pt=96)";
    gst_object_unref(gst_object_ref_sink(middle));
    return false;
  }
  apply_identity(pay, ident_);
  std::shared_ptr<EncoderRate> rate;
  if (GstElement* enc = gst_bin_get_by_name(GST_BIN(middle), "enc")) {
    std::lock_guard lock(lock_);
    // Size ceilings only for our own encoder of raw input (what ladder() gives rungs for).
    const bool ours = kind == Input::kRaw && config_.encoder.empty();
    rate = prepare_encoder(middle, enc, kKeyframeGuardMs,
                           ours ? adapt::default_ladder(config_.max_kbps) : adapt::passthrough_ladder(),
                           config_.bitrate_kbps);
    gst_object_unref(enc);
  }
  gst_bin_add(bin_, middle);
  GstPad* tee_pad = gst_element_request_pad_simple(in_tee_, "src_%u");
  GstPad* msink = gst_element_get_static_pad(middle, "sink");
  GstPad* msrc = gst_element_get_static_pad(middle, "src");
  GstPad* rsink = gst_element_get_static_pad(rtp_tee_, "sink");
  const bool linked = tee_pad && msink && msrc && gst_pad_link(tee_pad, msink) == GST_PAD_LINK_OK &&
                      gst_pad_link(msrc, rsink) == GST_PAD_LINK_OK;
  for (GstPad* p : {msink, msrc, rsink})
    if (p) gst_object_unref(p);
  if (!linked) {
    *err = "the encoder description must take raw video and produce RTP (one sink and one src pad)";
    if (tee_pad) {
      gst_element_release_request_pad(in_tee_, tee_pad);
      gst_object_unref(tee_pad);
    }
    gst_bin_remove(bin_, middle);
    gst_object_unref(pay);
    return false;
  }
  gst_element_sync_state_with_parent(middle);
  std::lock_guard lock(lock_);
  bitrate_kbps_ = kind == Input::kRaw ? config_.bitrate_kbps : 0;
  rate_ = kind == Input::kRaw ? std::move(rate) : nullptr;
  middle_ = middle;
  middle_pad_ = tee_pad;
  pay_ = pay;
  input_ = kind;
  return true;
}

void Media::reset() {
  rungs_.clear();  // their viewers are gone by now (the sink stopped)
  failed_rungs_.clear();
  GstElement* middle;
  GstPad* pad;
  GstElement* pay;
  {
    std::lock_guard lock(lock_);
    middle = middle_;
    pad = middle_pad_;
    pay = pay_;
    middle_ = nullptr;
    middle_pad_ = nullptr;
    pay_ = nullptr;
    input_ = Input::kNone;
    width_ = height_ = 0;
    bitrate_kbps_ = 0;
    rate_.reset();
  }
  last_frame_->clear();  // a stopped sink holds no buffer of its source's pool
  still_frame_->clear();
  if (middle) {
    gst_element_set_state(middle, GST_STATE_NULL);
    gst_bin_remove(bin_, middle);
  }
  if (pad) {
    gst_element_release_request_pad(in_tee_, pad);
    gst_object_unref(pad);
  }
  if (pay) gst_object_unref(pay);
}

void Media::set_live(bool live) {
  // The keep-alive sink is the input tee's first branch, so with sync it holds every buffer
  // until its time: that paces a non-live source to real time (it would otherwise take both cores,
  // measured: 200% CPU for videotestsrc is-live=false with nobody watching). A live source
  // already comes at its own pace, and syncing there would only delay the viewers' branches.
  g_object_set(keepalive_, "sync", live ? FALSE : TRUE, nullptr);
  GST_INFO("input is %slive", live ? "" : "not ");
}

int Media::keyframe_guard_ms(int kbps) {
  if (kbps <= 0) return kKeyframeGuardMs;
  return std::clamp(kKeyframeGuardMs * 1200 / kbps, kKeyframeGuardMs, kKeyframeGuardMaxMs);
}

int Media::keyframe_guard_ms() const { return keyframe_guard_ms(bitrate_kbps()); }

int Media::bitrate_kbps() const {
  std::lock_guard lock(lock_);
  return bitrate_kbps_;
}

int Media::applied_bitrate_kbps() const {
  std::lock_guard lock(lock_);
  return rate_ ? rate_->applied_kbps() : bitrate_kbps_;
}

int Media::set_bitrate(int kbps) {
  std::shared_ptr<EncoderRate> rate;
  {
    std::lock_guard lock(lock_);
    if (!middle_ || input_ != Input::kRaw) return 0;
    rate = rate_;
  }
  if (!rate) return 0;
  // Outside our lock: the encoder's own lock may be held by a frame being encoded.
  const bool set = rate->request(kbps, keyframe_guard_ms(kbps));
  std::lock_guard lock(lock_);
  if (set) {
    GST_INFO("encoder bitrate %d -> %d kbit/s", bitrate_kbps_, kbps);
    bitrate_kbps_ = kbps;
  }
  return bitrate_kbps_;
}

void Media::repeat_now() {
  const int64_t now = g_get_monotonic_time();
  if (!in_tee_ || now - repeat_us_ < kRepeatSpacingUs) return;
  repeat_us_ = now;
  gst_element_send_event(in_tee_, contract::repeat_now_event());  // upstream, from its sink pad
}

void Media::force_keyframe(bool join) {
  if (!keyframe_guard_)
    keyframe_guard_ = std::make_unique<KeyframeGuard>(
        [this](bool join) {
          GstElement* pay = payloader();
          if (!pay) return false;  // nothing encoded yet: the first frame is a keyframe anyway
          request_keyframe(pay, join);
          gst_object_unref(pay);
          return true;
        },
        [this] { return keyframe_guard_ms(); });
  keyframe_guard_->request(join);
}

}  // namespace vtkstream::sink
