// vtksrc's GObject properties.
#include "src_private.h"

#include <gst/gsturi.h>

namespace vtkstream::vtksrc {

namespace {

enum {
  PROP_0,
  PROP_SHM_NAME,
  PROP_IS_LIVE,
  PROP_REPEAT_INTERVAL,
  PROP_VIEW_ONLY,
};

void set_property(GObject* object, guint prop_id, const GValue* value, GParamSpec* pspec) {
  GstVtkSrc* self = GST_VTK_SRC(object);
  Private& p = *self->priv;
  switch (prop_id) {
    case PROP_SHM_NAME: {
      GError* err = nullptr;
      if (!set_shm_name(self, g_value_get_string(value), &err)) {
        // A property setter cannot fail; start() reports an invalid name as an element error.
        GST_WARNING_OBJECT(self, "%s", err->message);
        g_error_free(err);
      }
      break;
    }
    case PROP_IS_LIVE:
      gst_base_src_set_live(GST_BASE_SRC(self), g_value_get_boolean(value));
      break;
    case PROP_REPEAT_INTERVAL: {
      std::lock_guard lock(p.props_lock);
      p.repeat_interval_ms = g_value_get_uint(value);
      break;
    }
    case PROP_VIEW_ONLY:
      p.view_only = g_value_get_boolean(value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
      break;
  }
}

void get_property(GObject* object, guint prop_id, GValue* value, GParamSpec* pspec) {
  GstVtkSrc* self = GST_VTK_SRC(object);
  Private& p = *self->priv;
  switch (prop_id) {
    case PROP_SHM_NAME:
      g_value_set_string(value, shm_name(p).c_str());
      break;
    case PROP_IS_LIVE:
      g_value_set_boolean(value, gst_base_src_is_live(GST_BASE_SRC(self)));
      break;
    case PROP_REPEAT_INTERVAL: {
      std::lock_guard lock(p.props_lock);
      g_value_set_uint(value, p.repeat_interval_ms);
      break;
    }
    case PROP_VIEW_ONLY:
      g_value_set_boolean(value, p.view_only.load());
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
      break;
  }
}

constexpr auto kFlags = static_cast<GParamFlags>(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
constexpr auto kReady = static_cast<GParamFlags>(kFlags | GST_PARAM_MUTABLE_READY);
constexpr auto kPlaying = static_cast<GParamFlags>(kFlags | GST_PARAM_MUTABLE_PLAYING);

}  // namespace

std::string shm_name(Private& p) {
  std::lock_guard lock(p.props_lock);
  return p.shm_name;
}

// The name is checked when the element starts (start() posts the error): a setter has no way to
// refuse, and gst-launch sets properties before anyone listens on the bus. Only the URI handler
// refuses at once, because its interface can.
bool set_shm_name(GstVtkSrc* self, const char* name, GError** err) {
  Private& p = *self->priv;
  GstState state = GST_STATE_NULL;
  {
    GST_OBJECT_LOCK(self);
    state = GST_STATE(self);
    GST_OBJECT_UNLOCK(self);
  }
  if (state > GST_STATE_READY) {
    g_set_error(err, GST_URI_ERROR, GST_URI_ERROR_BAD_STATE,
                "shm-name can only be changed in the NULL or READY state");
    return false;
  }
  std::lock_guard lock(p.props_lock);
  p.shm_name = name ? name : VTKSRC_DEFAULT_SHM_NAME;
  return true;
}

void install_properties(GObjectClass* klass) {
  klass->set_property = set_property;
  klass->get_property = get_property;
  g_object_class_install_property(
      klass, PROP_SHM_NAME,
      g_param_spec_string("shm-name", "Shared memory name",
                          "Name of the renderer's shared-memory stream (vtkstream-render --shm)",
                          VTKSRC_DEFAULT_SHM_NAME, kReady));
  g_object_class_install_property(
      klass, PROP_IS_LIVE,
      g_param_spec_boolean("is-live", "Is live", "Act as a live source (timestamps in running time)",
                           VTKSRC_DEFAULT_IS_LIVE, kReady));
  g_object_class_install_property(
      klass, PROP_REPEAT_INTERVAL,
      g_param_spec_uint("repeat-interval", "Repeat interval",
                        "While the renderer sends nothing new, repeat the last picture every this "
                        "many milliseconds (0 = never)",
                        0, G_MAXINT, VTKSRC_DEFAULT_REPEAT_INTERVAL, kPlaying));
  g_object_class_install_property(
      klass, PROP_VIEW_ONLY,
      g_param_spec_boolean("view-only", "View only",
                           "Send no input to the renderer: navigation and resize requests from "
                           "downstream are dropped, and caps follow the renderer's size instead of "
                           "asking it for another",
                           VTKSRC_DEFAULT_VIEW_ONLY, kPlaying));
}

}  // namespace vtkstream::vtksrc
