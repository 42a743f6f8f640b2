// A branch is one consumer of the sink's media: a WebRTC viewer, the MJPEG encoder, later a
// WebSocket viewer or an extra encode. Each is a GstBin of its own, linked to a request pad of one
// of Media's tees, and owned by whoever asked for it (STYLE item 8, after gst-rtsp-server's
// rtsp-stream.c, where each transport owns its part of the pipeline).
//
// Errors route by ownership: the bin carries a small record (qdata) pointing back to its owner,
// so an ERROR message from anything inside it reaches that owner's on_error on the sink's
// context, and the rest of the pipeline never hears of it. Destroying the Branch is the only way
// a branch goes away: it unlinks the tee pad at an idle moment, sets the bin to NULL (the element
// named in null_first() before the rest), removes it and releases the pad.
#pragma once

#include <gst/gst.h>

#include <functional>
#include <memory>
#include <string>

namespace vtkstream::sink {

class Branch {
 public:
  using ErrorFn = std::function<void(const std::string& message)>;

  virtual ~Branch();
  Branch(const Branch&) = delete;
  Branch& operator=(const Branch&) = delete;

  GstBin* bin() const { return GST_BIN(bin_); }

  // For the sink's handle_message: if `msg` is an ERROR from inside a live branch, hands it to
  // that branch's owner (on the owner's context) and returns true; the caller drops the message.
  static bool route_error(GstMessage* msg);

  struct Link;  // shared with the bin's qdata; points back here while we live

 protected:
  // `parent` is the sink bin; `on_error` runs on the calling thread's context (the sink's).
  Branch(GstBin* parent, const std::string& name, ErrorFn on_error);
  // Adds the bin (its elements already in it, a ghost "sink" pad made) to the parent, brings it
  // to the parent's state and links it to a new request pad of `tee`. `before_link`, if given, runs
  // once the bin is in the parent and before frames can flow (gst_bin_add unlinks every pad of
  // what it adds, so a branch with an output links it there); false from it aborts with *err.
  bool attach(GstElement* tee, std::string* err, const std::function<bool(std::string*)>& before_link = {});
  // This element goes to NULL before the rest of the bin (webrtcbin before its queue: the
  // reverse order has deadlocked on 1.22); `after`, if given, runs on it once it is in NULL.
  using AfterNull = void (*)(GstElement*);
  void null_first(GstElement* e, AfterNull after = nullptr) {
    null_first_ = e;
    after_null_ = after;
  }
  // The tee pad the bin is linked to (transfer none), and a replacement for it (transfer full):
  // a branch moved to another tee (rung_switch.h) hands over the pad that feeds it now, which is
  // the one the teardown unlinks and releases.
  GstPad* tee_pad() const { return tee_pad_; }
  void adopt_tee_pad(GstPad* pad) {
    if (tee_pad_) gst_object_unref(tee_pad_);
    tee_pad_ = pad;
  }
  // Makes a ghost "sink" pad on the bin for `e`'s sink pad.
  bool ghost_sink(GstElement* e, std::string* err);

  GstElement* bin_ = nullptr;  // our reference

 private:
  GstBin* parent_;
  GstPad* tee_pad_ = nullptr;  // our reference, while linked
  GstElement* null_first_ = nullptr;
  AfterNull after_null_ = nullptr;
  std::shared_ptr<Link> link_;
};

}  // namespace vtkstream::sink
