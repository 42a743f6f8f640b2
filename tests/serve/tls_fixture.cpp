#include "tls_fixture.h"

#include <gst/gst.h>

#include <cstdio>

namespace vtkstream::test {

namespace {
std::string g_server_binary, g_cert_script;
}

int tls_test_main(int argc, char** argv) {
  gst_init(&argc, &argv);
  ::testing::InitGoogleTest(&argc, argv);
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s PATH/TO/vtkstream-serve PATH/TO/make_test_cert.sh\n", argv[0]);
    return 2;
  }
  g_server_binary = argv[1];
  g_cert_script = argv[2];
  return RUN_ALL_TESTS();
}

const std::string& tls_server_binary() { return g_server_binary; }

const TempDir& tls_certs() {
  static const TempDir dir("vtktls");
  static const bool made = [] {
    const gchar* argv[] = {g_cert_script.c_str(), dir.path().c_str(), nullptr};
    gint status = -1;
    gchar* err = nullptr;
    const bool ok = g_spawn_sync(nullptr, const_cast<gchar**>(argv), nullptr, G_SPAWN_DEFAULT, nullptr, nullptr,
                                 nullptr, &err, &status, nullptr) &&
                    g_spawn_check_wait_status(status, nullptr);
    if (!ok) g_printerr("make_test_cert.sh failed: %s\n", err ? err : "");
    g_free(err);
    return ok;
  }();
  EXPECT_TRUE(made);
  return dir;
}

GTlsDatabase* tls_test_ca() {
  GError* e = nullptr;
  GTlsDatabase* db = g_tls_file_database_new(tls_certs().file("ca.pem").c_str(), &e);
  EXPECT_NE(db, nullptr) << (e ? e->message : "");
  g_clear_error(&e);
  return db;
}

std::string tls_host_port(const std::string& https_url) { return https_url.substr(8, https_url.find('/', 8) - 8); }

void TlsServerTest::start(std::vector<std::string> extra) {
  const TempDir& c = tls_certs();
  std::vector<std::string> args{"--port", "0", "--no-renderer", "--tls-cert", c.file("server.pem"),
                                "--tls-key", c.file("server.key")};
  args.insert(args.end(), extra.begin(), extra.end());
  server_ = std::make_unique<ServerProcess>(g_server_binary, args);
  ASSERT_TRUE(server_->started()) << "the server printed no link line";
}

void TlsServerTest::TearDown() {
  if (server_) {
    EXPECT_EQ(server_->terminate(), 0);
  }
}

}  // namespace vtkstream::test
