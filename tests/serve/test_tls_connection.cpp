// new_tls_server_connection (http/tls.h): the server's TLS connections carry no certificate
// database, so glib-networking does not read the system's trust store for each of them (it did,
// for every connection, and that was most of a handshake's time on a busy machine).
#include <gtest/gtest.h>

#include <gio/gio.h>

#include "tls.h"

TEST(TlsConnection, ServerConnectionsHaveNoDatabase) {
  if (!g_tls_backend_supports_tls(g_tls_backend_get_default())) GTEST_SKIP() << "no TLS backend (glib-networking)";
  // The default database exists here: that is what a connection would otherwise carry.
  GTlsDatabase* system = g_tls_backend_get_default_database(g_tls_backend_get_default());
  ASSERT_NE(system, nullptr);
  g_object_unref(system);
  GInputStream* in = g_memory_input_stream_new();
  GOutputStream* out = g_memory_output_stream_new_resizable();
  GIOStream* base = g_simple_io_stream_new(in, out);
  GError* err = nullptr;
  GIOStream* tls = vtkstream::sink::new_tls_server_connection(base, nullptr, &err);
  ASSERT_NE(tls, nullptr) << (err ? err->message : "?");
  EXPECT_TRUE(G_IS_TLS_SERVER_CONNECTION(tls));
  EXPECT_EQ(g_tls_connection_get_database(G_TLS_CONNECTION(tls)), nullptr);
  // The same connection made the library's way has the system's database.
  GIOStream* plain = g_tls_server_connection_new(base, nullptr, &err);
  ASSERT_NE(plain, nullptr) << (err ? err->message : "?");
  EXPECT_NE(g_tls_connection_get_database(G_TLS_CONNECTION(plain)), nullptr);
  g_object_unref(plain);
  g_object_unref(tls);
  g_object_unref(base);
  g_object_unref(in);
  g_object_unref(out);
}
