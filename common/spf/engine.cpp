// SPDX-License-Identifier: BSD-2-Clause
//
// common/spf/engine.cpp: one check_host() evaluation = one SPF_request_t/SPF_response_t on
// the engine's SPF_server_t, with DnsLayer counters reset. We call
// SPF_server_get_record() + SPF_record_interpret() ourselves rather than
// SPF_request_query_mailfrom(), which gives loopback clients an unconditional pass.
#include "common/spf/engine.hpp"

#include <arpa/inet.h>
// libspf2 1.2.10 headers lack extern "C" guards.
extern "C" {
#include <spf2/spf.h>
}

#include <algorithm>
#include <cstring>
#include <ctime>

#include "common/base/c_ptr.hpp"
#include "common/base/strings.hpp"
#include "common/spf/dns_layer.hpp"
#include "common/spf/macro.hpp"

namespace cachet::spf {
namespace {

using SpfServer = CPtr<SPF_server_t, &SPF_server_free>;
using SpfRequest = CPtr<SPF_request_t, &SPF_request_free>;
using SpfResponse = CPtr<SPF_response_t, &SPF_response_free>;
using SpfRecord = CPtr<SPF_record_t, &SPF_record_free>;

// Lookup limits live in DnsLayer; libspf2's own per-response counter (reset inside every
// include) must never trigger first.
constexpr int kLibspf2MechCeiling = 1000;

struct ClientAddr {
  bool is_v6 = false;
  std::uint8_t bytes[16] = {};
};

// Parses the client address; an IPv4-mapped IPv6 address (::ffff:a.b.c.d) becomes IPv4
// (RFC 7208 s5.6: ip4 mechanisms must match it).
bool parse_client(std::string_view ip, ClientAddr* out) {
  if (ip.empty() || ip.size() > INET6_ADDRSTRLEN) return false;
  const std::string z(ip);
  if (inet_pton(AF_INET, z.c_str(), out->bytes) == 1) return true;
  std::uint8_t b6[16];
  if (inet_pton(AF_INET6, z.c_str(), b6) != 1) return false;
  static constexpr std::uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (std::memcmp(b6, kMapped, sizeof kMapped) == 0) {
    std::memcpy(out->bytes, b6 + 12, 4);
    return true;
  }
  out->is_v6 = true;
  std::memcpy(out->bytes, b6, 16);
  return true;
}

bool has_dns_error(SPF_response_t* resp) {
  if (resp->err == SPF_E_DNS_ERROR) return true;
  for (int i = 0; i < SPF_response_messages(resp); ++i) {
    if (SPF_error_code(SPF_response_message(resp, i)) == SPF_E_DNS_ERROR) return true;
  }
  return false;
}

std::string first_error(SPF_response_t* resp) {
  for (int i = 0; i < SPF_response_messages(resp); ++i) {
    SPF_error_t* e = SPF_response_message(resp, i);
    if (SPF_error_errorp(e) && SPF_error_message(e) != nullptr) return SPF_error_message(e);
  }
  return SPF_strerror(resp->err);
}

std::string str_or_empty(const char* s) { return s == nullptr ? std::string{} : s; }

// libspf2's default explanation is set to this marker, so that after an evaluation we can
// tell "an exp= record was used" from "the default applies" (see explain()).
constexpr const char* kDefaultMarker = "cachet-default-explanation";

// %{i}: dotted quad, or the 32 nibbles of an IPv6 address separated by dots (s7.3).
// Nibbles are upper case as in pyspf and the openspf suite (v-macro-ip6); DNS names are
// case-insensitive, so the RFC's lower-case example is the same name.
std::string dotted_ip(const ClientAddr& a) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  if (!a.is_v6) {
    for (int i = 0; i < 4; ++i) out += (i ? "." : "") + std::to_string(a.bytes[i]);
    return out;
  }
  for (int i = 0; i < 16; ++i) {
    if (i) out += '.';
    out += kHex[a.bytes[i] >> 4];
    out += '.';
    out += kHex[a.bytes[i] & 0x0f];
  }
  return out;
}

std::string printable_ip(const ClientAddr& a) {
  char buf[INET6_ADDRSTRLEN] = {};
  inet_ntop(a.is_v6 ? AF_INET6 : AF_INET, a.bytes, buf, sizeof buf);
  return buf;
}

std::string reverse_name(const ClientAddr& a) {
  if (!a.is_v6) {
    return std::to_string(a.bytes[3]) + "." + std::to_string(a.bytes[2]) + "." + std::to_string(a.bytes[1]) + "." +
           std::to_string(a.bytes[0]) + ".in-addr.arpa";
  }
  std::string d = dotted_ip(a);
  std::reverse(d.begin(), d.end());
  return d + ".ip6.arpa";
}

bool is_subdomain(std::string_view name, std::string_view domain) {
  if (name.size() < domain.size()) return false;
  if (!iequals(name.substr(name.size() - domain.size()), domain)) return false;
  return name.size() == domain.size() || name[name.size() - domain.size() - 1] == '.';
}

// %{p} (RFC 7208 s7.3): a PTR name of the client whose address records include the
// client, preferring <domain> or a subdomain of it; "unknown" when none validates. Names
// are compared and returned as dotted text, like <domain> (prefetch.hpp).
std::string validated_ptr(dns::Resolver& r, const ClientAddr& a, std::string_view domain) {
  const dns::Answer ptr = r.query(reverse_name(a), dns::RrType::ptr);
  const std::string ip = printable_ip(a);
  std::string first;
  std::size_t checked = 0;
  for (const dns::Record& p : ptr.records) {
    if (++checked > 10) break;
    std::string name = p.value;
    if (!to_dotted_name(name)) continue;
    const dns::Answer addrs = r.query(p.value, a.is_v6 ? dns::RrType::aaaa : dns::RrType::a);
    bool ok = false;
    for (const dns::Record& x : addrs.records) {
      ClientAddr y;
      if (parse_client(x.value, &y) && y.is_v6 == a.is_v6 && std::memcmp(y.bytes, a.bytes, a.is_v6 ? 16 : 4) == 0) {
        ok = true;
      }
    }
    if (!ok) continue;
    if (is_subdomain(name, domain)) return name;
    if (first.empty()) first = std::move(name);
  }
  return first.empty() ? "unknown" : first;
}

}  // namespace

const char* to_string(Verdict v) noexcept {
  switch (v) {
    case Verdict::none: return "none";
    case Verdict::neutral: return "neutral";
    case Verdict::pass: return "pass";
    case Verdict::fail: return "fail";
    case Verdict::softfail: return "softfail";
    case Verdict::temperror: return "temperror";
    case Verdict::permerror: return "permerror";
  }
  return "temperror";
}

Verdict map_libspf2_result(int spf_result, bool dns_error) noexcept {
  switch (spf_result) {
    case SPF_RESULT_NEUTRAL: return Verdict::neutral;
    case SPF_RESULT_PASS: return Verdict::pass;
    case SPF_RESULT_FAIL: return Verdict::fail;
    case SPF_RESULT_SOFTFAIL: return Verdict::softfail;
    case SPF_RESULT_NONE: return Verdict::none;
    case SPF_RESULT_TEMPERROR: return Verdict::temperror;
    case SPF_RESULT_PERMERROR: return Verdict::permerror;
    default:  // SPF_RESULT_INVALID or anything unknown: never a pass
      return dns_error ? Verdict::temperror : Verdict::permerror;
  }
}

bool is_checkable_domain(std::string_view d) noexcept {
  if (!d.empty() && d.back() == '.') d.remove_suffix(1);
  if (d.empty() || d.size() > 253 || d.front() == '[') return false;
  std::size_t labels = 0;
  std::size_t start = 0;
  while (start <= d.size()) {
    std::size_t dot = d.find('.', start);
    if (dot == std::string_view::npos) dot = d.size();
    const std::size_t len = dot - start;
    if (len == 0 || len > 63) return false;
    ++labels;
    start = dot + 1;
  }
  return labels >= 2;
}

struct SpfEngine::Impl {
  Impl(dns::Resolver& r, Options o)
      : options(std::move(o)),
        layer(r, EvalLimits{std::max(1, options.lookup_limit), std::max(0, options.void_limit),
                            std::max(options.time_limit, std::chrono::milliseconds(1))}) {}
  Options options;
  DnsLayer layer;
  SpfServer server;
};

SpfEngine::SpfEngine(dns::Resolver& resolver, Options options)
    : impl_(std::make_unique<Impl>(resolver, std::move(options))) {
  impl_->server.reset(SPF_server_new_dns(impl_->layer.c_layer(), 0));
  if (!impl_->server) return;  // check_host reports Errc::internal
  SPF_server_t* s = impl_->server.get();
  SPF_server_set_rec_dom(s, impl_->options.receiver.c_str());
  SPF_server_set_max_dns_mech(s, kLibspf2MechCeiling);
  SPF_server_set_max_dns_mx(s, 10);
  SPF_server_set_max_dns_ptr(s, 10);
  SPF_response_t* raw = nullptr;
  SPF_server_set_explanation(s, kDefaultMarker, &raw);
  SpfResponse guard(raw);
}

// The explanation for a fail (RFC 7208 s6.2): the exp= text libspf2 chose, expanded by
// us; the configured default when there is none or it does not expand.
std::string SpfEngine::explain(const void* request_ptr, const void* response_ptr, const ClientAddrView& client) {
  const auto* req = static_cast<const SPF_request_t*>(request_ptr);
  const auto* resp = static_cast<const SPF_response_t*>(response_ptr);
  const EvalState& st = impl_->layer.state();
  const bool use_exp =
      st.exp_found && resp->explanation != nullptr && std::strcmp(resp->explanation, kDefaultMarker) != 0;
  const std::string& text = use_exp ? st.exp_text : impl_->options.default_explanation;
  if (text.empty()) return {};
  ClientAddr a;
  a.is_v6 = client.is_v6;
  std::memcpy(a.bytes, client.bytes, 16);
  const std::string domain = use_exp ? st.exp_domain : str_or_empty(req->cur_dom);
  const std::string ip_dotted = dotted_ip(a);
  const std::string ip = printable_ip(a);
  const std::string ptr =
      uses_ptr_macro(text) ? validated_ptr(impl_->layer.resolver(), a, domain) : std::string("unknown");
  const std::string now = std::to_string(static_cast<long long>(std::time(nullptr)));
  MacroContext m;
  const std::string sender = str_or_empty(req->env_from);
  m.sender = sender;
  const std::string lp = str_or_empty(req->env_from_lp);
  const std::string dp = str_or_empty(req->env_from_dp);
  const std::string helo = str_or_empty(req->helo_dom);
  m.local_part = lp;
  m.sender_domain = dp;
  m.domain = domain;
  m.ip_dotted = ip_dotted;
  m.ptr_name = ptr;
  m.ip_version = a.is_v6 ? "ip6" : "in-addr";
  m.helo = helo;
  m.client_ip = ip;
  m.receiver = impl_->options.receiver;
  m.timestamp = now;
  auto r = expand_macros(text, m, true);
  if (r) return std::move(r).value();
  if (use_exp && !impl_->options.default_explanation.empty()) {
    auto d = expand_macros(impl_->options.default_explanation, m, true);
    if (d) return std::move(d).value();
  }
  return {};
}

SpfEngine::~SpfEngine() = default;

Result<SpfResult> SpfEngine::check_host(std::string_view ip, std::string_view domain, std::string_view sender,
                                        std::string_view helo) {
  ClientAddr client;
  if (!parse_client(ip, &client)) return fail(Errc::bad_input, "invalid client address");
  if (domain.empty()) return fail(Errc::bad_input, "empty domain");
  SpfResult out;
  // RFC 7208 s4.3: a malformed or single-label domain is "none" without any lookup.
  if (!is_checkable_domain(domain)) {
    out.verdict = Verdict::none;
    out.problem = "not a checkable domain name";
    return out;
  }
  if (!impl_->server) return fail(Errc::internal, "libspf2 server allocation failed");
  SpfRequest req(SPF_request_new(impl_->server.get()));
  if (!req) return fail(Errc::internal, "libspf2 request allocation failed");
  if (client.is_v6) {
    in6_addr a6;
    std::memcpy(&a6, client.bytes, 16);
    SPF_request_set_ipv6(req.get(), a6);
  } else {
    in_addr a4;
    std::memcpy(&a4, client.bytes, 4);
    SPF_request_set_ipv4(req.get(), a4);
  }
  const std::string domain_z(domain);
  const std::string helo_z(helo.empty() ? domain : helo);
  const std::string sender_z = sender.empty() ? "postmaster@" + domain_z : std::string(sender);
  if (SPF_request_set_env_from(req.get(), sender_z.c_str()) != 0 ||
      SPF_request_set_helo_dom(req.get(), helo_z.c_str()) != SPF_E_SUCCESS) {
    return fail(Errc::internal, "libspf2 request setup failed");
  }
  req->cur_dom = domain_z.c_str();  // check_host()'s <domain>; outlives the evaluation

  DnsLayer& layer = impl_->layer;
  layer.begin(client.is_v6, client.bytes, req.get());
  SpfResponse resp(SPF_response_new(req.get()));
  if (!resp) return fail(Errc::internal, "libspf2 response allocation failed");
  SPF_record_t* compiled = nullptr;  // out-parameter: owned by `record` on the next line
  const SPF_errcode_t got = SPF_server_get_record(impl_->server.get(), req.get(), resp.get(), &compiled);
  const SpfRecord record(compiled);  // freed on every path, also when got is an error
  if (got == SPF_E_SUCCESS) {
    resp->spf_record_exp = record.get();
    SPF_record_interpret(record.get(), req.get(), resp.get(), 0);
    resp->spf_record_exp = nullptr;
  }

  const EvalState& st = layer.state();
  out.verdict =
      map_libspf2_result(SPF_response_result(resp.get()), st.temporary_dns_error || has_dns_error(resp.get()));
  // Our layer's verdicts win over what libspf2 made of the TRY_AGAIN we fed it.
  if (st.lookup_limit_hit || st.void_limit_hit) {
    out.verdict = Verdict::permerror;
    SPF_i_done(resp.get(), SPF_RESULT_PERMERROR, SPF_REASON_NONE, SPF_E_BIG_DNS);
  } else if (st.timed_out) {
    out.verdict = Verdict::temperror;
    SPF_i_done(resp.get(), SPF_RESULT_TEMPERROR, SPF_REASON_NONE, SPF_E_DNS_ERROR);
  } else if (SPF_response_result(resp.get()) == SPF_RESULT_INVALID ||
             (st.record_invalid && out.verdict == Verdict::permerror)) {
    SPF_i_done(resp.get(), out.verdict == Verdict::temperror ? SPF_RESULT_TEMPERROR : SPF_RESULT_PERMERROR,
               SPF_REASON_NONE, resp->err);
  }
  if (out.verdict == Verdict::fail) {
    out.explanation = explain(req.get(), resp.get(), ClientAddrView{client.is_v6, client.bytes});
  }
  if (out.verdict == Verdict::permerror || out.verdict == Verdict::temperror) {
    out.problem = st.problem.empty() ? first_error(resp.get()) : st.problem;
  }
  out.header_comment = str_or_empty(resp->header_comment);
  out.received_spf = str_or_empty(resp->received_spf_value);
  out.dns_terms = st.dns_terms;
  out.void_lookups = st.void_lookups;
  return out;
}

SpfResult SpfEngine::check_helo(std::string_view ip, std::string_view helo) {
  auto r = check_host(ip, helo, {}, helo);
  if (r) return std::move(r).value();
  SpfResult out;
  out.verdict = r.error().code == Errc::bad_input ? Verdict::permerror : Verdict::temperror;
  out.problem = r.error().detail;
  return out;
}

SpfResult SpfEngine::check_mailfrom(std::string_view ip, std::string_view sender, std::string_view helo) {
  std::string_view domain = helo;
  if (!sender.empty()) {
    const std::size_t at = sender.rfind('@');
    domain = at == std::string_view::npos ? sender : sender.substr(at + 1);
  }
  auto r = check_host(ip, domain, sender, helo);
  if (r) return std::move(r).value();
  SpfResult out;
  out.verdict = r.error().code == Errc::bad_input ? Verdict::permerror : Verdict::temperror;
  out.problem = r.error().detail;
  return out;
}

}  // namespace cachet::spf
