#include "janus_probe.h"

#include <json-glib/json-glib.h>

#include <algorithm>
#include <utility>

#include "sink_context.h"

namespace vtkstream::sink {

namespace {

// The string member `name` of `o`, or null when it is missing or not a string (json-glib's
// json_object_get_string_member logs a CRITICAL for an object or array there: an answer must not
// be able to do that).
const char* string_member(JsonObject* o, const char* name) {
  JsonNode* n = json_object_get_member(o, name);
  return n && JSON_NODE_HOLDS_VALUE(n) && json_node_get_value_type(n) == G_TYPE_STRING ? json_node_get_string(n)
                                                                                        : nullptr;
}

// What the log may say of Janus's version: printable ASCII, short. It goes to the operator's
// terminal, where a newline or an escape sequence from the network could forge lines or colours.
std::string printable(const char* v) {
  std::string out;
  for (const char* c = v; *c && out.size() < 40; ++c) out += (*c >= 0x20 && *c < 0x7f) ? *c : '?';
  return out;
}

// "server_info" with a version string, or why not.
bool parse_info(GBytes* body, std::string* why) {
  gsize n = 0;
  const char* data = body ? static_cast<const char*>(g_bytes_get_data(body, &n)) : nullptr;
  if (!data || n == 0) {
    *why = "empty answer";
    return false;
  }
  JsonParser* parser = json_parser_new();
  bool ok = false;
  if (json_parser_load_from_data(parser, data, gssize(n), nullptr) && JSON_NODE_HOLDS_OBJECT(json_parser_get_root(parser))) {
    JsonObject* o = json_node_get_object(json_parser_get_root(parser));
    if (g_strcmp0(string_member(o, "janus"), "server_info") == 0) {
      ok = true;
      const char* v = string_member(o, "version_string");
      *why = "Janus " + printable(v ? v : "?");
    }
  }
  g_object_unref(parser);
  if (!ok) *why = "the answer is not Janus's server_info";
  return ok;
}

}  // namespace

// One GET in flight. The answer is read by hand, in pieces, rather than with
// soup_session_send_and_read_async: that one reads whatever the server sends into memory before
// it returns (a broken or hostile "Janus" streaming an endless answer grew the server by gigabytes
// and kept the sink's context busy), and soup's own timeout only bounds each read, so an answer
// that trickles a byte a second never ended. Here the answer is capped at kMaxAnswerBytes and the
// whole request at kTimeoutS.
struct JanusProbe::Request {
  JanusProbe* self;
  std::weak_ptr<bool> alive;
  SoupMessage* msg;
  GCancellable* cancel = g_cancellable_new();
  GSource* deadline = nullptr;
  GInputStream* body = nullptr;
  GByteArray* data = g_byte_array_new();
  bool timed_out = false;
  ~Request() {
    cancel_source(deadline);
    if (body) g_object_unref(body);  // unread rest: libsoup drops the connection
    g_byte_array_unref(data);
    g_object_unref(cancel);
    g_object_unref(msg);
  }
};

JanusProbe::JanusProbe(std::string base, ChangedFn changed) : changed_(std::move(changed)) {
  while (!base.empty() && base.back() == '/') base.pop_back();
  info_url_ = base + "/info";
  session_ = soup_session_new();
  soup_session_set_timeout(session_, kTimeoutS);
  // Janus is a peer of ours, not the web: no proxy from the environment.
  soup_session_set_proxy_resolver(session_, nullptr);
  ask();
}

JanusProbe::~JanusProbe() {
  *alive_ = false;
  if (inflight_) g_cancellable_cancel(inflight_);  // its callback sees the probe gone and frees it
  cancel_source(timer_);
  soup_session_abort(session_);
  g_object_unref(session_);
}

void JanusProbe::schedule(int ms) {
  cancel_source(timer_);
  timer_ = add_timeout(guint(ms), [this] {
    ask();
    return false;
  });
}

void JanusProbe::ask() {
  SoupMessage* msg = soup_message_new("GET", info_url_.c_str());
  if (!msg) {  // the URL was checked when the property was; never expected here
    answered(false, "bad URL " + info_url_);
    return;
  }
  // Only the host we were given: a redirect (soup follows them by default) could send the probe
  // anywhere, and what answers there is not the Janus the RTP goes to.
  soup_message_add_flags(msg, SOUP_MESSAGE_NO_REDIRECT);
  auto* r = new Request{this, alive_, msg};
  inflight_ = r->cancel;
  r->deadline = add_timeout(guint(kTimeoutS * 1000), [r] {
    r->timed_out = true;
    // This source ends with this call; our reference goes first, as the cancel may complete (and
    // free) the request right here.
    g_source_unref(std::exchange(r->deadline, nullptr));
    g_cancellable_cancel(r->cancel);
    return false;
  });
  soup_session_send_async(
      session_, msg, G_PRIORITY_DEFAULT, r->cancel,
      [](GObject* src, GAsyncResult* res, gpointer d) {
        auto* r = static_cast<Request*>(d);
        GError* err = nullptr;
        r->body = soup_session_send_finish(SOUP_SESSION(src), res, &err);
        if (err) return finish(r, false, err);
        if (soup_message_get_status(r->msg) != SOUP_STATUS_OK)
          return finish(r, false, nullptr, "HTTP " + std::to_string(soup_message_get_status(r->msg)));
        read_more(r);
      },
      r);
}

void JanusProbe::read_more(Request* r) {
  g_input_stream_read_bytes_async(
      r->body, 16384, G_PRIORITY_DEFAULT, r->cancel,
      [](GObject* src, GAsyncResult* res, gpointer d) {
        auto* r = static_cast<Request*>(d);
        GError* err = nullptr;
        GBytes* piece = g_input_stream_read_bytes_finish(G_INPUT_STREAM(src), res, &err);
        if (err) return finish(r, false, err);
        gsize n = 0;
        const void* p = g_bytes_get_data(piece, &n);
        if (n > 0) g_byte_array_append(r->data, static_cast<const guint8*>(p), guint(n));
        g_bytes_unref(piece);
        if (n == 0) {
          std::string why;
          GBytes* all = g_bytes_new_static(r->data->data, r->data->len);
          const bool ok = parse_info(all, &why);
          g_bytes_unref(all);
          return finish(r, ok, nullptr, why);
        }
        if (r->data->len > kMaxAnswerBytes)
          return finish(r, false, nullptr,
                        "the answer is larger than " + std::to_string(kMaxAnswerBytes / 1024) +
                            " KiB, not Janus's server_info");
        read_more(r);
      },
      r);
}

void JanusProbe::finish(Request* r, bool ok, GError* err, const std::string& why) {
  const bool cancelled = g_error_matches(err, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  std::string reason = err ? err->message : why;
  if (r->timed_out) reason = "no complete answer within " + std::to_string(kTimeoutS) + " s";
  // Cancelled without our deadline: the probe is being destroyed.
  if (r->alive.lock() && (!cancelled || r->timed_out)) {
    r->self->inflight_ = nullptr;
    r->self->answered(ok, reason);
  }
  g_clear_error(&err);
  delete r;
}

void JanusProbe::answered(bool ok, const std::string& why) {
  if (ok) {
    retry_ms_ = kFirstRetryMs;
  } else {
    ++failures_;
  }
  const bool changed = !known_ || ok != up_;
  known_ = true;
  up_ = ok;
  if (changed && changed_) changed_(ok, why);
  if (ok) {
    schedule(kUpIntervalMs);
  } else {
    schedule(retry_ms_);
    retry_ms_ = std::min(retry_ms_ * 2, kMaxRetryMs);
  }
}

}  // namespace vtkstream::sink
