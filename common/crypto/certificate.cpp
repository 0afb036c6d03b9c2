// SPDX-License-Identifier: BSD-2-Clause
// common/crypto/certificate.cpp: see certificate.hpp.
#include "common/crypto/certificate.hpp"

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <ctime>

#include "common/base/c_ptr.hpp"

namespace cachet::crypto {
namespace {

using CertBio = CPtr<BIO, &BIO_free>;
using X509Ptr = CPtr<X509, &X509_free>;
using PkeyPtr = CPtr<EVP_PKEY, &EVP_PKEY_free>;

Error drained(Errc code, std::string detail) {
  ERR_clear_error();
  return Error{code, std::move(detail)};
}

std::string subject_of(const X509* cert) {
  CertBio out(BIO_new(BIO_s_mem()));
  if (!out || X509_NAME_print_ex(out.get(), X509_get_subject_name(cert), 0, XN_FLAG_RFC2253) < 0) {
    ERR_clear_error();
    return {};
  }
  char* data = nullptr;
  const long n = BIO_get_mem_data(out.get(), &data);
  return n > 0 ? std::string(data, static_cast<std::size_t>(n)) : std::string();
}

}  // namespace

Result<std::vector<CertificateValidity>> certificates_in(std::string_view pem) {
  if (pem.size() > kMaxCertificateFileBytes) return fail(Errc::bad_input, "certificate file too large");
  CertBio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return Unexpected<Error>(drained(Errc::internal, "BIO_new_mem_buf failed"));
  std::vector<CertificateValidity> out;
  for (;;) {
    X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
    if (!cert) {
      // The end of the input reads as "no start line"; anything else is a broken block.
      const unsigned long e = ERR_peek_last_error();
      const bool at_end = ERR_GET_LIB(e) == ERR_LIB_PEM && ERR_GET_REASON(e) == PEM_R_NO_START_LINE;
      ERR_clear_error();
      if (!at_end) return fail(Errc::bad_input, "certificate " + std::to_string(out.size() + 1) + " does not parse");
      break;
    }
    if (out.size() == kMaxCertificatesPerFile)
      return fail(Errc::bad_input, "more than " + std::to_string(kMaxCertificatesPerFile) + " certificates");
    const ASN1_TIME* end = X509_get0_notAfter(cert.get());
    struct tm tm {};
    if (end == nullptr || ASN1_TIME_to_tm(end, &tm) != 1)
      return Unexpected<Error>(drained(Errc::bad_input, "unreadable notAfter"));
    out.push_back({subject_of(cert.get()), static_cast<std::int64_t>(timegm(&tm))});
  }
  if (out.empty()) return fail(Errc::bad_input, "no PEM certificate");
  return out;
}

Result<std::string> self_signed_certificate_for_test(std::string_view common_name, std::int64_t not_before,
                                                     std::int64_t not_after) {
  PkeyPtr key(EVP_EC_gen("P-256"));
  X509Ptr cert(X509_new());
  if (!key || !cert) return Unexpected<Error>(drained(Errc::internal, "key or certificate allocation failed"));
  X509_NAME* name = X509_get_subject_name(cert.get());
  const std::string cn(common_name);
  const bool built = X509_set_version(cert.get(), 2) == 1 &&
                     ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1) == 1 &&
                     ASN1_TIME_set(X509_getm_notBefore(cert.get()), static_cast<time_t>(not_before)) != nullptr &&
                     ASN1_TIME_set(X509_getm_notAfter(cert.get()), static_cast<time_t>(not_after)) != nullptr &&
                     X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                                reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0) == 1 &&
                     X509_set_issuer_name(cert.get(), name) == 1 && X509_set_pubkey(cert.get(), key.get()) == 1 &&
                     X509_sign(cert.get(), key.get(), EVP_sha256()) > 0;
  if (!built) return Unexpected<Error>(drained(Errc::internal, "building the certificate failed"));
  CertBio out(BIO_new(BIO_s_mem()));
  if (!out || PEM_write_bio_X509(out.get(), cert.get()) != 1)
    return Unexpected<Error>(drained(Errc::internal, "PEM_write_bio_X509 failed"));
  char* data = nullptr;
  const long n = BIO_get_mem_data(out.get(), &data);
  return std::string(data, static_cast<std::size_t>(n));
}

}  // namespace cachet::crypto
