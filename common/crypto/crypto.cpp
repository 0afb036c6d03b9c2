// SPDX-License-Identifier: BSD-2-Clause
//
// common/crypto/crypto.cpp: see crypto.hpp. OpenSSL 3 EVP API only.
#include "common/crypto/crypto.hpp"

#include <array>
#include <new>
#include <vector>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "common/base/base64.hpp"
#include "common/base/c_ptr.hpp"
#include "common/base/guarded.hpp"

namespace cachet::crypto {
namespace {

using Pkey = CPtr<EVP_PKEY, &EVP_PKEY_free>;
using PkeyCtx = CPtr<EVP_PKEY_CTX, &EVP_PKEY_CTX_free>;
using MdCtx = CPtr<EVP_MD_CTX, &EVP_MD_CTX_free>;
using Bio = CPtr<BIO, &BIO_free>;

// Fetched once: a legacy EVP_sha256() makes every EVP_DigestInit_ex and
// EVP_PKEY_CTX_set_signature_md look the provider implementation up again (OpenSSL 3
// implicit fetch: a locked method-store search per call). Kept for the process lifetime.
const EVP_MD* md_of(HashAlg alg) {
  static const EVP_MD* const kSha1 = EVP_MD_fetch(nullptr, "SHA1", nullptr);
  static const EVP_MD* const kSha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  const EVP_MD* md = alg == HashAlg::sha1 ? kSha1 : kSha256;
  return md != nullptr ? md : (alg == HashAlg::sha1 ? EVP_sha1() : EVP_sha256());
}

// Ready-to-use RSA EVP_PKEY_CTXs of one key (sign or verify initialised, PKCS#1 v1.5
// padding and the digest set), per hash algorithm. Initialising a context costs provider
// fetches and parameter round trips comparable to a small part of the RSA operation;
// EVP_PKEY_sign/verify leave an initialised context reusable, so contexts are taken from
// here and given back instead. Thread-safe (the lists are Guarded; locked only for the list
// operation).
class RsaCtxPool {
 public:
  enum class Op { sign, verify };
  RsaCtxPool(EVP_PKEY* key, Op op) : key_(key), op_(op) {}

  PkeyCtx take(HashAlg alg) {
    {
      const auto lists = free_.lock();
      auto& free = (*lists)[index(alg)];
      if (!free.empty()) {
        PkeyCtx ctx = std::move(free.back());
        free.pop_back();
        return ctx;
      }
    }
    PkeyCtx ctx(EVP_PKEY_CTX_new(key_, nullptr));
    const bool ok = ctx && (op_ == Op::sign ? EVP_PKEY_sign_init(ctx.get()) : EVP_PKEY_verify_init(ctx.get())) == 1 &&
                    EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING) == 1 &&
                    EVP_PKEY_CTX_set_signature_md(ctx.get(), md_of(alg)) == 1;
    return ok ? std::move(ctx) : PkeyCtx();
  }
  // Only contexts whose last operation succeeded come back (a failed one may hold state).
  void give_back(HashAlg alg, PkeyCtx ctx) {
    const auto lists = free_.lock();
    auto& free = (*lists)[index(alg)];
    if (free.size() < kMaxIdle) free.push_back(std::move(ctx));
  }

 private:
  static constexpr std::size_t kMaxIdle = 64;  // > any thread count we run with
  static std::size_t index(HashAlg alg) { return alg == HashAlg::sha1 ? 0 : 1; }
  EVP_PKEY* key_;  // owned by the key's Impl, which owns the pool too
  Op op_;
  Guarded<std::array<std::vector<PkeyCtx>, 2>> free_;  // idle contexts per index(alg)
};

// Empties the thread's OpenSSL error queue into one line (callers must always drain it,
// or a stale error would be reported by an unrelated later call).
std::string drain_errors() {
  std::string out;
  char buf[256];
  while (const unsigned long e = ERR_get_error()) {
    ERR_error_string_n(e, buf, sizeof buf);
    if (!out.empty()) out += "; ";
    out += buf;
  }
  return out;
}

Unexpected<Error> ssl_fail(Errc code, std::string_view what) {
  std::string detail(what);
  const std::string queue = drain_errors();
  if (!queue.empty()) detail += ": " + queue;
  return fail(code, std::move(detail));
}

KeyType type_of(const EVP_PKEY* k) {
  return EVP_PKEY_get_base_id(k) == EVP_PKEY_ED25519 ? KeyType::ed25519 : KeyType::rsa;
}

// Encrypted PEM keys are refused: without a callback OpenSSL would prompt on the terminal.
int no_password(char* /*buf*/, int /*size*/, int /*rwflag*/, void* /*u*/) { return 0; }

bool is_supported(const EVP_PKEY* k) {
  const int id = EVP_PKEY_get_base_id(k);
  return id == EVP_PKEY_RSA || id == EVP_PKEY_ED25519;
}

}  // namespace

SecretBytes& SecretBytes::operator=(SecretBytes&& other) noexcept {
  if (this != &other) {
    wipe();
    bytes_ = std::move(other.bytes_);
    other.wipe();
  }
  return *this;
}

void SecretBytes::wipe() noexcept {
  if (!bytes_.empty()) OPENSSL_cleanse(bytes_.data(), bytes_.size());
  bytes_.clear();
}

// ---- Hasher ------------------------------------------------------------------------

struct Hasher::Impl {
  MdCtx ctx{EVP_MD_CTX_new()};
  bool started = false;
};

Hasher::Hasher(HashAlg alg) : impl_(std::make_unique<Impl>()), alg_(alg) {}
Hasher::Hasher(Hasher&&) noexcept = default;
Hasher& Hasher::operator=(Hasher&&) noexcept = default;
Hasher::~Hasher() = default;

void Hasher::update(std::string_view data) {
  if (!impl_->started) {
    // Initialising a built-in digest fails only when OpenSSL is out of memory: reported
    // like any allocation failure (caught at the C boundary, STYLE.md s6).
    if (impl_->ctx == nullptr || EVP_DigestInit_ex(impl_->ctx.get(), md_of(alg_), nullptr) != 1) {
      drain_errors();
      throw std::bad_alloc();
    }
    impl_->started = true;
  }
  EVP_DigestUpdate(impl_->ctx.get(), data.data(), data.size());
}

std::string Hasher::finish() {
  if (!impl_->started) update({});
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(impl_->ctx.get(), out, &len);
  impl_->started = false;
  return std::string(reinterpret_cast<char*>(out), len);
}

std::string digest(HashAlg alg, std::string_view data) {
  Hasher h(alg);
  h.update(data);
  return h.finish();
}

// ---- PrivateKey --------------------------------------------------------------------

struct PrivateKey::Impl {
  explicit Impl(Pkey k) : key(std::move(k)) {
    if (EVP_PKEY_get_base_id(key.get()) == EVP_PKEY_RSA)
      rsa = std::make_unique<RsaCtxPool>(key.get(), RsaCtxPool::Op::sign);
  }
  Pkey key;
  std::unique_ptr<RsaCtxPool> rsa;  // RSA keys only
};

PrivateKey::PrivateKey(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
PrivateKey::PrivateKey(PrivateKey&&) noexcept = default;
PrivateKey& PrivateKey::operator=(PrivateKey&&) noexcept = default;
PrivateKey::~PrivateKey() = default;

Result<PrivateKey> PrivateKey::load(const SecretBytes& text) {
  if (text.size() > kMaxKeyTextBytes) return fail(Errc::bad_input, "key text too large");
  Pkey key;
  if (text.view().find("-----BEGIN") != std::string_view::npos) {
    Bio bio(BIO_new_mem_buf(text.view().data(), static_cast<int>(text.size())));
    if (!bio) return ssl_fail(Errc::internal, "BIO_new_mem_buf");
    key.reset(PEM_read_bio_PrivateKey(bio.get(), nullptr, &no_password, nullptr));
    if (!key) return ssl_fail(Errc::bad_input, "cannot parse PEM private key");
  } else {
    // dkimpy / RFC 8463 A.1 form: base64 of the raw 32-byte Ed25519 seed.
    std::string stripped = strip_whitespace(text.view());
    auto seed = base64_decode(stripped);
    OPENSSL_cleanse(stripped.data(), stripped.size());
    if (!seed || seed->size() != 32) {
      if (seed) OPENSSL_cleanse(seed->data(), seed->size());
      return fail(Errc::bad_input, "key is neither PEM nor a base64 Ed25519 seed");
    }
    const SecretBytes raw(*seed);
    OPENSSL_cleanse(seed->data(), seed->size());
    key.reset(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr,
                                           reinterpret_cast<const unsigned char*>(raw.view().data()), raw.size()));
    if (!key) return ssl_fail(Errc::bad_input, "cannot load Ed25519 seed");
  }
  if (!is_supported(key.get())) {
    drain_errors();
    return fail(Errc::bad_input, "private key is neither RSA nor Ed25519");
  }
  return PrivateKey(std::make_unique<Impl>(std::move(key)));
}

Result<PrivateKey> PrivateKey::generate(KeyType type, int bits) {
  Pkey key(type == KeyType::ed25519 ? EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519")
                                    : EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(bits)));
  if (!key) return ssl_fail(Errc::internal, "key generation failed");
  return PrivateKey(std::make_unique<Impl>(std::move(key)));
}

Result<SecretBytes> PrivateKey::to_pem() const {
  Bio bio(BIO_new(BIO_s_secmem()));
  if (!bio || PEM_write_bio_PKCS8PrivateKey(bio.get(), impl_->key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return ssl_fail(Errc::internal, "cannot write PEM");
  }
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio.get(), &data);
  return SecretBytes(std::string_view(data, static_cast<std::size_t>(len)));
}

KeyType PrivateKey::type() const noexcept { return type_of(impl_->key.get()); }
int PrivateKey::bits() const noexcept { return EVP_PKEY_get_bits(impl_->key.get()); }
std::size_t PrivateKey::signature_size() const noexcept {
  return static_cast<std::size_t>(EVP_PKEY_get_size(impl_->key.get()));
}

Result<std::string> PrivateKey::sign_digest(HashAlg alg, std::string_view digest) const {
  EVP_PKEY* k = impl_->key.get();
  std::string sig(static_cast<std::size_t>(EVP_PKEY_get_size(k)), '\0');
  std::size_t len = sig.size();
  const auto* in = reinterpret_cast<const unsigned char*>(digest.data());
  auto* out = reinterpret_cast<unsigned char*>(sig.data());
  if (type() == KeyType::ed25519) {
    MdCtx md(EVP_MD_CTX_new());
    if (!md || EVP_DigestSignInit(md.get(), nullptr, nullptr, nullptr, k) != 1 ||
        EVP_DigestSign(md.get(), out, &len, in, digest.size()) != 1) {
      return ssl_fail(Errc::internal, "Ed25519 signing failed");
    }
  } else {
    PkeyCtx ctx = impl_->rsa->take(alg);
    if (!ctx || EVP_PKEY_sign(ctx.get(), out, &len, in, digest.size()) != 1) {
      return ssl_fail(Errc::internal, "RSA signing failed");
    }
    impl_->rsa->give_back(alg, std::move(ctx));
  }
  sig.resize(len);
  return sig;
}

Result<std::string> PrivateKey::public_key_for_dns() const {
  EVP_PKEY* k = impl_->key.get();
  if (type() == KeyType::ed25519) {
    std::string raw(kEd25519PublicKeyBytes, '\0');
    std::size_t len = raw.size();
    if (EVP_PKEY_get_raw_public_key(k, reinterpret_cast<unsigned char*>(raw.data()), &len) != 1) {
      return ssl_fail(Errc::internal, "EVP_PKEY_get_raw_public_key");
    }
    raw.resize(len);
    return raw;
  }
  const int len = i2d_PUBKEY(k, nullptr);
  if (len <= 0) return ssl_fail(Errc::internal, "i2d_PUBKEY");
  std::string der(static_cast<std::size_t>(len), '\0');
  auto* p = reinterpret_cast<unsigned char*>(der.data());
  if (i2d_PUBKEY(k, &p) != len) return ssl_fail(Errc::internal, "i2d_PUBKEY");
  return der;
}

// ---- PublicKey ---------------------------------------------------------------------

struct PublicKey::Impl {
  explicit Impl(Pkey k) : key(std::move(k)) {
    if (EVP_PKEY_get_base_id(key.get()) == EVP_PKEY_RSA)
      rsa = std::make_unique<RsaCtxPool>(key.get(), RsaCtxPool::Op::verify);
  }
  Pkey key;
  std::unique_ptr<RsaCtxPool> rsa;  // RSA keys only
};

PublicKey::PublicKey(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
PublicKey::PublicKey(PublicKey&&) noexcept = default;
PublicKey& PublicKey::operator=(PublicKey&&) noexcept = default;
PublicKey::~PublicKey() = default;

Result<PublicKey> PublicKey::from_dkim(KeyType type, std::string_view der) {
  if (der.size() > kMaxKeyTextBytes) return fail(Errc::bad_input, "public key too large");
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  Pkey key;
  if (type == KeyType::ed25519) {
    // RFC 8463 s4: p= is the raw 32-byte key, not a SubjectPublicKeyInfo.
    if (der.size() != kEd25519PublicKeyBytes) {
      return fail(Errc::bad_input, "Ed25519 key is not 32 bytes");
    }
    key.reset(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, p, der.size()));
    if (!key) return ssl_fail(Errc::bad_input, "cannot load Ed25519 key");
  } else {
    const unsigned char* q = p;
    key.reset(d2i_PUBKEY(nullptr, &q, static_cast<long>(der.size())));
    if (!key || q != p + der.size()) {
      // Some signers publish a bare PKCS#1 RSAPublicKey; RFC 6376 wants SPKI, but the
      // key is unambiguous, so accept it (dkimpy does too).
      drain_errors();
      q = p;
      key.reset(d2i_PublicKey(EVP_PKEY_RSA, nullptr, &q, static_cast<long>(der.size())));
      if (!key || q != p + der.size()) return ssl_fail(Errc::bad_input, "cannot parse RSA key");
    }
    if (EVP_PKEY_get_base_id(key.get()) != EVP_PKEY_RSA) {
      drain_errors();
      return fail(Errc::bad_input, "k=rsa but p= holds another key type");
    }
  }
  return PublicKey(std::make_unique<Impl>(std::move(key)));
}

KeyType PublicKey::type() const noexcept { return type_of(impl_->key.get()); }
int PublicKey::bits() const noexcept { return EVP_PKEY_get_bits(impl_->key.get()); }

bool PublicKey::verify_digest(HashAlg alg, std::string_view digest, std::string_view signature) const {
  EVP_PKEY* k = impl_->key.get();
  const auto* in = reinterpret_cast<const unsigned char*>(digest.data());
  const auto* sig = reinterpret_cast<const unsigned char*>(signature.data());
  bool ok = false;
  if (type() == KeyType::ed25519) {
    MdCtx md(EVP_MD_CTX_new());
    ok = md && EVP_DigestVerifyInit(md.get(), nullptr, nullptr, nullptr, k) == 1 &&
         EVP_DigestVerify(md.get(), sig, signature.size(), in, digest.size()) == 1;
  } else {
    PkeyCtx ctx = impl_->rsa->take(alg);
    ok = ctx && EVP_PKEY_verify(ctx.get(), sig, signature.size(), in, digest.size()) == 1;
    // A mismatch is an ordinary outcome that leaves the context as it was: reusable.
    if (ctx) impl_->rsa->give_back(alg, std::move(ctx));
  }
  drain_errors();  // a mismatch leaves entries in the queue
  return ok;
}

}  // namespace cachet::crypto
