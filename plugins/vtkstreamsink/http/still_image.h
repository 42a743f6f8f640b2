// GET /still.webp?id=N&key=K: the renderer's newest still (media/still_frame.h) as a WebP image
// (media/still_encode.h), for the viewers that show the crisp still. On a lower rung they receive
// small pictures over video, and a full-size keyframe would burst into their weak link
// (docs/performance.md "the still bursts"), while over HTTP TCP paces and retransmits the image
// itself and idle video leaves it the link; on the top rung the video's still is 4:2:0 VP8, under
// 40 dB RGB PSNR, and the image is sharper. Routed by HttpServer after the same token check as
// /snapshot.png (view-only links may fetch it); the viewer's key (still_keys.h) picks the pace.
//
// The server encodes each still once, on a GTask worker, when there is a viewer to tell
// (WebService), then says `still` to those viewers; the route only answers from that one cached
// image: memory is one image plus one waiting still. An encode under way finishes first; of the
// stills that arrive meanwhile only the newest is encoded after it.
//
// Answers: 200 with the image and a strong ETag (an epoch per server, so ids restarting with a new
// server never match an old copy), `Cache-Control: no-cache` (a browser revalidates and gets 304
// for If-None-Match, no body); no `id` = the newest; an id that is not a number 400; no still yet,
// or an id that is not the newest (replaced, or not made yet), 404 with the reason and the newest
// id. HEAD answers the headers only.
#pragma once

#include <gst/gst.h>
#include <libsoup/soup.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "still_encode.h"

namespace vtkstream::sink {

class StillImages {
 public:
  // Measured across a 500 kbit/s tbf link (docs/performance.md "The crisp still over HTTP"): the
  // image sent as fast as TCP likes left slow start's bursts in the link's queue with the video,
  // whose estimate fell to about 100 kbit/s and stayed there (the next drags' p50 doubled). The
  // response is paced instead (paced_body.h) at this share of the viewer's estimate, when the
  // page sends its key (`key=K`); the video is idle after the still, so that share is free.
  static constexpr double kPaceShare = 0.8;
  // ... but never below this: while a lower rung's video is app-limited (Firefox behind 500
  // kbit/s sat at 112-190 kbit/s) the estimate says little about the link, and a 30 kB image at
  // 0.8 x 112 kbit/s took 2.7 s, past the goal of 2 s. 300 kbit/s builds at most a 160 ms queue
  // on a 250 kbit/s link for a 30 kB image (netns2.sh's tbf holds 200 ms). Also the pace of a
  // request without a viewer's key.
  static constexpr int64_t kPaceFloorBps = 300000;

  struct Ready {
    uint64_t id;
    int width, height;
    size_t bytes;
  };
  // On the server's context, when a still's image is ready to fetch.
  using OnReady = std::function<void(const Ready&)>;

  StillImages(OnReady on_ready, StillFormat format);
  ~StillImages();  // an encode under way finishes on its own; its result is dropped
  StillImages(const StillImages&) = delete;
  StillImages& operator=(const StillImages&) = delete;

  // A new still (transfer full) to encode. Call on the server's context.
  void offer(GstSample* sample, uint64_t id);
  // `pace_bps` > 0: the body goes no faster than this (bit/s; paced_body.h); see kPaceShare.
  void serve(SoupServerMessage* msg, GHashTable* query, int64_t pace_bps = 0);
  void clear();  // the sink stopped: the image goes (an encode under way is dropped)
  uint64_t ready_id() const { return image_ ? id_ : 0; }

 private:
  struct Job;
  void start(GstSample* sample, uint64_t id);
  void finished(Job* job);

  OnReady on_ready_;
  StillFormat format_;
  std::string epoch_;        // random, per server: part of every ETag
  GBytes* image_ = nullptr;  // the newest still's image
  uint64_t id_ = 0;
  int width_ = 0, height_ = 0;
  double encode_ms_ = 0;
  bool busy_ = false;               // an encode runs
  GstSample* waiting_ = nullptr;    // the newest still that came meanwhile (our reference)
  uint64_t waiting_id_ = 0;
  uint64_t generation_ = 0;         // clear() drops the result of an encode under way
  std::shared_ptr<StillImages*> self_ = std::make_shared<StillImages*>(this);  // jobs hold a weak_ptr
};

}  // namespace vtkstream::sink
