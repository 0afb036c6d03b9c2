// SPDX-License-Identifier: BSD-2-Clause
//
// common/base/result.hpp: the error type of the whole suite and Result<T>, a value or an
// Error, with std::expected's member names so that moving to C++23 is a rename.
// Header-only; any thread. Accessing the wrong alternative is a bug and aborts (assert).
// See also: STYLE.md s6 (error classes).
#pragma once

#include <cassert>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>

namespace cachet {

// temporary: may work later (DNS timeout, SERVFAIL, socket error). permanent: won't
// (NXDOMAIN, syntax the RFC calls invalid). bad_input: the peer sent garbage.
// config: operator mistake. internal: our bug.
enum class Errc { temporary, permanent, bad_input, config, internal };

const char* to_string(Errc code) noexcept;

struct Error {
  Errc code;
  std::string detail;
};

// Wraps an Error so that Result<T> can be built from it unambiguously.
template <class E = Error>
class Unexpected {
 public:
  explicit Unexpected(E e) : error_(std::move(e)) {}
  const E& error() const& { return error_; }
  E&& error() && { return std::move(error_); }

 private:
  E error_;
};

inline Unexpected<Error> fail(Errc code, std::string detail) {
  return Unexpected<Error>(Error{code, std::move(detail)});
}

template <class T>
class [[nodiscard]] Result {
 public:
  // NOLINTNEXTLINE(readability-identifier-naming): std::expected's name
  using value_type = T;
  Result(const T& v) : v_(std::in_place_index<0>, v) {}        // NOLINT: implicit as expected
  Result(T&& v) : v_(std::in_place_index<0>, std::move(v)) {}  // NOLINT
  template <class U,
            class = std::enable_if_t<std::is_constructible_v<T, U&&> && !std::is_same_v<std::decay_t<U>, Result> &&
                                     !std::is_same_v<std::decay_t<U>, Unexpected<Error>>>>
  Result(U&& v) : v_(std::in_place_index<0>, T(std::forward<U>(v))) {}               // NOLINT
  Result(Unexpected<Error> e) : v_(std::in_place_index<1>, std::move(e).error()) {}  // NOLINT

  bool has_value() const noexcept { return v_.index() == 0; }
  explicit operator bool() const noexcept { return has_value(); }

  T& value() & {
    assert(has_value());
    return std::get<0>(v_);
  }
  const T& value() const& {
    assert(has_value());
    return std::get<0>(v_);
  }
  T&& value() && {
    assert(has_value());
    return std::get<0>(std::move(v_));
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const& {
    assert(!has_value());
    return std::get<1>(v_);
  }
  Error&& error() && {
    assert(!has_value());
    return std::get<1>(std::move(v_));
  }

  template <class U>
  T value_or(U&& fallback) const& {
    return has_value() ? value() : static_cast<T>(std::forward<U>(fallback));
  }

 private:
  std::variant<T, Error> v_;
};

// Result<void>: success or an Error.
template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Unexpected<Error> e) : error_(std::move(e).error()), ok_(false) {}  // NOLINT
  bool has_value() const noexcept { return ok_; }
  explicit operator bool() const noexcept { return ok_; }
  void value() const { assert(ok_); }
  const Error& error() const& {
    assert(!ok_);
    return error_;
  }

 private:
  Error error_{Errc::internal, {}};
  bool ok_ = true;
};

}  // namespace cachet
