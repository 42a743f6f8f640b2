// The /ws upgrade, done here instead of by soup_server_add_websocket_handler, so that a
// WsMessageGuard (ws_message_guard.h) sits between the socket and libsoup's
// SoupWebsocketConnection: a message over max_message_bytes, however it is fragmented, never
// grows inside libsoup; the connection is closed with 1009 (message too big) instead.
//
// Also: no WebSocket extensions are offered. libsoup's permessage-deflate inflates each message
// into a buffer without a limit (a 64 KiB compressed frame can inflate to about 64 MB), and the
// guard could only see compressed lengths; signalling messages are small, so it is not missed.
#pragma once

#include <libsoup/soup.h>

#include <cstdint>
#include <functional>

namespace vtkstream::sink {

// Answers a WebSocket handshake on `msg` (101, or 400/403 with the reason when it is not one)
// and, once the 101 is written, hands the new connection to `accepted` (which takes its own
// reference if it keeps it). Returns false when the handshake was refused.
bool accept_websocket(SoupServerMessage* msg, uint64_t max_message_bytes,
                      std::function<void(SoupWebsocketConnection*)> accepted);

// Called (on the connection's main context) when a message went over the limit, just before
// the connection is closed with 1009; `total` is how many bytes the message had reached. One
// handler per connection; an empty function removes it.
void on_message_too_big(SoupWebsocketConnection* ws, std::function<void(uint64_t total)> handler);

}  // namespace vtkstream::sink
