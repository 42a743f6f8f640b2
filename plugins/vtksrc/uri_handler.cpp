// vtkstream://NAME: vtksrc as a URI source, so uridecodebin, playbin and gst-play-1.0 can open a
// renderer's stream by name (NAME is shm-name, as given to vtkstream-render --shm).
#include "src_private.h"

namespace vtkstream::vtksrc {

namespace {

constexpr const char* kScheme = "vtkstream";

GstURIType get_type(GType) { return GST_URI_SRC; }

const gchar* const* get_protocols(GType) {
  static const gchar* const protocols[] = {kScheme, nullptr};
  return protocols;
}

gchar* get_uri(GstURIHandler* handler) {
  return g_strdup_printf("%s://%s", kScheme, shm_name(*GST_VTK_SRC(handler)->priv).c_str());
}

gboolean set_uri(GstURIHandler* handler, const gchar* uri, GError** err) {
  GstVtkSrc* self = GST_VTK_SRC(handler);
  // GstUri parses the authority; a stream name is a plain host-like word, nothing else is allowed
  // (a path, query or port would be silently ignored otherwise).
  GstUri* u = gst_uri_from_string(uri);
  const gchar* host = u ? gst_uri_get_host(u) : nullptr;
  const gchar* path = u ? gst_uri_get_path(u) : nullptr;
  // Schemes are case-insensitive (RFC 3986 section 3.1): VTKSTREAM://demo is the same URI.
  const gchar* scheme = u ? gst_uri_get_scheme(u) : nullptr;
  const bool shaped = scheme && g_ascii_strcasecmp(scheme, kScheme) == 0 && host && *host &&
                      (!path || !*path || g_strcmp0(path, "/") == 0) && !gst_uri_get_query_table(u) &&
                      gst_uri_get_port(u) == GST_URI_NO_PORT && !gst_uri_get_userinfo(u) &&
                      !gst_uri_get_fragment(u);
  std::string name = shaped ? host : "";
  if (u) gst_uri_unref(u);
  std::string why;
  if (!shaped || shm::posix_name(name, &why).empty()) {
    g_set_error(err, GST_URI_ERROR, GST_URI_ERROR_BAD_URI,
                "'%s' is not a vtkstream URI: expected vtkstream://NAME with NAME a renderer's "
                "--shm name%s%s",
                uri, why.empty() ? "" : ": ", why.c_str());
    return FALSE;
  }
  return set_shm_name(self, name.c_str(), err);
}

}  // namespace

void uri_handler_init(gpointer g_iface, gpointer) {
  auto* iface = static_cast<GstURIHandlerInterface*>(g_iface);
  iface->get_type = get_type;
  iface->get_protocols = get_protocols;
  iface->get_uri = get_uri;
  iface->set_uri = set_uri;
}

}  // namespace vtkstream::vtksrc
