// SPDX-License-Identifier: BSD-2-Clause
//
// common/spf/dns_layer.cpp: the C trampolines libspf2 calls (lookup, get_spf) and the
// conversion of dns::Answer into SPF_dns_rr_t. Every trampoline is noexcept: an exception
// (bad_alloc) becomes TRY_AGAIN, which the engine reports as temperror, never a pass.
#include "common/spf/dns_layer.hpp"

#include <arpa/inet.h>
// libspf2 1.2.10 headers lack extern "C" guards.
extern "C" {
#include <spf2/spf.h>
#include <spf2/spf_dns.h>
}

#include <cstring>
#include <optional>
#include <utility>

#include "common/base/strings.hpp"
#include "common/dns/name.hpp"
#include "common/spf/prefetch.hpp"
#include "common/spf/record.hpp"

namespace cachet::spf {
namespace {

DnsLayer& layer_of(SPF_dns_server_t* s) { return *static_cast<DnsLayer*>(s->hook); }

SPF_dns_rr_t* new_rr(SPF_dns_server_t* s, const char* domain, ns_type type, int herrno) {
  return SPF_dns_rr_new_init(s, domain, type, 0, herrno);
}

int herrno_of(dns::Status st) {
  switch (st) {
    case dns::Status::answer: return NETDB_SUCCESS;
    case dns::Status::nodata: return NO_DATA;
    case dns::Status::nxdomain: return HOST_NOT_FOUND;
    case dns::Status::servfail:
    case dns::Status::timeout: return TRY_AGAIN;
  }
  return TRY_AGAIN;
}

bool ends_with_zero_suffix(std::string_view name) {
  return name.size() > kCidrZeroSuffix.size() &&
         iequals(name.substr(name.size() - kCidrZeroSuffix.size()), kCidrZeroSuffix);
}

// Copies the answer's records into a libspf2 RR set; false on allocation failure.
bool fill_rr(SPF_dns_rr_t* rr, ns_type type, const std::vector<dns::Record>& records) {
  int n = 0;
  for (const dns::Record& r : records) {
    const bool is_addr = type == ns_t_a || type == ns_t_aaaa;
    const std::size_t len = is_addr ? sizeof(struct in6_addr) : r.value.size() + 1;
    if (SPF_dns_rr_buf_realloc(rr, n, len) != SPF_E_SUCCESS) return false;
    SPF_dns_rr_data_t* d = rr->rr[n];
    if (type == ns_t_a) {
      if (inet_pton(AF_INET, r.value.c_str(), &d->a) != 1) continue;
    } else if (type == ns_t_aaaa) {
      if (inet_pton(AF_INET6, r.value.c_str(), &d->aaaa) != 1) continue;
    } else {
      std::memcpy(d->txt, r.value.c_str(), r.value.size() + 1);
    }
    ++n;
  }
  rr->num_rr = n;
  return true;
}

dns::RrType rr_type_of(ns_type t) {
  switch (t) {
    case ns_t_a: return dns::RrType::a;
    case ns_t_aaaa: return dns::RrType::aaaa;
    case ns_t_mx: return dns::RrType::mx;
    case ns_t_ptr: return dns::RrType::ptr;
    case ns_t_txt: return dns::RrType::txt;
    default: return dns::RrType::spf;
  }
}

// RFC 7208 s6.2: the explanation is used only if the name has exactly one TXT record and
// it is a valid explain-string; otherwise the default explanation applies, which libspf2
// does when the lookup finds nothing.
// The text is kept for the engine, which expands it itself (macro.hpp).
void filter_explanation(DnsLayer& layer, dns::Answer* a) {
  if (a->status != dns::Status::answer) return;
  if (a->records.size() != 1 || !validate_explanation(a->records[0].value)) {
    a->status = dns::Status::nodata;
    a->records.clear();
    return;
  }
  EvalState& st = layer.state();
  const auto* req = static_cast<const SPF_request_t*>(layer.request());
  st.exp_found = true;
  st.exp_text = a->records[0].value;
  st.exp_domain = req != nullptr && req->cur_dom != nullptr ? req->cur_dom : "";
}

// RFC 7208 s7.3: an expanded name over 253 octets loses labels from the left.
std::string truncate_name(std::string_view name) {
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  while (name.size() > 253) {
    const std::size_t dot = name.find('.');
    if (dot == std::string_view::npos) break;
    name.remove_prefix(dot + 1);
  }
  return std::string(name);
}

// A target that cannot be a DNS name (empty label, label over 63 octets, over 253) is
// treated as non-existent, by analogy with RFC 7208 s4.3 (the suite accepts fail or
// permerror; pyspf gives fail).
bool is_queryable_name(std::string_view name) {
  if (name.empty() || name.size() > 253) return false;
  std::size_t label = 0;  // counted in place: this runs for every lookup
  for (const char c : name) {
    if (c != '.') {
      if (++label > 63) return false;
    } else if (std::exchange(label, 0) == 0) {
      return false;
    }
  }
  return label != 0;
}

// RFC 7505 null MX ("0 .") and empty targets name no host.
void drop_null_mx(dns::Answer* a) {
  std::erase_if(a->records, [](const dns::Record& r) { return r.value.empty() || r.value == "."; });
  if (a->status == dns::Status::answer && a->records.empty()) a->status = dns::Status::nodata;
}

SPF_dns_rr_t* lookup_impl(SPF_dns_server_t* s, const char* domain, ns_type type) {
  DnsLayer& layer = layer_of(s);
  EvalState& st = layer.state();
  std::string name = truncate_name(domain);
  if (st.lookup_limit_hit || st.void_limit_hit || layer.expired()) {
    return new_rr(s, domain, type, TRY_AGAIN);
  }
  const bool is_addr = type == ns_t_a || type == ns_t_aaaa;
  bool secondary = false;
  if (is_addr && !st.pending_hosts.empty() && iequals(st.pending_hosts.front(), name)) {
    secondary = true;
    st.pending_hosts.erase(st.pending_hosts.begin());
  } else {
    st.pending_hosts.clear();
  }
  const bool counts = !secondary && (is_addr || type == ns_t_mx || type == ns_t_ptr);
  if (counts && ++st.dns_terms > layer.limits().dns_terms) {
    st.lookup_limit_hit = true;
    st.problem = "more than " + std::to_string(layer.limits().dns_terms) + " DNS lookups";
    return new_rr(s, domain, type, TRY_AGAIN);
  }
  const bool zero_cidr = ends_with_zero_suffix(name);
  if (zero_cidr) name.resize(name.size() - kCidrZeroSuffix.size());
  if (!is_queryable_name(name)) return new_rr(s, domain, type, HOST_NOT_FOUND);
  dns::Answer a = layer.query(name, rr_type_of(type));
  if (type == ns_t_txt) filter_explanation(layer, &a);
  if (type == ns_t_mx) drop_null_mx(&a);
  if (counts && (a.status == dns::Status::nxdomain || a.status == dns::Status::nodata) &&
      ++st.void_lookups > layer.limits().void_lookups) {
    st.void_limit_hit = true;
    st.problem = "more than " + std::to_string(layer.limits().void_lookups) + " void lookups";
    return new_rr(s, domain, type, TRY_AGAIN);
  }
  // RFC 7208 s5.5: a DNS error on the ptr mechanism's PTR lookup makes it not match, and one
  // on the address lookup of a PTR name skips that name; neither ends the evaluation. (The
  // %{p} macro's lookups, s7.3, give "unknown" on errors: the same reading.)
  const bool is_ptr_lookup = type == ns_t_ptr || (secondary && st.pending_from_ptr);
  if (dns::is_temporary(a.status)) {
    if (is_ptr_lookup)
      a = dns::Answer{dns::Status::nxdomain, {}, 0, false};
    else
      st.temporary_dns_error = true;
  }
  // RFC 7208 s4.6.4: at most 10 PTR names are looked at; the rest are ignored.
  if (type == ns_t_ptr && a.records.size() > 10) a.records.resize(10);
  if (zero_cidr && a.status == dns::Status::answer) {
    if (type == ns_t_mx) {
      for (dns::Record& r : a.records) r.value += kCidrZeroSuffix;
    } else {
      // The real name has addresses: "/0" matches any client of this family.
      dns::Record self = a.records.front();
      char buf[INET6_ADDRSTRLEN] = {};
      inet_ntop(st.client_is_v6 ? AF_INET6 : AF_INET, st.client_addr, buf, sizeof buf);
      self.value = buf;
      a.records.assign(1, self);
    }
  }
  if (type == ns_t_mx || type == ns_t_ptr) {
    for (const dns::Record& r : a.records) st.pending_hosts.push_back(r.value);
    st.pending_from_ptr = type == ns_t_ptr;
  }
  SPF_dns_rr_t* rr = new_rr(s, domain, type, herrno_of(a.status));
  if (rr != nullptr && a.status == dns::Status::answer && !fill_rr(rr, type, a.records)) {
    rr->herrno = TRY_AGAIN;
    rr->num_rr = 0;
  }
  return rr;
}

extern "C" SPF_dns_rr_t* cachet_spf_lookup(SPF_dns_server_t* s, const char* domain, ns_type type,
                                           int /*should_cache*/) noexcept {
  try {
    return lookup_impl(s, domain, type);
  } catch (...) {
    layer_of(s).state().temporary_dns_error = true;
    return new_rr(s, domain, type, TRY_AGAIN);
  }
}

// Fetches, selects, validates and compiles the record of spf_request->cur_dom (RFC 7208
// s4.4, s4.5, s4.6). The first fetch is check_host()'s own; later ones are include: and
// redirect= targets and count as DNS terms.
SPF_errcode_t get_spf_impl(SPF_server_t* server, SPF_request_t* req, SPF_response_t* resp, SPF_record_t** out) {
  DnsLayer& layer = layer_of(server->resolver);
  EvalState& st = layer.state();
  const char* domain = req->cur_dom;
  st.pending_hosts.clear();
  if (st.lookup_limit_hit || st.void_limit_hit || layer.expired()) {
    return SPF_response_add_error(resp, SPF_E_DNS_ERROR, "evaluation stopped");
  }
  if (st.txt_fetches++ > 0 && ++st.dns_terms > layer.limits().dns_terms) {
    st.lookup_limit_hit = true;
    st.problem = "more than " + std::to_string(layer.limits().dns_terms) + " DNS lookups";
    return SPF_response_add_error(resp, SPF_E_DNS_ERROR, "DNS lookup limit exceeded");
  }
  const std::string name = truncate_name(domain);
  if (!is_queryable_name(name)) {
    resp->result = SPF_RESULT_NONE;
    resp->reason = SPF_REASON_FAILURE;
    return SPF_response_add_error(resp, SPF_E_NOT_SPF, "Not a domain name");
  }
  const dns::Answer a = layer.query(name, dns::RrType::txt);
  if (dns::is_temporary(a.status)) {
    st.temporary_dns_error = true;
    st.problem = std::string("DNS ") + dns::to_string(a.status) + " for " + domain;
    return SPF_response_add_error(resp, SPF_E_DNS_ERROR, "Temporary DNS failure");
  }
  int count = 0;
  const dns::Record* found = find_spf1_record(a.records, &count);
  if (count == 0) {
    resp->result = SPF_RESULT_NONE;
    resp->reason = SPF_REASON_FAILURE;
    return SPF_response_add_error(resp, SPF_E_NOT_SPF, "No SPF record");
  }
  if (count > 1) {
    st.record_invalid = true;
    st.problem = std::string("multiple SPF records for ") + domain;
    resp->result = SPF_RESULT_PERMERROR;
    resp->reason = SPF_REASON_FAILURE;
    resp->err = SPF_E_MULTIPLE_RECORDS;
    return SPF_response_add_error(resp, SPF_E_MULTIPLE_RECORDS, "Multiple SPF records");
  }
  const auto rec = validate_spf_record(found->value);
  std::string text;
  if (rec) text = libspf2_text(*rec, st.client_is_v6, kCidrZeroSuffix);
  if (!rec || SPF_record_compile(server, resp, out, text.c_str()) != SPF_E_SUCCESS) {
    st.record_invalid = true;
    st.problem = rec ? std::string("libspf2 refused the record of ") + domain
                     : "invalid SPF record of " + std::string(domain) + ": " + rec.error().detail;
    resp->result = SPF_RESULT_PERMERROR;
    resp->reason = SPF_REASON_FAILURE;
    resp->err = SPF_E_SYNTAX;
    return SPF_response_add_error(resp, SPF_E_SYNTAX, "Invalid SPF record");
  }
  if (!a.is_cached) layer.prefetch(*rec, name);  // a cached record's targets came with it
  return SPF_E_SUCCESS;
}

extern "C" SPF_errcode_t cachet_spf_get_spf(SPF_server_t* server, SPF_request_t* req, SPF_response_t* resp,
                                            SPF_record_t** out) noexcept {
  try {
    return get_spf_impl(server, req, resp, out);
  } catch (...) {
    layer_of(server->resolver).state().temporary_dns_error = true;
    return SPF_E_DNS_ERROR;
  }
}

}  // namespace

DnsLayer::DnsLayer(dns::Resolver& resolver, EvalLimits limits)
    : resolver_(resolver),
      limits_(limits),
      is_prefetching_(resolver.cache_capacity() >= kMinCacheForPrefetch),
      layer_(std::make_unique<SPF_dns_server_t>()) {
  layer_->destroy = nullptr;  // owned here, not by SPF_server_free()
  layer_->lookup = &cachet_spf_lookup;
  layer_->get_spf = &cachet_spf_get_spf;
  layer_->get_exp = nullptr;
  layer_->add_cache = nullptr;
  layer_->layer_below = nullptr;
  layer_->name = "cachet";
  layer_->debug = 0;
  layer_->hook = this;
}

DnsLayer::~DnsLayer() = default;  // here, where SPF_dns_server_t is complete

void DnsLayer::begin(bool client_is_v6, const std::uint8_t* addr, const void* request) {
  state_ = EvalState{};
  request_ = request;
  state_.client_is_v6 = client_is_v6;
  std::memcpy(state_.client_addr, addr, client_is_v6 ? 16 : 4);
  state_.deadline = std::chrono::steady_clock::now() + limits_.time_limit;
  state_.prefetch.terms_left = limits_.dns_terms;
  // Asked again per evaluation: a kept engine's resolver may be re-aimed in between
  // (PrimedResolver::reset in cachet-dmarc).
  is_prefetching_ = resolver_.cache_capacity() >= kMinCacheForPrefetch;
}

void DnsLayer::prefetch(const Record& record, std::string_view domain) noexcept {
  if (!is_prefetching_) return;
  try {
    spf::prefetch(resolver_, record, domain, PrefetchClient{state_.client_is_v6, state_.client_addr}, state_.prefetch,
                  [this] { return expired(); });
  } catch (...) {  // bad_alloc: the evaluation asks for itself, as without prefetch
  }
}

bool DnsLayer::expired() {
  if (state_.timed_out) return true;
  if (std::chrono::steady_clock::now() < state_.deadline) return false;
  state_.timed_out = true;
  state_.problem = "SPF evaluation time limit exceeded";
  return true;
}

dns::Answer DnsLayer::query(std::string_view name, dns::RrType type) {
  std::optional<dns::Answer> a;
  if (!state_.prefetch.answers.empty()) a = take_prefetched(state_.prefetch, name, type);
  if (!a) {
    std::string escaped;
    a = resolver_.query(dns::escape_name(name, escaped), type);
  }
  if (type == dns::RrType::mx || type == dns::RrType::ptr)
    std::erase_if(a->records, [](dns::Record& r) { return !to_dotted_name(r.value); });
  return std::move(*a);
}

}  // namespace cachet::spf
