#include "tls.h"

#include <gnutls/gnutls.h>

namespace vtkstream::sink {

namespace {

std::string message_of(GError* e) {
  std::string m = e ? e->message : "unknown error";
  g_clear_error(&e);
  return m;
}

bool read_file(const std::string& path, const char* what, std::string* out, std::string* err) {
  gchar* data = nullptr;
  gsize len = 0;
  GError* e = nullptr;
  if (!g_file_get_contents(path.c_str(), &data, &len, &e)) {
    *err = std::string(what) + ": " + message_of(e) + " (give a PEM file this user can read)";
    return false;
  }
  out->assign(data, len);
  g_free(data);
  return true;
}

// GLib accepts any key with any certificate; GnuTLS compares their public keys when it loads
// the pair as server credentials (GNUTLS_E_CERTIFICATE_KEY_MISMATCH), as a handshake would.
// Returns 0, or the GnuTLS error with *why set.
int pair_check(const std::string& cert, const std::string& key, std::string* why) {
  gnutls_certificate_credentials_t cred = nullptr;
  if (gnutls_certificate_allocate_credentials(&cred) < 0) {
    *why = "GnuTLS could not allocate credentials";
    return GNUTLS_E_MEMORY_ERROR;
  }
  gnutls_datum_t c{reinterpret_cast<unsigned char*>(const_cast<char*>(cert.data())), static_cast<unsigned>(cert.size())};
  gnutls_datum_t k{reinterpret_cast<unsigned char*>(const_cast<char*>(key.data())), static_cast<unsigned>(key.size())};
  const int rc = gnutls_certificate_set_x509_key_mem(cred, &c, &k, GNUTLS_X509_FMT_PEM);
  gnutls_certificate_free_credentials(cred);
  if (rc >= 0) return 0;
  *why = gnutls_strerror(rc);
  return rc;
}

// Whether `key` belongs to a certificate after the first in `cert_file`: a chain written in the
// wrong order (intermediate first), which GLib and GnuTLS read as a leaf that is not ours.
bool key_matches_a_later_certificate(const std::string& cert_file, const std::string& key) {
  GList* list = g_tls_certificate_list_new_from_file(cert_file.c_str(), nullptr);
  bool found = false;
  std::string why;
  for (GList* l = list ? list->next : nullptr; l && !found; l = l->next) {
    gchar* pem = nullptr;
    g_object_get(l->data, "certificate-pem", &pem, nullptr);
    found = pem && pair_check(pem, key, &why) == 0;
    g_free(pem);
  }
  g_list_free_full(list, g_object_unref);
  return found;
}

}  // namespace

GIOStream* new_tls_server_connection(GIOStream* base, GTlsCertificate* cert, GError** err) {
  const GType type = g_tls_backend_get_server_connection_type(g_tls_backend_get_default());
  return G_IO_STREAM(g_initable_new(type, nullptr, err, "base-io-stream", base, "certificate", cert, "database",
                                    nullptr, nullptr));
}

TlsCertificatePtr load_tls_certificate(const TlsFiles& f, const char* what_cert, const char* what_key,
                                       std::string* err) {
  if (f.certificate.empty() || f.key.empty()) {
    *err = std::string(what_cert) + " and " + what_key + " go together: give the certificate and its private key";
    return nullptr;
  }
  if (!g_tls_backend_supports_tls(g_tls_backend_get_default())) {
    *err = "TLS is not available: GLib found no TLS backend (install the Debian package glib-networking)";
    return nullptr;
  }
  std::string cert_pem, key_pem;
  if (!read_file(f.certificate, what_cert, &cert_pem, err) || !read_file(f.key, what_key, &key_pem, err))
    return nullptr;
  GError* e = nullptr;
  GTlsCertificate* only_cert = g_tls_certificate_new_from_pem(cert_pem.c_str(), -1, &e);
  if (!only_cert) {
    *err = std::string(what_cert) + " " + f.certificate + ": not a PEM certificate (" + message_of(e) +
           "); give the server's certificate, followed by any intermediate certificates, in PEM";
    return nullptr;
  }
  g_object_unref(only_cert);
  GTlsCertificate* cert = g_tls_certificate_new_from_files(f.certificate.c_str(), f.key.c_str(), &e);
  if (!cert) {
    *err = std::string(what_key) + " " + f.key + ": not a usable PEM private key (" + message_of(e) +
           "); give the unencrypted key of the certificate (openssl pkey -in KEY -out PLAIN decrypts one)";
    return nullptr;
  }
  std::string why;
  if (const int rc = pair_check(cert_pem, key_pem, &why); rc != 0) {
    g_object_unref(cert);
    const std::string pair = std::string(what_key) + " " + f.key;
    if (rc == GNUTLS_E_CERTIFICATE_KEY_MISMATCH && key_matches_a_later_certificate(f.certificate, key_pem)) {
      *err = std::string(what_cert) + " " + f.certificate + ": the chain is in the wrong order (" + what_key + " " +
             f.key + " belongs to a later certificate in the file); put the server's own certificate first, then "
             "its intermediates";
      return nullptr;
    }
    *err = rc == GNUTLS_E_CERTIFICATE_KEY_MISMATCH
               ? pair + " does not belong to the certificate in " + what_cert + " " + f.certificate +
                     " (" + why + "); give the key the certificate was made for"
               : pair + " and " + what_cert + " " + f.certificate + " cannot be used together (" + why + ")";
    return nullptr;
  }
  return TlsCertificatePtr(cert, [](GTlsCertificate* c) { g_object_unref(c); });
}

}  // namespace vtkstream::sink
