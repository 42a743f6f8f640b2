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

// Whether `pipe` holds an element whose name starts with `prefix` (a branch's bin, a rung's).
inline bool has_child_named(GstElement* pipe, const char* prefix) {
  bool found = false;
  GstIterator* it = gst_bin_iterate_elements(GST_BIN(pipe));
  GValue v = G_VALUE_INIT;
  while (gst_iterator_next(it, &v) == GST_ITERATOR_OK) {
    if (g_str_has_prefix(GST_OBJECT_NAME(g_value_get_object(&v)), prefix)) found = true;
    g_value_reset(&v);
  }
  g_value_unset(&v);
  gst_iterator_free(it);
  return found;
}

}  // namespace vtkstream::sink::test
