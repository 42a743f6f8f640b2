#include "ws_upgrade.h"

#include <gio/gio.h>

#include <memory>
#include <string>

#include "sink_context.h"
#include "ws_message_guard.h"

namespace vtkstream::sink {

namespace {

constexpr const char kTooBigKey[] = "vtkstream-ws-too-big";
constexpr const char kBaseStreamKey[] = "vtkstream-ws-base-stream";

// A GConverter that passes the client's bytes through a WsMessageGuard. GConverterInputStream
// (pollable when its base is, as libsoup needs) does the buffering; we only decide which bytes go on.
struct GuardConverter {
  GObject parent;
  WsMessageGuard* guard;
  std::function<void(uint64_t)>* tripped;  // once, from inside libsoup's read
};
struct GuardConverterClass {
  GObjectClass parent_class;
};

GType guard_converter_get_type();
void guard_converter_iface_init(GConverterIface* iface);
G_DEFINE_TYPE_WITH_CODE(GuardConverter, guard_converter, G_TYPE_OBJECT,
                        G_IMPLEMENT_INTERFACE(G_TYPE_CONVERTER, guard_converter_iface_init))

void guard_converter_init(GuardConverter*) {}

void guard_converter_finalize(GObject* obj) {
  auto* self = reinterpret_cast<GuardConverter*>(obj);
  delete self->guard;
  delete self->tripped;
  G_OBJECT_CLASS(guard_converter_parent_class)->finalize(obj);
}

void guard_converter_class_init(GuardConverterClass* klass) {
  G_OBJECT_CLASS(klass)->finalize = guard_converter_finalize;
}

GConverterResult guard_convert(GConverter* conv, const void* inbuf, gsize inbuf_size, void* outbuf,
                               gsize outbuf_size, GConverterFlags flags, gsize* bytes_read, gsize* bytes_written,
                               GError** error) {
  auto* self = reinterpret_cast<GuardConverter*>(conv);
  const bool was_tripped = self->guard->tripped();
  const WsMessageGuard::Step s = self->guard->feed(static_cast<const uint8_t*>(inbuf), inbuf_size,
                                                   static_cast<uint8_t*>(outbuf), outbuf_size);
  *bytes_read = s.consumed;
  *bytes_written = s.produced;
  if (!was_tripped && self->guard->tripped() && *self->tripped) (*self->tripped)(self->guard->tripped_total());
  if (s.consumed || s.produced) return G_CONVERTER_CONVERTED;
  if (flags & G_CONVERTER_INPUT_AT_END) return G_CONVERTER_FINISHED;
  if (outbuf_size == 0) {
    g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_NO_SPACE, "no room");
    return G_CONVERTER_ERROR;
  }
  g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT, "need more input");
  return G_CONVERTER_ERROR;
}

void guard_reset(GConverter*) {}  // a guard lives for one connection; nothing resets it

void guard_converter_iface_init(GConverterIface* iface) {
  iface->convert = guard_convert;
  iface->reset = guard_reset;
}

// Over the limit: tell the owner, then close with 1009. Not from inside libsoup's read.
void close_too_big(SoupWebsocketConnection* ws, uint64_t total, uint64_t max) {
  if (auto* h = static_cast<std::function<void(uint64_t)>*>(g_object_get_data(G_OBJECT(ws), kTooBigKey)); h && *h)
    (*h)(total);
  if (soup_websocket_connection_get_state(ws) == SOUP_WEBSOCKET_STATE_OPEN) {
    const std::string reason = "message over " + std::to_string(max) + " bytes";
    soup_websocket_connection_close(ws, SOUP_WEBSOCKET_CLOSE_TOO_BIG, reason.c_str());
  }
}

// The connection over the guarded input. The stolen stream is closed (it owns the socket) when
// the connection lets go of its stream.
SoupWebsocketConnection* guarded_connection(SoupServerMessage* msg, GIOStream* stolen, uint64_t max) {
  auto* conv = static_cast<GuardConverter*>(g_object_new(guard_converter_get_type(), nullptr));
  conv->guard = new WsMessageGuard(max);
  auto* weak = new GWeakRef;  // owned by the trip function below
  g_weak_ref_init(weak, nullptr);
  conv->tripped = new std::function<void(uint64_t)>(
      [weak = std::shared_ptr<GWeakRef>(weak, [](GWeakRef* w) { g_weak_ref_clear(w); delete w; }), max](uint64_t total) {
        auto* ws = static_cast<SoupWebsocketConnection*>(g_weak_ref_get(weak.get()));
        if (!ws) return;
        std::shared_ptr<SoupWebsocketConnection> ref(ws, [](SoupWebsocketConnection* w) { g_object_unref(w); });
        post_to(current_context(), [ref, total, max] { close_too_big(ref.get(), total, max); });
      });
  GInputStream* in = g_converter_input_stream_new(g_io_stream_get_input_stream(stolen), G_CONVERTER(conv));
  GIOStream* io = g_simple_io_stream_new(in, g_io_stream_get_output_stream(stolen));
  g_object_unref(in);
  g_object_unref(conv);
  g_object_set_data_full(G_OBJECT(io), kBaseStreamKey, stolen, [](gpointer s) {
    g_io_stream_close(G_IO_STREAM(s), nullptr, nullptr);
    g_object_unref(s);
  });
  SoupMessageHeaders* req = soup_server_message_get_request_headers(msg);
  SoupWebsocketConnection* ws = soup_websocket_connection_new(
      io, soup_server_message_get_uri(msg), SOUP_WEBSOCKET_CONNECTION_SERVER, soup_message_headers_get_one(req, "Origin"),
      soup_message_headers_get_one(soup_server_message_get_response_headers(msg), "Sec-WebSocket-Protocol"), nullptr);
  g_object_unref(io);
  g_weak_ref_set(weak, ws);
  // libsoup's own per-frame limit stays as a second line (it drops the socket without a close frame).
  soup_websocket_connection_set_max_incoming_payload_size(ws, max);
  return ws;
}

struct Pending {
  uint64_t max;
  std::function<void(SoupWebsocketConnection*)> accepted;
};

}  // namespace

bool accept_websocket(SoupServerMessage* msg, uint64_t max_message_bytes,
                      std::function<void(SoupWebsocketConnection*)> accepted) {
  // No origin or subprotocol to insist on (the HTTP server checked Origin), no extensions.
  if (!soup_websocket_server_process_handshake(msg, nullptr, nullptr, nullptr, nullptr)) return false;
  // As libsoup's own handler does: take the socket over once the 101 is on the wire.
  g_signal_connect_data(
      msg, "wrote-informational", G_CALLBACK(+[](SoupServerMessage* m, gpointer d) {
        auto* p = static_cast<Pending*>(d);
        g_object_ref(m);
        GIOStream* stolen = soup_server_message_steal_connection(m);
        if (stolen) {
          SoupWebsocketConnection* ws = guarded_connection(m, stolen, p->max);  // takes `stolen`
          p->accepted(ws);
          g_object_unref(ws);
        }
        g_object_unref(m);
      }),
      new Pending{max_message_bytes, std::move(accepted)},
      [](gpointer d, GClosure*) { delete static_cast<Pending*>(d); }, GConnectFlags(0));
  return true;
}

void on_message_too_big(SoupWebsocketConnection* ws, std::function<void(uint64_t total)> handler) {
  if (!handler) {
    g_object_set_data(G_OBJECT(ws), kTooBigKey, nullptr);
    return;
  }
  g_object_set_data_full(G_OBJECT(ws), kTooBigKey, new std::function<void(uint64_t)>(std::move(handler)),
                         [](gpointer d) { delete static_cast<std::function<void(uint64_t)>*>(d); });
}

}  // namespace vtkstream::sink
