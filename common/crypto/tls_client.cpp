// SPDX-License-Identifier: BSD-2-Clause
// common/crypto/tls_client.cpp: see tls_client.hpp.
#include "common/crypto/tls_client.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>

namespace cachet::crypto {
namespace {

SSL* ssl_of(void* p) { return static_cast<SSL*>(p); }

// OpenSSL's reasons, oldest first, the queue left empty.
std::string drain_errors(std::string what) {
  for (unsigned long e; (e = ERR_get_error()) != 0;) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    what += std::string(": ") + buf;
  }
  return what;
}

Unexpected<Error> tls_error(std::string what) { return fail(Errc::temporary, drain_errors("tls " + std::move(what))); }

}  // namespace

Result<std::unique_ptr<TlsClient>> TlsClient::handshake(int fd, const std::string& host, const std::string& ca_file) {
  std::unique_ptr<TlsClient> c(new TlsClient());
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  c->ctx_ = ctx;  // freed by ~TlsClient from here on
  if (ctx == nullptr) return tls_error("context");
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  const int loaded = ca_file.empty() ? SSL_CTX_set_default_verify_paths(ctx)
                                     : SSL_CTX_load_verify_locations(ctx, ca_file.c_str(), nullptr);
  if (loaded != 1) return fail(Errc::config, drain_errors("CA file '" + ca_file + "'"));
  SSL* ssl = SSL_new(ctx);
  c->ssl_ = ssl;
  if (ssl == nullptr || SSL_set_fd(ssl, fd) != 1) return tls_error("session");
  SSL_set_tlsext_host_name(ssl, host.c_str());  // SNI (ignored for an IP address)
  if (SSL_set1_host(ssl, host.c_str()) != 1) return tls_error("host name '" + host + "'");
  if (SSL_connect(ssl) != 1) {
    const long verify = SSL_get_verify_result(ssl);
    std::string why = "handshake with " + host;
    if (verify != X509_V_OK) why += " (certificate: " + std::string(X509_verify_cert_error_string(verify)) + ")";
    return tls_error(why);
  }
  return c;
}

TlsClient::~TlsClient() {
  if (ssl_ != nullptr) {
    SSL_shutdown(ssl_of(ssl_));  // close_notify, best effort
    SSL_free(ssl_of(ssl_));
  }
  if (ctx_ != nullptr) SSL_CTX_free(static_cast<SSL_CTX*>(ctx_));
  ERR_clear_error();
}

Result<void> TlsClient::write_all(std::string_view data) {
  while (!data.empty()) {
    std::size_t n = 0;
    if (SSL_write_ex(ssl_of(ssl_), data.data(), data.size(), &n) != 1) return tls_error("write");
    data.remove_prefix(n);
  }
  return {};
}

Result<std::string> TlsClient::read_some() {
  std::string buf(4096, '\0');
  std::size_t n = 0;
  if (SSL_read_ex(ssl_of(ssl_), buf.data(), buf.size(), &n) != 1 || n == 0) return tls_error("read");
  buf.resize(n);
  return buf;
}

std::string TlsClient::describe() const {
  return std::string(SSL_get_version(ssl_of(ssl_))) + " " + SSL_get_cipher_name(ssl_of(ssl_));
}

}  // namespace cachet::crypto
