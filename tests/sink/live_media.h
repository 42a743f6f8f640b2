// The sink's encode side (Media) on a live pipeline of its own, fed by videotestsrc: what the tests
// of rungs and of what hangs on them (Janus feeds, rate planning) start from. Declare it first in
// a test: its destructor stops the pipeline and frees Media after everything declared later (a
// forwarder, a viewer) is gone, on every way out of the test, a failed ASSERT included.
#pragma once

#include <gst/gst.h>

#include <memory>
#include <string>

#include "media.h"

namespace vtkstream::sink::test {

struct LiveMedia {
  // `caps`: raw video caps the source makes (videotestsrc is-live=true, `pattern` if given).
  explicit LiveMedia(const std::string& caps, const std::string& pattern = "");
  ~LiveMedia();
  LiveMedia(const LiveMedia&) = delete;
  LiveMedia& operator=(const LiveMedia&) = delete;

  // Configures Media, gives it the caps, links the source and sets the pipeline playing.
  bool start(const MediaConfig& config, std::string* err);

  GstElement* pipe = nullptr;
  GstElement* src = nullptr;
  std::unique_ptr<Media> media;

 private:
  std::string caps_;
};

}  // namespace vtkstream::sink::test
