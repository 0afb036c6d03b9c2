// SPDX-License-Identifier: BSD-2-Clause
//
// common/policy/request.hpp: one Postfix policy delegation request (SMTPD_POLICY_README):
// an ordered list of name=value attributes with typed accessors for the attributes smtpd
// sends, and the wire writer used by clients (format_request).
// A Request owns its bytes (one string plus offsets, so copies and moves stay valid).
// Repeated names: the LAST occurrence wins (as policyd-spf's dict does); every occurrence
// is still visible through at(). Unknown attributes are kept and ignored by the accessors.
// Absent attributes read as an empty string (Postfix itself sends "name=" for unknown
// values). Not thread-safe for mutation; const access from any thread.
// See also: parser.hpp (builds Requests from bytes), reply.hpp (the answer).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/result.hpp"

namespace cachet::policy {

// The only request type Postfix sends (`request=smtpd_access_policy`).
inline constexpr std::string_view kAccessPolicyRequest = "smtpd_access_policy";

// SMTP stage at which smtpd asked (attribute protocol_state). DATA also covers BDAT.
enum class ProtocolState { connect, ehlo, helo, mail, rcpt, data, end_of_message, vrfy, etrn, unknown };

const char* to_string(ProtocolState state) noexcept;
// Maps the wire word (case-insensitive, e.g. "END-OF-MESSAGE") to the enum; unknown otherwise.
ProtocolState parse_protocol_state(std::string_view word) noexcept;

// A view of one attribute; valid while its Request (or source strings) lives.
struct Attribute {
  std::string_view name;
  std::string_view value;
};

class Request {
 public:
  Request() = default;
  // For tests and clients: a request holding exactly these attributes, in order.
  Request(std::initializer_list<Attribute> attributes);

  // Appends one attribute. Does not validate: the parser validates wire input, and
  // format_request() validates before anything goes on the wire.
  void add(std::string_view name, std::string_view value);

  std::size_t size() const noexcept { return spans_.size(); }
  bool empty() const noexcept { return spans_.empty(); }
  Attribute at(std::size_t i) const noexcept;
  // Bytes the attributes would take on the wire ("name=value\n" each).
  std::size_t wire_size() const noexcept;

  // The value of the last attribute called `name` (case-sensitive, as Postfix sends
  // lower-case names), or nullopt when absent.
  std::optional<std::string_view> find(std::string_view name) const noexcept;
  // Same, but "" when absent.
  std::string_view get(std::string_view name) const noexcept { return find(name).value_or(""); }
  bool has(std::string_view name) const noexcept { return find(name).has_value(); }

  // True when request=smtpd_access_policy (the only type a policy server must answer).
  bool is_access_policy() const noexcept { return get("request") == kAccessPolicyRequest; }

  // Typed accessors for what smtpd sends (Postfix version that added it in brackets).
  std::string_view request_type() const noexcept { return get("request"); }
  std::string_view protocol_state() const noexcept { return get("protocol_state"); }
  ProtocolState state() const noexcept { return parse_protocol_state(protocol_state()); }
  std::string_view protocol_name() const noexcept { return get("protocol_name"); }
  std::string_view helo_name() const noexcept { return get("helo_name"); }
  std::string_view queue_id() const noexcept { return get("queue_id"); }
  std::string_view sender() const noexcept { return get("sender"); }  // "" = null sender
  std::string_view recipient() const noexcept { return get("recipient"); }
  std::string_view client_address() const noexcept { return get("client_address"); }
  std::string_view client_name() const noexcept { return get("client_name"); }
  std::string_view reverse_client_name() const noexcept { return get("reverse_client_name"); }
  std::string_view instance() const noexcept { return get("instance"); }
  std::string_view sasl_method() const noexcept { return get("sasl_method"); }      // [2.2]
  std::string_view sasl_username() const noexcept { return get("sasl_username"); }  // [2.2]
  std::string_view sasl_sender() const noexcept { return get("sasl_sender"); }      // [2.2]
  std::string_view ccert_subject() const noexcept { return get("ccert_subject"); }  // xtext
  std::string_view ccert_issuer() const noexcept { return get("ccert_issuer"); }    // xtext
  std::string_view ccert_fingerprint() const noexcept { return get("ccert_fingerprint"); }
  std::string_view encryption_protocol() const noexcept { return get("encryption_protocol"); }
  std::string_view encryption_cipher() const noexcept { return get("encryption_cipher"); }
  std::string_view etrn_domain() const noexcept { return get("etrn_domain"); }        // [2.3]
  std::string_view stress() const noexcept { return get("stress"); }                  // [2.5]
  std::string_view policy_context() const noexcept { return get("policy_context"); }  // [3.1]
  std::string_view server_address() const noexcept { return get("server_address"); }  // [3.2]
  std::string_view mail_version() const noexcept { return get("mail_version"); }      // [3.8]
  std::string_view tls_sni() const noexcept { return get("tls_sni"); }                // [3.12]
  // Numbers: nullopt when absent, empty or not a decimal number (Postfix sends 0 for
  // "unknown"; callers decide whether 0 means anything).
  std::optional<std::uint64_t> recipient_count() const noexcept { return number("recipient_count"); }
  // The `size` attribute (MAIL FROM SIZE=, or the queue file size at END-OF-MESSAGE).
  std::optional<std::uint64_t> message_size() const noexcept { return number("size"); }
  std::optional<std::uint64_t> encryption_keysize() const noexcept { return number("encryption_keysize"); }
  std::optional<std::uint64_t> client_port() const noexcept { return number("client_port"); }
  std::optional<std::uint64_t> server_port() const noexcept { return number("server_port"); }
  std::optional<std::uint64_t> number(std::string_view name) const noexcept;

  // True when `stress=yes` (smtpd is overloaded; Postfix 2.5+).
  bool is_stressed() const noexcept { return stress() == "yes"; }

 private:
  struct Span {
    std::uint32_t name_off, name_len, value_off, value_len;
  };
  std::string text_;
  std::vector<Span> spans_;
};

// Appends the wire form ("name=value\n"... then "\n") of `attributes` to `out`.
// Errors (Errc::bad_input): an empty name, a name containing '=', or a name or value
// containing LF, CR or NUL (they would break the framing). `out` is unchanged on error.
[[nodiscard]] Result<void> append_request(std::string& out, std::span<const Attribute> attributes);
[[nodiscard]] Result<void> append_request(std::string& out, const Request& request);

}  // namespace cachet::policy
