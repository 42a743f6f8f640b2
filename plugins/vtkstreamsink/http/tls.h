// TLS for the one HTTP port (README "Server", docs/deploy.md): a PEM certificate (chain) and its
// private key, loaded once, checked before anything listens, and served by GLib's TLS backend
// (glib-networking, GnuTLS) on every accepted connection (listener.cpp).
//
// Why https in the server at all: WebCodecs and other powerful browser APIs exist only in a
// secure context, and a page from a LAN address over plain HTTP is not one. A tunnel that gives an
// https address terminates TLS itself and needs none of this.
//
// What the check covers, each with a message that names the file (by the flag or property the
// user gave, `what_cert` / `what_key`) and what to do: no TLS backend in GLib, a file missing or
// unreadable, no PEM certificate, no (unencrypted) PEM key, and a key that does not belong to the
// certificate. GLib takes a mismatched pair without complaint and every handshake would then
// fail; GnuTLS, the library under glib-networking, can tell at load time, so it is asked.
#pragma once

#include <gio/gio.h>

#include <memory>
#include <string>

namespace vtkstream::sink {

using TlsCertificatePtr = std::shared_ptr<GTlsCertificate>;

// Both files, or neither (false: plain HTTP). A certificate and no key (or the reverse) is an error.
struct TlsFiles {
  std::string certificate, key;
  bool enabled() const { return !certificate.empty() || !key.empty(); }
};

// Loads and checks the pair. Returns the certificate (with its key), or null with *err set.
// `what_cert`/`what_key` name the files in messages ("--tls-cert", "tls-certificate-file").
TlsCertificatePtr load_tls_certificate(const TlsFiles& files, const char* what_cert, const char* what_key,
                                       std::string* err);

// A server-side TLS connection over `base` serving `cert`, as g_tls_server_connection_new makes
// one but without a certificate database: the default one is the system's trust store, which
// glib-networking 2.74 reads in full (the CA bundle, some 140 certificates) for every connection,
// only to verify client certificates, which we never ask for. Measured in a test namespace with
// curl: 61 ms per handshake on average with it, against 16 ms for openssl s_server on the same
// machine at the same time; without it the bundle is not opened and a handshake took 7 ms.
// Null with *err set on failure.
GIOStream* new_tls_server_connection(GIOStream* base, GTlsCertificate* cert, GError** err);

}  // namespace vtkstream::sink
