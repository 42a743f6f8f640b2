// The playout-delay RTP header extension (playout_delay_ext.h). Layout, from WebRTC's
// docs/native-code/rtp-hdrext/playout-delay: one element of 3 data bytes,
//   MIN (12 bits) | MAX (12 bits), both in 10 ms units, big-endian.
// Written on every packet (8 bytes each with the one-byte header): Chromium reads it from the
// packets of each frame, and a frame whose packets lack it falls back to the smoothing path.
#include "playout_delay_ext.h"

namespace vtkstream::sink {

namespace {

constexpr guint kUnitMs = 10;
constexpr guint kMaxMs = 0xfff * kUnitMs;

struct PlayoutDelayExt {
  GstRTPHeaderExtension parent;
  guint min_ms;
  guint max_ms;
};
struct PlayoutDelayExtClass {
  GstRTPHeaderExtensionClass parent_class;
};

enum { PROP_0, PROP_MIN_MS, PROP_MAX_MS };

GstRTPHeaderExtensionFlags supported_flags(GstRTPHeaderExtension*) {
  return GstRTPHeaderExtensionFlags(GST_RTP_HEADER_EXTENSION_ONE_BYTE | GST_RTP_HEADER_EXTENSION_TWO_BYTE);
}

gsize max_size(GstRTPHeaderExtension*, const GstBuffer*) { return 3; }

gssize write(GstRTPHeaderExtension* ext, const GstBuffer*, GstRTPHeaderExtensionFlags, GstBuffer*, guint8* data,
             gsize size) {
  if (size < 3) return -1;
  auto* self = reinterpret_cast<PlayoutDelayExt*>(ext);
  GST_OBJECT_LOCK(ext);
  const guint lo = self->min_ms / kUnitMs, hi = self->max_ms / kUnitMs;
  GST_OBJECT_UNLOCK(ext);
  data[0] = guint8(lo >> 4);
  data[1] = guint8(((lo & 0xf) << 4) | (hi >> 8));
  data[2] = guint8(hi & 0xff);
  return 3;
}

// A sender only: what a receiver would do with the delays (its own playout) is not ours to do.
gboolean read(GstRTPHeaderExtension*, GstRTPHeaderExtensionFlags, const guint8*, gsize, GstBuffer*) {
  return TRUE;
}

void set_property(GObject* obj, guint id, const GValue* v, GParamSpec* spec) {
  auto* self = reinterpret_cast<PlayoutDelayExt*>(obj);
  GST_OBJECT_LOCK(obj);
  if (id == PROP_MIN_MS) self->min_ms = g_value_get_uint(v);
  else if (id == PROP_MAX_MS) self->max_ms = g_value_get_uint(v);
  else G_OBJECT_WARN_INVALID_PROPERTY_ID(obj, id, spec);
  GST_OBJECT_UNLOCK(obj);
}

void get_property(GObject* obj, guint id, GValue* v, GParamSpec* spec) {
  auto* self = reinterpret_cast<PlayoutDelayExt*>(obj);
  GST_OBJECT_LOCK(obj);
  if (id == PROP_MIN_MS) g_value_set_uint(v, self->min_ms);
  else if (id == PROP_MAX_MS) g_value_set_uint(v, self->max_ms);
  else G_OBJECT_WARN_INVALID_PROPERTY_ID(obj, id, spec);
  GST_OBJECT_UNLOCK(obj);
}

void class_init(gpointer klass, gpointer) {
  auto* gobject = G_OBJECT_CLASS(klass);
  gobject->set_property = set_property;
  gobject->get_property = get_property;
  const auto flags = GParamFlags(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_property(gobject, PROP_MIN_MS,
      g_param_spec_uint("min-ms", "Min delay", "Least time the receiver should hold a frame, ms (10 ms steps)", 0,
                        kMaxMs, 0, flags));
  g_object_class_install_property(gobject, PROP_MAX_MS,
      g_param_spec_uint("max-ms", "Max delay", "Most time the receiver should hold a frame, ms (10 ms steps)", 0,
                        kMaxMs, 0, flags));
  auto* ext = GST_RTP_HEADER_EXTENSION_CLASS(klass);
  ext->get_supported_flags = supported_flags;
  ext->get_max_size = max_size;
  ext->write = write;
  ext->read = read;
  gst_element_class_set_static_metadata(GST_ELEMENT_CLASS(klass), "RTP playout-delay header extension",
                                        GST_RTP_HDREXT_ELEMENT_CLASS,
                                        "Tells WebRTC receivers how long they may hold frames (0/0: show at once)",
                                        "vtkstream");
  gst_rtp_header_extension_class_set_uri(ext, kPlayoutDelayUri);
}

}  // namespace

GType playout_delay_ext_get_type() {
  static gsize type = 0;
  if (g_once_init_enter(&type)) {
    // A program that links the sink's code and also loads the plugin (tests do) has two copies of
    // this function; the type name is process-wide, so the second copy takes the first one's type.
    GType t = g_type_from_name("VtkstreamRtpHdrExtPlayoutDelay");
    if (t == 0)
      t = g_type_register_static_simple(GST_TYPE_RTP_HEADER_EXTENSION, "VtkstreamRtpHdrExtPlayoutDelay",
                                          sizeof(PlayoutDelayExtClass), class_init, sizeof(PlayoutDelayExt),
                                          nullptr, GTypeFlags(0));
    g_once_init_leave(&type, t);
  }
  return type;
}

gboolean register_playout_delay_ext(GstPlugin* plugin) {
  return gst_element_register(plugin, "rtphdrextplayoutdelay", GST_RANK_MARGINAL, playout_delay_ext_get_type());
}

GstRTPHeaderExtension* make_playout_delay_ext() {
  auto* ext = GST_RTP_HEADER_EXTENSION(g_object_new(playout_delay_ext_get_type(), nullptr));
  gst_object_ref_sink(ext);
  gst_rtp_header_extension_set_id(ext, kPlayoutDelayExtId);
  return ext;
}

bool parse_playout_delay(const guint8* data, gsize size, guint* min_ms, guint* max_ms) {
  if (size < 3) return false;
  *min_ms = ((guint(data[0]) << 4) | (data[1] >> 4)) * kUnitMs;
  *max_ms = (((guint(data[1]) & 0xf) << 8) | data[2]) * kUnitMs;
  return true;
}

}  // namespace vtkstream::sink
