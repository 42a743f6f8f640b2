#include "connection_guard.h"

namespace vtkstream::sink {

ConnectionGuard::ConnectionGuard(SoupServer* server) : server_(server) {
  // "request-started" comes for a connection's first message as soon as it is accepted (before
  // any byte), and for later messages with their first byte.
  started_id_ = g_signal_connect(server_, "request-started", G_CALLBACK(on_request_started), this);
}

ConnectionGuard::~ConnectionGuard() {
  if (started_id_) g_signal_handler_disconnect(server_, started_id_);
}

void ConnectionGuard::on_request_started(SoupServer*, SoupServerMessage* msg, gpointer) {
  soup_message_headers_replace(soup_server_message_get_response_headers(msg), "Connection", "close");
}

void ConnectionGuard::allow_upgrade(SoupServerMessage* msg) {
  // libsoup appends "Connection: Upgrade" to a 101 response; "close, Upgrade" would refuse it.
  soup_message_headers_remove(soup_server_message_get_response_headers(msg), "Connection");
}

}  // namespace vtkstream::sink
