#include "webrtc_warmup.h"

#include <gst/gst.h>

#include <initializer_list>

GST_DEBUG_CATEGORY_STATIC(sink_warmup_debug);
#define GST_CAT_DEFAULT sink_warmup_debug

namespace vtkstream::sink {

namespace {

// What webrtcbin loads on its first use (gst-plugins-bad 1.22: webrtcbin, its rtpbin, the DTLS
// and SRTP elements of each transport, the ICE agent, the data channel's SCTP).
void load_plugins() {
  const gint64 t0 = g_get_monotonic_time();
  for (const char* name : {"webrtc", "rtpmanager", "dtls", "srtp", "nice", "sctp"}) {
    if (GstPlugin* p = gst_plugin_load_by_name(name)) gst_object_unref(p);
    else GST_INFO("plugin %s is not available", name);
  }
  GST_INFO("WebRTC warm-up: plugins loaded in %" G_GINT64_FORMAT " ms", (g_get_monotonic_time() - t0) / 1000);
}

gpointer make_certificate(gpointer) {
  const gint64 t0 = g_get_monotonic_time();
  // A dtlsdec without a "pem" takes the process-wide agent with a generated certificate, and
  // generates it if it is the first (gstdtlsdec.c get_agent_by_pem): made here, the first viewer
  // finds it ready. There is no API to ask for it directly.
  if (GstElement* dec = gst_element_factory_make("dtlsdec", nullptr)) gst_object_unref(gst_object_ref_sink(dec));
  GST_INFO("WebRTC warm-up: DTLS certificate in %" G_GINT64_FORMAT " ms", (g_get_monotonic_time() - t0) / 1000);
  return nullptr;
}

}  // namespace

static GMutex lock;
static bool started = false;       // under lock
static GThread* thread = nullptr;  // under lock; until joined

void warm_up_webrtc() {
  g_mutex_lock(&lock);
  const bool first = !started;
  started = true;
  g_mutex_unlock(&lock);
  if (!first) return;
  GST_DEBUG_CATEGORY_INIT(sink_warmup_debug, "vtkstreamsink-warmup", 0, "vtkstreamsink WebRTC warm-up");
  load_plugins();
  GThread* t = g_thread_new("vtk-rtc-warmup", make_certificate, nullptr);
  g_mutex_lock(&lock);
  thread = t;
  g_mutex_unlock(&lock);
}

void finish_webrtc_warm_up() {
  g_mutex_lock(&lock);
  GThread* t = thread;
  thread = nullptr;
  g_mutex_unlock(&lock);
  if (t) g_thread_join(t);
}

}  // namespace vtkstream::sink
