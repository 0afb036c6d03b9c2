// SPDX-License-Identifier: BSD-2-Clause
//
// common/crypto/tls_client.hpp: a TLS client session over a connected socket (after SMTP
// STARTTLS), through OpenSSL (this part's .cpp is the only file using libssl). TLS 1.2 or
// newer; the server certificate must chain to the CA file given (or the system's default
// CA paths when none is) and name `host` (SSL_set1_host: DNS name or IP address).
// No OpenSSL type leaks out. The socket's SO_RCVTIMEO/SO_SNDTIMEO bound each read/write.
// Errors: Errc::temporary (handshake, certificate, read/write trouble; the detail carries
// OpenSSL's reason, its error queue drained), Errc::config (an unreadable CA file).
// One object per connection and thread; it does not own the fd.
// See also: common/dmarc/report_smtp.hpp
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "common/base/result.hpp"

namespace cachet::crypto {

class TlsClient {
 public:
  [[nodiscard]] static Result<std::unique_ptr<TlsClient>> handshake(int fd, const std::string& host,
                                                                    const std::string& ca_file);
  ~TlsClient();
  TlsClient(const TlsClient&) = delete;
  TlsClient& operator=(const TlsClient&) = delete;

  [[nodiscard]] Result<void> write_all(std::string_view data);
  // Some bytes (at least one); Errc::temporary on EOF, timeout or error.
  [[nodiscard]] Result<std::string> read_some();
  // "TLSv1.3 TLS_AES_256_GCM_SHA384", for the log.
  std::string describe() const;

 private:
  TlsClient() = default;
  void* ctx_ = nullptr;  // SSL_CTX*
  void* ssl_ = nullptr;  // SSL*
};

}  // namespace cachet::crypto
