// SPDX-License-Identifier: BSD-2-Clause
//
// common/crypto/crypto.hpp: the suite's only door to OpenSSL (no OpenSSL type leaks out).
// Hashing (SHA-1/SHA-256, streaming, one EVP_MD_CTX reused per Hasher), private keys
// (PEM: PKCS#1/PKCS#8 RSA, PKCS#8 Ed25519; or a bare base64 Ed25519 seed as dkimpy and
// RFC 8463 A.1 write it), public keys from DKIM p= data (RSA SubjectPublicKeyInfo or bare
// PKCS#1 RSAPublicKey; Ed25519 raw 32 bytes per RFC 8463), RSASSA-PKCS1-v1_5 and Ed25519
// sign/verify over a precomputed digest (DKIM hashes the header data first; Ed25519 signs
// that SHA-256 digest, RFC 8463 s3).
// Keys are parsed once into EVP_PKEY and are immutable afterwards: one PrivateKey or
// PublicKey may be used from many threads at once (an RSA key keeps a small mutex-guarded
// pool of initialised EVP_PKEY_CTXs; a call takes one, so no two threads share one).
// A Hasher belongs to one thread. Every failure drains the OpenSSL error queue into
// Error.detail. Errors: bad_input (undecodable key data), permanent (verification
// mismatch is NOT an error: verify returns false), internal (OpenSSL refused an operation).
// See also: tests/unit/common/crypto/crypto_test.cpp
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "common/base/result.hpp"

namespace cachet::crypto {

enum class HashAlg { sha1, sha256 };
enum class KeyType { rsa, ed25519 };

inline constexpr std::size_t kEd25519PublicKeyBytes = 32;
inline constexpr std::size_t kMaxKeyTextBytes = 64 * 1024;  // PEM file or p= data

// Key material (PEM text, seeds): not copyable, wiped with OPENSSL_cleanse when destroyed.
class SecretBytes {
 public:
  SecretBytes() = default;
  explicit SecretBytes(std::string_view bytes) : bytes_(bytes) {}
  SecretBytes(SecretBytes&& other) noexcept : bytes_(std::move(other.bytes_)) { other.wipe(); }
  SecretBytes& operator=(SecretBytes&& other) noexcept;
  SecretBytes(const SecretBytes&) = delete;
  SecretBytes& operator=(const SecretBytes&) = delete;
  ~SecretBytes() { wipe(); }
  std::string_view view() const noexcept { return bytes_; }
  std::size_t size() const noexcept { return bytes_.size(); }

 private:
  void wipe() noexcept;
  std::string bytes_;
};

class Hasher {
 public:
  explicit Hasher(HashAlg alg);
  Hasher(Hasher&&) noexcept;
  Hasher& operator=(Hasher&&) noexcept;
  ~Hasher();
  void update(std::string_view data);
  // Returns the raw digest and resets the Hasher for reuse.
  std::string finish();
  HashAlg alg() const noexcept { return alg_; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  HashAlg alg_;
};

// One-shot digest (raw bytes).
std::string digest(HashAlg alg, std::string_view data);

class PrivateKey {
 public:
  // PEM ("-----BEGIN …") or, for Ed25519, the base64 of the 32-byte RFC 8032 seed.
  // Errors: bad_input (unparseable, or a key type other than RSA/Ed25519).
  [[nodiscard]] static Result<PrivateKey> load(const SecretBytes& text);
  // A new key (cachetctl keygen, tests). `bits` is ignored for Ed25519.
  // Errors: internal (OpenSSL failure).
  [[nodiscard]] static Result<PrivateKey> generate(KeyType type, int bits);
  // PKCS#8 PEM of the private key (what keygen writes). Errors: internal.
  [[nodiscard]] Result<SecretBytes> to_pem() const;
  PrivateKey(PrivateKey&&) noexcept;
  PrivateKey& operator=(PrivateKey&&) noexcept;
  ~PrivateKey();
  KeyType type() const noexcept;
  int bits() const noexcept;
  std::size_t signature_size() const noexcept;  // bytes of a signature
  // RSA: PKCS#1 v1.5 signature of `digest` (made with `alg`). Ed25519: pure Ed25519 over
  // the digest bytes. Errors: internal (OpenSSL failure, detail has its error queue).
  [[nodiscard]] Result<std::string> sign_digest(HashAlg alg, std::string_view digest) const;
  // DER SubjectPublicKeyInfo (RSA) or raw 32 bytes (Ed25519): what goes into p=.
  [[nodiscard]] Result<std::string> public_key_for_dns() const;

 private:
  struct Impl;
  explicit PrivateKey(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

class PublicKey {
 public:
  // `der` is the base64-decoded p= value. Errors: bad_input.
  [[nodiscard]] static Result<PublicKey> from_dkim(KeyType type, std::string_view der);
  PublicKey(PublicKey&&) noexcept;
  PublicKey& operator=(PublicKey&&) noexcept;
  ~PublicKey();
  KeyType type() const noexcept;
  int bits() const noexcept;
  // true = the signature matches; false = it does not (including malformed signatures).
  bool verify_digest(HashAlg alg, std::string_view digest, std::string_view signature) const;

 private:
  struct Impl;
  explicit PublicKey(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace cachet::crypto
