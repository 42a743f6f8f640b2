// The signalling and input protocol of docs/protocol.md as C++ data: one parser for every message
// a browser can send (WebSocket text or a data-channel input record), and serialisers for every
// message the server sends. Nothing here knows about sockets, GStreamer or peers; malformed input
// comes back as a ProtocolError value (never an exception, never an abort).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "vtkstream/shm_layout.h"
struct _JsonObject;  // json-glib's JsonObject

namespace vtkstream::sink {

inline constexpr int kProtocolVersion = 1;
// Largest message accepted by default (docs/protocol.md; --max-message-bytes); the WebSocket
// itself is capped at the same size.
inline constexpr size_t kMaxMessageBytes = 64 * 1024;
// Key names must fit the shm input record (char[28] with its NUL).
inline constexpr size_t kMaxKeyBytes = 27;
// Render sizes a client may ask for (`rs`): the resize limit, defined once in shm_layout.h.
inline constexpr int kMinRenderSize = static_cast<int>(shm::kMinRequestedDimension);
inline constexpr int kMaxRenderSize = static_cast<int>(shm::kMaxRequestedDimension);

enum class ErrorCode { kBadJson, kTooLarge, kUnknownType, kBadField, kBadState, kBadSdp, kNoCodec, kInternal,
                       kForbidden, kRateLimited };
const char* error_code_name(ErrorCode code);

struct ProtocolError {
  ErrorCode code;
  std::string message;
};

enum class Codec { kVP8, kH264 };
const char* codec_name(Codec c);  // "VP8" / "H264", as in the protocol
std::optional<Codec> codec_from_name(std::string_view name);

// kWs: the encoded stream as binary WebSocket messages (docs/protocol.md "WebSocket video").
enum class Transport { kWebRtc, kMjpeg, kWs };
const char* transport_name(Transport t);

// One input record (docs/protocol.md "Input records"), validated and clamped.
struct InputRecord {
  enum class Kind { kPointerMove, kPointerDown, kPointerUp, kWheel, kKeyDown, kKeyUp,
                    kTouchDown, kTouchMove, kTouchUp, kResize };
  Kind kind = Kind::kPointerMove;
  uint64_t seq = 0;        // client `s`; 0 when absent (nothing is echoed then)
  uint32_t modifiers = 0;  // `m`: 1 shift, 2 control, 4 alt, 8 meta
  double x = 0, y = 0;     // normalised, clamped to [0,1]
  int button = 0;          // `b`: 1 left, 2 middle, 3 right
  double dx = 0, dy = 0;   // wheel, pixels, positive dy = scroll down (browser convention)
  std::string key;         // `k`
  uint32_t touch_id = 0;   // `id`
  int width = 0, height = 0;  // `rs`
};
const char* input_kind_name(InputRecord::Kind k);  // the `t` value

struct Hello {
  int version = kProtocolVersion;
  std::vector<Codec> codecs;  // known codecs the browser listed, in its order; unknown names dropped
  Transport transport = Transport::kWebRtc;
  // `ws_video`: with transport webrtc, the page also decodes WebSocket video and wants it at once
  // (until it sends `ws-video` off); transport ws implies it.
  bool ws_video = false;
  // `stills`: the page shows a crisp full-size still fetched over HTTP (`still` messages) after
  // an interaction.
  bool stills = false;
};
struct Answer { std::string sdp; };
struct IceCandidate {
  std::string candidate;  // "" = end of candidates
  unsigned mline = 0;
};
struct Input { InputRecord record; };
struct Ping { double t = 0; };
struct TransportSwitch { Transport transport = Transport::kMjpeg; };  // to mjpeg or ws
// `ws-video`: start or stop this peer's WebSocket video (the page presents WebRTC now).
struct WsVideoSwitch { bool on = false; };
// `control` (docs/protocol.md "Control"): who steers.
struct ControlRequest {
  enum class Action { kRequest, kRelease, kGrant, kTake };
  Action action = Action::kRequest;
  uint32_t peer = 0;  // grant: to whom (0 = the oldest request)
};
// `stay`: the viewer is still there (answer to an `idle-warning`); resets the idle timer.
struct Stay {};

// `stats` (docs/protocol.md "Link statistics"): what the page measured, for congestion control.
// Counters are cumulative since the page's peer connection started; absent = not measured.
struct PageStats {
  double t = 0;                // the page's clock, ms
  uint64_t bytes = 0;          // video bytes received
  std::optional<uint64_t> packets, lost, decoded, dropped, freezes;
  std::optional<double> freeze_ms, jb_delay_ms, jb_emitted, delay_ms;
  // Some presented frames: (RTP timestamp, arrival on the page's clock in ms), at most kMaxFrames.
  std::vector<std::pair<uint32_t, double>> frames;
  static constexpr size_t kMaxFrames = 16;
};

// `quality` (docs/protocol.md "Quality"): pin this viewer to a rung of the ladder, or back to auto.
struct QualityRequest {
  std::optional<int> rung;  // nullopt: auto (the estimate chooses)
};

using ClientMessage = std::variant<Hello, Answer, IceCandidate, Input, Ping, TransportSwitch, ControlRequest,
                                   Stay, PageStats, WsVideoSwitch, QualityRequest>;

// Parses one WebSocket text message; longer than max_bytes is a too-large error.
std::variant<ClientMessage, ProtocolError> parse_client_message(std::string_view text,
                                                                size_t max_bytes = kMaxMessageBytes);
// Parses one data-channel message: a bare input record (no "type" needed).
std::variant<InputRecord, ProtocolError> parse_input_record(std::string_view text,
                                                            size_t max_bytes = kMaxMessageBytes);

// The fields of a `quality` message (quality_message.cpp).
std::variant<QualityRequest, ProtocolError> parse_quality(::_JsonObject* o);
constexpr int kMaxRungs = 8;

// The fields of a `stats` message (stats_message.cpp); `o` is the message object.
std::variant<PageStats, ProtocolError> parse_page_stats(::_JsonObject* o);

// ---- server -> client ----------------------------------------------------------------------

struct IceServer {  // an RTCIceServer as the browser wants it
  std::string url;  // "stun:host:port" / "turn:host:port"
  std::string username, credential;
};

struct Welcome {
  uint32_t peer_id = 0;
  std::vector<IceServer> ice_servers;
  std::string codec;  // "VP8", "H264", or "MJPEG" for a fallback peer
  int width = 0, height = 0;
  std::string mjpeg;  // URL path of this peer's MJPEG stream
  int max_render_size = kMaxRenderSize;  // the resize limit, so the page never asks for more
  bool ws_video = false;  // binary WebSocket video follows (sent only when true)
};

std::string serialize(const Welcome& w);
std::string offer_message(const std::string& sdp);
std::string ice_message(const std::string& candidate, unsigned mline);
std::string pong_message(double t);
// `renderer` state: what the page shows (a notice while not running).
enum class RendererStatus { kRunning, kWaiting, kRestarting };
const char* renderer_status_name(RendererStatus s);
std::string renderer_message(RendererStatus state, const std::string& detail);
// `rtp` is omitted when absent (MJPEG peers).
std::string frame_message(uint64_t seq, std::optional<uint32_t> rtp, uint64_t pts_ns);
std::string error_message(const ProtocolError& e);
// `transport` (server to page): the server moved this peer to `t` on its own (WebRTC failed).
std::string transport_message(Transport t);
// `bye` code: machine-readable, for the page (the reason is for people).
enum class ByeCode { kShutdown, kTooManyPeers, kHandshakeTimeout, kIdle };
const char* bye_code_name(ByeCode c);
std::string bye_message(ByeCode code, const std::string& reason);
// `idle-warning`: the peer gets `bye` `idle` in `seconds` unless it sends input or `stay`.
std::string idle_warning_message(int seconds);
// `still`: the crisp full-size still `id` (`width` x `height`, `bytes` long) can be fetched from
// /still.webp, paced for this viewer with `key`, the lossless image with `lossless` (docs/protocol.md
// "The crisp still over HTTP").
std::string still_message(uint64_t id, int width, int height, uint64_t bytes, const std::string& key,
                          bool lossless);

// `estimate`: this viewer's estimated bandwidth and the shared encoder's bitrate (kbit/s).
std::string estimate_message(int kbps, int encoder_kbps, bool steers);
// `rung`: the rung this viewer receives (of `rungs`), its picture size now, its encoder's bitrate
// (kbit/s, 0 for pass-through), whether the viewer pinned it, the ladder's heights (0: full) and the
// render size.
struct RungInfo {
  int rung = 0, rungs = 1, width = 0, height = 0, kbps = 0;
  bool pinned = false;
  std::vector<int> heights;
  int render_width = 0, render_height = 0;  // what the renderer renders now (the input's size)
};
std::string rung_message(const RungInfo& r);

// The control state as one peer sees it.
struct ControlState {
  std::optional<uint32_t> controller;  // null when nobody steers
  bool you = false;
  std::string role;                    // "owner" (control link) or "viewer" (view-only link)
  std::vector<uint32_t> requests;      // peers asking for control, oldest first
};
std::string serialize(const ControlState& s);

}  // namespace vtkstream::sink
