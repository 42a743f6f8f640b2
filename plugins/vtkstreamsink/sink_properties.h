// vtkstreamsink's properties (STYLE item 3): the PROP_* ids, their defaults, GParamSpecs and the
// settings they fill, and the check that turns settings into the web service's and the media's
// configuration when the element goes to READY (so a bad value fails the state change with a
// message saying which property and why, instead of being half applied).
#pragma once

#include <glib-object.h>

#include <mutex>
#include <string>
#include <vector>

#include "media.h"
#include "web_service.h"

namespace vtkstream::sink {

enum SinkProp {
  PROP_0,
  PROP_PORT,
  PROP_ADDRESS,
  PROP_TOKEN,
  PROP_VIEW_TOKEN,
  PROP_AUTH,
  PROP_CODEC,
  PROP_BITRATE,
  PROP_ENCODER,
  PROP_ADAPTIVE_BITRATE,
  PROP_MIN_BITRATE,
  PROP_MAX_BITRATE,
  PROP_MAX_PEERS,
  PROP_OWNER_SLOTS,
  PROP_WEB_DIR,
  PROP_STUN_SERVER,
  PROP_TURN_SERVERS,
  PROP_ICE_ADDRESS,
  PROP_MAX_INPUT_RATE,
  PROP_MAX_MESSAGE_BYTES,
  PROP_HANDSHAKE_TIMEOUT,
  PROP_IDLE_TIMEOUT,
  PROP_CONTROL_IDLE_TIMEOUT,
  PROP_HTTP_HEADER_TIMEOUT,
  PROP_HTTP_IDLE_TIMEOUT,
  PROP_SNAPSHOT_TIMEOUT,
  PROP_ALLOWED_HOSTS,
  PROP_FRAME_ANCESTORS,
  PROP_RENDERER_SUPERVISED,
  PROP_TLS_CERTIFICATE_FILE,
  PROP_TLS_KEY_FILE,
  PROP_JANUS_URL,
  PROP_JANUS_VIDEO_PORT,
  PROP_JANUS_RTCP_PORT,
  PROP_JANUS_RUNGS,
  PROP_URL,           // read-only, once listening
  PROP_CONTROL_LINK,  // read-only
  PROP_VIEW_LINK,     // read-only
  PROP_PEERS,         // read-only
  N_SINK_PROPS
};

struct SinkSettings {
  int port = 8000;
  std::string address = "127.0.0.1";
  std::string token, view_token;  // "" = generated at READY
  bool auth = true;
  Codec codec = Codec::kVP8;
  unsigned bitrate_kbps = 1200;
  bool adaptive = true;
  unsigned min_bitrate_kbps = 100, max_bitrate_kbps = 5000;
  std::string encoder;
  unsigned max_peers = 32;
  unsigned owner_slots = 4;
  std::string web_dir;
  std::string stun;
  std::vector<std::string> turn;
  std::string ice_address;
  double max_input_rate = 250;
  unsigned max_message_bytes = kMaxMessageBytes;
  unsigned handshake_timeout_s = 10, idle_timeout_s = 3600, control_idle_timeout_s = 60;
  unsigned http_header_timeout_s = 10, http_idle_timeout_s = 60, snapshot_timeout_s = 10;
  std::string allowed_hosts;  // comma-separated
  std::string frame_ancestors = "'self'";
  bool renderer_supervised = false;
  std::string tls_certificate_file, tls_key_file;  // both or neither (tls.h)
  std::string janus_url;  // janus/janus_forwarder.h; off while janus_video_port is 0
  int janus_video_port = 0, janus_rtcp_port = 0;
  std::string janus_rungs = "all";  // which rungs go to Janus (janus/janus_config.h)
  // Read-only, set once listening.
  std::string url, control_link, view_link;
  unsigned peers = 0;
};

GType vtkstreamsink_codec_get_type();

void install_sink_properties(GObjectClass* klass);
// Under the caller's lock.
void set_sink_property(SinkSettings& s, guint id, const GValue* value);
void get_sink_property(const SinkSettings& s, guint id, GValue* value);

// Settings -> configurations; generates missing tokens (written back into `s`, so a READY ->
// NULL -> READY cycle keeps its links). False with *err naming the property.
bool sink_configuration(SinkSettings& s, WebConfig* web, MediaConfig* media, std::string* err);

}  // namespace vtkstream::sink
