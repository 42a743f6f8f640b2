#include "sink_test_util.h"

#include <dirent.h>
#include <gio/gio.h>

#include <cstdlib>
#include <cstring>
#include <fstream>

namespace vtkstream::sinktest {

// ---- Bus -------------------------------------------------------------------------------------

BusLog::BusLog(GstElement* element) : bus_(gst_element_get_bus(element)) {
  if (!bus_) {
    bus_.reset(gst_bus_new());
    gst_element_set_bus(element, bus_.get());
  }
  gst_bus_set_sync_handler(bus_.get(), &BusLog::on_message, this, nullptr);
}

BusLog::~BusLog() {
  gst_bus_set_sync_handler(bus_.get(), nullptr, nullptr, nullptr);
  clear();
}

GstBusSyncReply BusLog::on_message(GstBus*, GstMessage* msg, gpointer data) {
  auto* self = static_cast<BusLog*>(data);
  {
    std::lock_guard lock(self->lock_);
    self->messages_.push_back(msg);  // GST_BUS_DROP hands us the bus's reference
  }
  g_main_context_wakeup(nullptr);
  return GST_BUS_DROP;
}

MessagePtr BusLog::wait_for(const Pred& pred, int timeout_ms) {
  MessagePtr found;
  run_until(
      [&] {
        if (found) return true;
        std::lock_guard lock(lock_);
        for (GstMessage*& m : messages_)
          if (m && pred(m)) {
            found.reset(m);
            m = nullptr;
            return true;
          }
        return false;
      },
      timeout_ms);
  return found;
}

size_t BusLog::count(const Pred& pred) {
  std::lock_guard lock(lock_);
  size_t n = 0;
  for (GstMessage* m : messages_)
    if (m && pred(m)) ++n;
  return n;
}

void BusLog::clear() {
  std::lock_guard lock(lock_);
  for (GstMessage* m : messages_)
    if (m) gst_message_unref(m);
  messages_.clear();
}

BusLog::Pred is_type(GstMessageType t) {
  return [t](GstMessage* m) { return GST_MESSAGE_TYPE(m) == t; };
}

BusLog::Pred is_error() { return is_type(GST_MESSAGE_ERROR); }

BusLog::Pred element_message(const std::string& name, const std::string& field, const std::string& value) {
  return [=](GstMessage* m) {
    if (GST_MESSAGE_TYPE(m) != GST_MESSAGE_ELEMENT) return false;
    const GstStructure* s = gst_message_get_structure(m);
    if (!s || !gst_structure_has_name(s, name.c_str())) return false;
    if (field.empty()) return true;
    const char* v = gst_structure_get_string(s, field.c_str());
    return v && value == v;
  };
}

std::string error_text(GstMessage* m) {
  if (!m || GST_MESSAGE_TYPE(m) != GST_MESSAGE_ERROR) return "";
  GError* err = nullptr;
  gst_message_parse_error(m, &err, nullptr);
  std::string text = err ? err->message : "";
  g_clear_error(&err);
  return text;
}

// ---- Sink ------------------------------------------------------------------------------------

std::string get_string(GstElement* e, const char* property) {
  gchar* v = nullptr;
  g_object_get(e, property, &v, nullptr);
  std::string s = v ? v : "";
  g_free(v);
  return s;
}

StandaloneSink::StandaloneSink() : sink_(gst_element_factory_make("vtkstreamsink", nullptr)) {
  if (!sink_) return;
  gst_object_ref_sink(sink_.get());
  g_object_set(sink_.get(), "port", 0, "address", "127.0.0.1", nullptr);
  log_ = std::make_unique<BusLog>(sink_.get());
}

StandaloneSink::~StandaloneSink() {
  if (sink_) gst_element_set_state(sink_.get(), GST_STATE_NULL);
  log_.reset();
}

Pipeline::Pipeline(const std::string& description) {
  GError* err = nullptr;
  GstElement* p = gst_parse_launch(description.c_str(), &err);
  if (err) {
    ADD_FAILURE() << "cannot parse '" << description << "': " << err->message;
    g_clear_error(&err);
  }
  if (!p) return;
  pipeline_.reset(GST_ELEMENT(gst_object_ref_sink(p)));
  sink_.reset(gst_bin_get_by_name(GST_BIN(p), "sink"));
  if (sink_) g_object_set(sink_.get(), "port", 0, "address", "127.0.0.1", nullptr);
  log_ = std::make_unique<BusLog>(p);
}

Pipeline::~Pipeline() {
  if (pipeline_) gst_element_set_state(pipeline_.get(), GST_STATE_NULL);
  log_.reset();
}

GstElement* Pipeline::by_name(const char* name) const {
  GstElement* e = gst_bin_get_by_name(GST_BIN(pipeline_.get()), name);
  if (e) gst_object_unref(e);  // the pipeline keeps it
  return e;
}

bool Pipeline::go(GstState s) {
  if (gst_element_set_state(pipeline_.get(), s) == GST_STATE_CHANGE_FAILURE) return false;
  GstState now = GST_STATE_VOID_PENDING;
  return gst_element_get_state(pipeline_.get(), &now, nullptr, 10 * GST_SECOND) != GST_STATE_CHANGE_FAILURE &&
         now == s;
}

// ---- Viewer ----------------------------------------------------------------------------------

namespace {
bool auth_on(GstElement* sink) {
  gboolean auth = TRUE;
  g_object_get(sink, "auth", &auth, nullptr);
  return auth;
}
}  // namespace

std::string ws_url(GstElement* sink, bool view_only) {
  const std::string url = get_string(sink, "url");  // http://127.0.0.1:PORT/
  if (url.size() < 8) return "";
  std::string ws = "ws://" + url.substr(7) + "ws";
  if (auth_on(sink)) ws += "?token=" + get_string(sink, view_only ? "view-token" : "token");
  return ws;
}

std::string http_url(GstElement* sink, const std::string& path_and_query) {
  std::string u = get_string(sink, "url") + path_and_query;
  if (auth_on(sink))
    u += (path_and_query.find('?') == std::string::npos ? "?token=" : "&token=") + get_string(sink, "token");
  return u;
}

std::string hello(WsClient& ws, const std::string& transport, const std::string& codecs_json) {
  ws.send(R"({"type":"hello","version":1,"codecs":)" + codecs_json + R"(,"transport":")" + transport + R"("})");
  return ws.wait_for("welcome");
}

namespace {

// Connects to http://HOST:PORT/... and sends `method` for the rest; nullptr on failure.
GSocketConnection* send_get(const std::string& url, const char* method = "GET", const std::string& headers = "") {
  if (url.rfind("http://", 0) != 0) return nullptr;
  const size_t slash = url.find('/', 7);
  const std::string hostport = url.substr(7, slash - 7);
  const std::string path = slash == std::string::npos ? "/" : url.substr(slash);
  GSocketClient* client = g_socket_client_new();
  g_socket_client_set_timeout(client, 5);  // every read and write below
  GSocketConnection* conn = g_socket_client_connect_to_host(client, hostport.c_str(), 80, nullptr, nullptr);
  g_object_unref(client);
  if (!conn) return nullptr;
  const std::string req =
      std::string(method) + " " + path + " HTTP/1.1\r\nHost: " + hostport + "\r\nConnection: close\r\n" + headers + "\r\n";
  if (!g_output_stream_write_all(g_io_stream_get_output_stream(G_IO_STREAM(conn)), req.data(), req.size(), nullptr,
                                 nullptr, nullptr)) {
    g_object_unref(conn);
    return nullptr;
  }
  return conn;
}

std::string dechunk(const std::string& body) {
  std::string out;
  size_t pos = 0;
  while (pos < body.size()) {
    const size_t eol = body.find("\r\n", pos);
    if (eol == std::string::npos) break;
    const size_t n = std::strtoul(body.substr(pos, eol - pos).c_str(), nullptr, 16);
    if (n == 0) break;
    out += body.substr(eol + 2, n);
    pos = eol + 2 + n + 2;
  }
  return out;
}

}  // namespace

HttpResult http_get(const std::string& url) { return http_request(url, "GET"); }

HttpResult http_request(const std::string& url, const char* method, const std::string& headers) {
  HttpResult r;
  GSocketConnection* conn = send_get(url, method, headers);
  if (!conn) return r;
  GInputStream* in = g_io_stream_get_input_stream(G_IO_STREAM(conn));
  std::string resp;
  char buf[16384];
  for (gssize n; (n = g_input_stream_read(in, buf, sizeof(buf), nullptr, nullptr)) > 0;)
    resp.append(buf, static_cast<size_t>(n));
  g_object_unref(conn);
  const size_t end = resp.find("\r\n\r\n");
  if (resp.rfind("HTTP/1.1 ", 0) != 0 || end == std::string::npos) return r;
  r.status = std::atoi(resp.c_str() + 9);
  r.head = resp.substr(0, end);
  r.body = resp.substr(end + 4);
  if (g_strrstr(r.head.c_str(), "chunked")) r.body = dechunk(r.body);
  return r;
}

std::string http_get_body(const std::string& url) {
  HttpResult r = http_get(url);
  return r.status == 200 ? r.body : "";
}

int read_mjpeg_parts(const std::string& url, int parts, int timeout_ms) {
  GSocketConnection* conn = send_get(url);
  if (!conn) return 0;
  GInputStream* in = g_io_stream_get_input_stream(G_IO_STREAM(conn));
  const gint64 deadline = g_get_monotonic_time() + gint64(timeout_ms) * 1000;
  std::string data;
  int seen = 0;
  char buf[16384];
  // Blocking reads with the socket's 5 s timeout: the sink serves from its own thread.
  while (seen < parts && g_get_monotonic_time() < deadline) {
    const gssize n = g_input_stream_read(in, buf, sizeof(buf), nullptr, nullptr);
    if (n <= 0) break;
    data.append(buf, static_cast<size_t>(n));
    seen = 0;
    constexpr const char* kHead = "Content-Type: image/jpeg\r\nContent-Length: ";
    for (size_t pos = data.find(kHead); pos != std::string::npos; pos = data.find(kHead, pos + 1)) {
      const size_t len_at = pos + std::strlen(kHead);
      const size_t body = data.find("\r\n\r\n", len_at);
      if (body == std::string::npos) break;
      const size_t len = std::strtoul(data.c_str() + len_at, nullptr, 10);
      if (data.size() < body + 4 + len) break;  // not complete yet
      if (len >= 2 && static_cast<unsigned char>(data[body + 4]) == 0xFF &&
          static_cast<unsigned char>(data[body + 5]) == 0xD8)
        ++seen;
    }
  }
  g_object_unref(conn);
  return seen;
}

// ---- /proc -----------------------------------------------------------------------------------

int fd_count() {
  DIR* d = opendir("/proc/self/fd");
  if (!d) return -1;
  int n = 0;
  while (dirent* e = readdir(d))
    if (e->d_name[0] != '.') ++n;
  closedir(d);
  return n - 1;  // the directory stream's own descriptor
}

int threads_named(const std::string& name) {
  DIR* d = opendir("/proc/self/task");
  if (!d) return -1;
  int n = 0;
  while (dirent* e = readdir(d)) {
    if (e->d_name[0] == '.') continue;
    std::ifstream comm(std::string("/proc/self/task/") + e->d_name + "/comm");
    std::string line;
    if (std::getline(comm, line) && line == name) ++n;
  }
  closedir(d);
  return n;
}

bool eventually(const std::function<bool()>& done, int timeout_ms) {
  // A periodic wake-up so run_until re-evaluates: /proc has no event to wait on.
  GSource* tick = g_timeout_source_new(50);
  g_source_set_callback(tick, [](gpointer) -> gboolean { return G_SOURCE_CONTINUE; }, nullptr, nullptr);
  g_source_attach(tick, nullptr);
  const bool ok = run_until(done, timeout_ms);
  g_source_destroy(tick);
  g_source_unref(tick);
  return ok;
}

int webrtcbins(GstElement* bin) {
  int n = 0;
  GstIterator* it = gst_bin_iterate_recurse(GST_BIN(bin));
  GValue v = G_VALUE_INIT;
  while (gst_iterator_next(it, &v) == GST_ITERATOR_OK) {
    GstElement* e = GST_ELEMENT(g_value_get_object(&v));
    GstElementFactory* f = gst_element_get_factory(e);
    if (f && g_strcmp0(GST_OBJECT_NAME(f), "webrtcbin") == 0) ++n;
    g_value_reset(&v);
  }
  g_value_unset(&v);
  gst_iterator_free(it);
  return n;
}

bool wait_webrtcbins(GstElement* bin, int n, int timeout_ms) {
  const gulong id = g_signal_connect(bin, "element-removed", G_CALLBACK(+[](GstBin*, GstElement*, gpointer) {
                                       g_main_context_wakeup(nullptr);
                                     }),
                                     nullptr);
  const bool ok = run_until([&] { return webrtcbins(bin) == n; }, timeout_ms);
  g_signal_handler_disconnect(bin, id);
  return ok;
}

}  // namespace vtkstream::sinktest

int main(int argc, char** argv) {
  gst_init(&argc, &argv);
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
