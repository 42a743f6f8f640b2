#include "janus_probe.h"

#include <json-glib/json-glib.h>

#include <algorithm>

#include "sink_context.h"

namespace vtkstream::sink {

namespace {

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
    const char* kind = json_object_has_member(o, "janus") ? json_object_get_string_member(o, "janus") : nullptr;
    if (g_strcmp0(kind, "server_info") == 0) {
      ok = true;
      const char* v = json_object_has_member(o, "version_string") ? json_object_get_string_member(o, "version_string") : nullptr;
      *why = std::string("Janus ") + (v ? v : "?");
    }
  }
  g_object_unref(parser);
  if (!ok) *why = "the answer is not Janus's server_info";
  return ok;
}

}  // namespace

JanusProbe::JanusProbe(std::string base, ChangedFn changed) : changed_(std::move(changed)) {
  while (!base.empty() && base.back() == '/') base.pop_back();
  info_url_ = base + "/info";
  session_ = soup_session_new();
  soup_session_set_timeout(session_, kTimeoutS);
  // Janus is a peer of ours, not the web: no proxy from the environment.
  soup_session_set_proxy_resolver(session_, nullptr);
  cancel_ = g_cancellable_new();
  ask();
}

JanusProbe::~JanusProbe() {
  *alive_ = false;
  g_cancellable_cancel(cancel_);
  cancel_source(timer_);
  g_object_unref(cancel_);
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
  struct Ctx {
    JanusProbe* self;
    std::weak_ptr<bool> alive;
    SoupMessage* msg;
  };
  auto* c = new Ctx{this, alive_, msg};
  soup_session_send_and_read_async(
      session_, msg, G_PRIORITY_DEFAULT, cancel_,
      [](GObject* src, GAsyncResult* res, gpointer d) {
        auto* c = static_cast<Ctx*>(d);
        GError* err = nullptr;
        GBytes* body = soup_session_send_and_read_finish(SOUP_SESSION(src), res, &err);
        if (c->alive.lock() && !g_error_matches(err, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
          std::string why;
          bool ok = false;
          if (err) {
            why = err->message;
          } else if (soup_message_get_status(c->msg) != SOUP_STATUS_OK) {
            why = "HTTP " + std::to_string(soup_message_get_status(c->msg));
          } else {
            ok = parse_info(body, &why);
          }
          c->self->answered(ok, why);
        }
        g_clear_error(&err);
        if (body) g_bytes_unref(body);
        g_object_unref(c->msg);
        delete c;
      },
      c);
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
