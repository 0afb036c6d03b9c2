// SPDX-License-Identifier: BSD-2-Clause
// common/policy/parser.cpp: see parser.hpp.
#include "common/policy/parser.hpp"

#include <cstring>

namespace cachet::policy {

const char* to_string(RequestError error) noexcept {
  switch (error) {
    case RequestError::none: return "none";
    case RequestError::nul_byte: return "NUL byte";
    case RequestError::missing_equals: return "line without '='";
    case RequestError::bad_name: return "bad attribute name";
    case RequestError::line_too_long: return "line too long";
    case RequestError::too_many_attributes: return "too many attributes";
    case RequestError::request_too_large: return "request too large";
    case RequestError::not_access_policy: return "not request=smtpd_access_policy";
  }
  return "unknown";
}

void RequestParser::feed(std::string_view bytes) {
  if (failed()) return;
  buffer_.append(bytes);
}

bool RequestParser::at_request_boundary() const noexcept { return current_.empty() && pos_ == buffer_.size(); }

Result<std::optional<Request>> RequestParser::fail_with(RequestError error) {
  last_error_ = error;
  if (error != RequestError::not_access_policy && sticky_ == RequestError::none) {
    sticky_ = error;
    std::string().swap(buffer_);  // nothing more will be parsed: release the memory
    pos_ = scanned_ = 0;
    current_ = Request();
  }
  return fail(Errc::bad_input, to_string(error));
}

RequestError RequestParser::add_line(std::string_view line) {
  if (line.size() > kMaxLineBytes) return RequestError::line_too_long;
  const auto eq = line.find('=');
  if (eq == std::string_view::npos) return RequestError::missing_equals;
  if (eq == 0) return RequestError::bad_name;
  for (const char c : line.substr(0, eq)) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x21 || u > 0x7e) return RequestError::bad_name;
  }
  if (current_.size() >= kMaxAttributes) return RequestError::too_many_attributes;
  current_.add(line.substr(0, eq), line.substr(eq + 1));
  return RequestError::none;
}

void RequestParser::compact() {
  if (pos_ == 0) return;
  buffer_.erase(0, pos_);
  pos_ = 0;
}

Result<std::optional<Request>> RequestParser::next() {
  if (failed()) return fail_with(sticky_);
  for (;;) {
    const std::string_view rest = std::string_view(buffer_).substr(pos_);
    // Scan only bytes not scanned before, so byte-by-byte feeding stays linear.
    const std::string_view fresh = rest.substr(scanned_);
    const auto lf_in_fresh = fresh.find('\n');
    const std::string_view checked = fresh.substr(0, lf_in_fresh);
    if (std::memchr(checked.data(), '\0', checked.size()) != nullptr) return fail_with(RequestError::nul_byte);
    if (lf_in_fresh == std::string_view::npos) {
      scanned_ = rest.size();
      // A partial line may legitimately end in the CR of a CRLF.
      const bool pending_cr = !rest.empty() && rest.back() == '\r';
      if (rest.size() > kMaxLineBytes + (pending_cr ? 1 : 0)) return fail_with(RequestError::line_too_long);
      // The partial line still needs its LF, hence + 1.
      if (!rest.empty() && request_bytes_ + rest.size() + 1 > kMaxRequestBytes)
        return fail_with(RequestError::request_too_large);
      compact();
      return std::optional<Request>();
    }
    const std::size_t lf = scanned_ + lf_in_fresh;
    std::string_view line = rest.substr(0, lf);
    pos_ += lf + 1;
    scanned_ = 0;
    request_bytes_ += lf + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (request_bytes_ > kMaxRequestBytes) return fail_with(RequestError::request_too_large);
    if (!line.empty()) {
      const RequestError e = add_line(line);
      if (e != RequestError::none) return fail_with(e);
      // The request still needs its blank line: fail now rather than when it arrives.
      if (request_bytes_ + 1 > kMaxRequestBytes) return fail_with(RequestError::request_too_large);
      continue;
    }
    Request done = std::move(current_);
    current_ = Request();
    request_bytes_ = 0;
    if (!done.is_access_policy()) return fail_with(RequestError::not_access_policy);
    last_error_ = RequestError::none;
    return std::optional<Request>(std::move(done));
  }
}

}  // namespace cachet::policy
