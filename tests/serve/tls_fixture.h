// What the TLS tests against the real vtkstream-serve share (test_tls_e2e.cpp,
// test_tls_hardening.cpp): the program's arguments, the certificates made once per program by
// tests/common/make_test_cert.sh, a TLS database trusting only the test CA, and a fixture that
// starts the server with the test certificate and stops it after each test.
#pragma once

#include <gio/gio.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "server_process.h"
#include "unique_name.h"

namespace vtkstream::test {

// main() of a TLS test program: argv[1] the server binary, argv[2] make_test_cert.sh.
int tls_test_main(int argc, char** argv);
const std::string& tls_server_binary();
// One set of files for the whole program: ca.pem, the server's pair (server.pem, server.key),
// a stray key (other.key) and a chain in the wrong order (reversed.pem).
const TempDir& tls_certs();
// A TLS database holding only the test CA (a new reference).
GTlsDatabase* tls_test_ca();
// "127.0.0.1:PORT" of an https://127.0.0.1:PORT/ link.
std::string tls_host_port(const std::string& https_url);

class TlsServerTest : public ::testing::Test {
 protected:
  // Starts the server on port 0 without a renderer, with the test certificate and `extra`.
  void start(std::vector<std::string> extra = {});
  void TearDown() override;
  std::unique_ptr<ServerProcess> server_;
};

}  // namespace vtkstream::test
