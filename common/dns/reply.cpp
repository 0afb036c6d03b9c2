// SPDX-License-Identifier: BSD-2-Clause
// common/dns/reply.cpp: see reply.hpp.
#include "common/dns/reply.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <optional>

#include "common/dns/ldns_types.hpp"
#include "common/dns/name.hpp"

namespace cachet::dns {
namespace {

std::span<const std::uint8_t> rdf_bytes(const ldns_rdf* rdf) {
  return {ldns_rdf_data(rdf), ldns_rdf_size(rdf)};
}

std::optional<std::string> rdf_name(const ldns_rdf* rdf) {
  if (rdf == nullptr || ldns_rdf_get_type(rdf) != LDNS_RDF_TYPE_DNAME) return std::nullopt;
  auto text = wire_name_to_text(rdf_bytes(rdf));
  if (!text) return std::nullopt;
  return std::move(*text);
}

std::optional<std::string> rdf_address(const ldns_rdf* rdf, int family, std::size_t size) {
  if (rdf == nullptr || ldns_rdf_size(rdf) != size) return std::nullopt;
  char buf[INET6_ADDRSTRLEN] = {};
  if (::inet_ntop(family, ldns_rdf_data(rdf), buf, sizeof buf) == nullptr) return std::nullopt;
  return std::string(buf);
}

// Fills value/txt_strings/preference from the RDATA; false when it is malformed.
bool fill_rdata(const ldns_rr* rr, Record& rec) {
  const ldns_rdf* first = ldns_rr_rdf(rr, 0);
  std::optional<std::string> value;
  switch (rec.type) {
    case RrType::a: value = rdf_address(first, AF_INET, 4); break;
    case RrType::aaaa: value = rdf_address(first, AF_INET6, 16); break;
    case RrType::mx: {
      if (ldns_rr_rd_count(rr) != 2 || ldns_rdf_size(first) != 2) return false;
      rec.preference = ldns_rdf2native_int16(first);
      value = rdf_name(ldns_rr_rdf(rr, 1));
      break;
    }
    case RrType::ns: case RrType::cname: case RrType::ptr: case RrType::soa:
      value = rdf_name(first);  // SOA: the primary server name (MNAME)
      break;
    case RrType::txt: case RrType::spf: {
      std::string all;
      for (std::size_t i = 0; i < ldns_rr_rd_count(rr); ++i) {
        const auto bytes = rdf_bytes(ldns_rr_rdf(rr, i));
        if (bytes.empty() || bytes[0] != bytes.size() - 1) return false;
        std::string s(bytes.begin() + 1, bytes.end());
        all += s;
        rec.txt_strings.push_back(std::move(s));
      }
      value = std::move(all);
      break;
    }
  }
  if (!value) return false;
  rec.value = std::move(*value);
  return true;
}

// The RRs of `list` with type `qtype` or CNAME, decoded; nullopt if one is malformed.
std::optional<std::vector<Record>> relevant_records(const ldns_rr_list* list, RrType qtype) {
  std::vector<Record> out;
  for (std::size_t i = 0; i < ldns_rr_list_rr_count(list); ++i) {
    const ldns_rr* rr = ldns_rr_list_rr(list, i);
    const auto type = static_cast<std::uint16_t>(ldns_rr_get_type(rr));
    if (ldns_rr_get_class(rr) != LDNS_RR_CLASS_IN) continue;
    if (type != static_cast<std::uint16_t>(qtype) && type != LDNS_RR_TYPE_CNAME) continue;
    Record rec{static_cast<RrType>(type), {}, ldns_rr_ttl(rr), {}, 0, {}};
    auto owner = rdf_name(ldns_rr_owner(rr));
    if (!owner || !fill_rdata(rr, rec)) return std::nullopt;
    rec.owner = std::move(*owner);
    out.push_back(std::move(rec));
  }
  return out;
}

std::uint32_t negative_ttl(const ldns_pkt* pkt) {
  const ldns_rr_list* auth = ldns_pkt_authority(pkt);
  for (std::size_t i = 0; i < ldns_rr_list_rr_count(auth); ++i) {
    const ldns_rr* rr = ldns_rr_list_rr(auth, i);
    if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_SOA || ldns_rr_rd_count(rr) != 7) continue;
    const ldns_rdf* minimum = ldns_rr_rdf(rr, 6);
    if (ldns_rdf_size(minimum) != 4) continue;
    return std::min(ldns_rr_ttl(rr), ldns_rdf2native_int32(minimum));  // RFC 2308 s5
  }
  return 0;
}

// True when the question section is exactly (qname, qtype, IN).
bool question_matches(const ldns_pkt* pkt, std::string_view qname, RrType qtype) {
  const ldns_rr_list* q = ldns_pkt_question(pkt);
  if (ldns_rr_list_rr_count(q) != 1) return false;
  const ldns_rr* rr = ldns_rr_list_rr(q, 0);
  const auto owner = rdf_name(ldns_rr_owner(rr));
  return owner && *owner == qname &&
         static_cast<std::uint16_t>(ldns_rr_get_type(rr)) == static_cast<std::uint16_t>(qtype) &&
         ldns_rr_get_class(rr) == LDNS_RR_CLASS_IN;
}

Answer servfail() { return Answer{Status::servfail, {}, 0, false}; }

// Walks the CNAME chain from qname and keeps the records of the asked type at its end.
Answer follow_chain(std::vector<Record> records, std::string_view qname, RrType qtype,
                    ldns_pkt_rcode rcode) {
  std::string current(qname);
  for (std::size_t hops = 0;; ++hops) {
    Answer a{Status::answer, {}, 0, false};
    for (auto& r : records)
      if (r.type == qtype && r.owner == current) a.records.push_back(r);
    if (!a.records.empty()) return a;
    if (qtype == RrType::cname) break;
    const auto cname = std::find_if(records.begin(), records.end(), [&](const Record& r) {
      return r.type == RrType::cname && r.owner == current;
    });
    if (cname == records.end()) break;
    if (hops == kMaxCnameChain) return servfail();  // too long, or a loop
    current = cname->value;
  }
  return Answer{rcode == LDNS_RCODE_NXDOMAIN ? Status::nxdomain : Status::nodata, {}, 0, false};
}

}  // namespace

DecodedReply decode_reply(std::span<const std::uint8_t> wire, std::uint16_t id,
                          std::string_view qname, RrType qtype) {
  DecodedReply out;
  if (wire.size() < kDnsHeaderSize || wire.size() > kMaxMessageSize) return out;
  if (static_cast<std::uint16_t>((wire[0] << 8) | wire[1]) != id) return out;
  if ((wire[2] & 0x80) == 0) return out;  // QR clear: a query, not a reply
  out.kind = ReplyKind::usable;
  ldns_pkt* raw = nullptr;
  const ldns_status st = ldns_wire2pkt(&raw, wire.data(), wire.size());
  const LdnsPkt pkt(raw);
  if (st != LDNS_STATUS_OK || !pkt) {
    out.answer = servfail();
    return out;
  }
  const ldns_pkt_rcode rcode = ldns_pkt_get_rcode(pkt.get());
  const bool has_question = ldns_rr_list_rr_count(ldns_pkt_question(pkt.get())) > 0;
  if (has_question && !question_matches(pkt.get(), qname, qtype)) {
    out.kind = ReplyKind::mismatch;
    return out;
  }
  if (ldns_pkt_tc(pkt.get())) {
    out.kind = ReplyKind::truncated;
    return out;
  }
  // Error replies may omit the question (RFC 1035 is silent; FORMERR often does).
  if (!has_question || (rcode != LDNS_RCODE_NOERROR && rcode != LDNS_RCODE_NXDOMAIN)) {
    out.answer = servfail();
    return out;
  }
  auto records = relevant_records(ldns_pkt_answer(pkt.get()), qtype);
  if (!records) {
    out.answer = servfail();
    return out;
  }
  out.answer = follow_chain(std::move(*records), qname, qtype, rcode);
  if (out.answer.status == Status::nodata || out.answer.status == Status::nxdomain)
    out.answer.negative_ttl = negative_ttl(pkt.get());
  return out;
}

namespace {

void put16(std::vector<std::uint8_t>& out, unsigned v) {
  out.push_back(static_cast<std::uint8_t>(v >> 8));
  out.push_back(static_cast<std::uint8_t>(v & 0xff));
}

}  // namespace

// Written by hand, not with ldns: a one-question query has nothing to compress, and
// ldns_pkt2wire's compression and allocations cost a quarter of a cold SPF request's
// instructions (callgrind, tests/bench spf-cold-socket). A normalized name holds plain
// labels only (no escapes), so its wire form is its labels with their lengths.
Result<std::vector<std::uint8_t>> build_query(std::string_view qname, RrType qtype,
                                              std::uint16_t id, std::uint16_t edns_udp_size) {
  if (qname.empty() || qname.size() > kMaxNameLength)
    return fail(Errc::internal, "cannot encode name " + std::string(qname));
  std::vector<std::uint8_t> out;
  out.reserve(kDnsHeaderSize + qname.size() + 2 + 4 + 11);
  put16(out, id);
  put16(out, 0x0100);  // QR=0 opcode=QUERY RD=1
  put16(out, 1);       // QDCOUNT
  put16(out, 0);       // ANCOUNT
  put16(out, 0);       // NSCOUNT
  put16(out, edns_udp_size != 0 ? 1 : 0);  // ARCOUNT: the OPT record
  for (std::size_t start = 0; start <= qname.size();) {
    std::size_t dot = qname.find('.', start);
    if (dot == std::string_view::npos) dot = qname.size();
    const std::size_t len = dot - start;
    if (len == 0 || len > kMaxLabelLength)
      return fail(Errc::internal, "cannot encode name " + std::string(qname));
    out.push_back(static_cast<std::uint8_t>(len));
    out.insert(out.end(), qname.begin() + static_cast<std::ptrdiff_t>(start), qname.begin() + static_cast<std::ptrdiff_t>(dot));
    start = dot + 1;
  }
  out.push_back(0);  // the root
  put16(out, static_cast<unsigned>(qtype));
  put16(out, 1);  // class IN
  if (edns_udp_size != 0) {  // RFC 6891 s6.1.2: root owner, TYPE OPT, CLASS = UDP size
    out.push_back(0);
    put16(out, 41);
    put16(out, edns_udp_size);
    put16(out, 0);  // extended RCODE, version 0
    put16(out, 0);  // flags (DO clear)
    put16(out, 0);  // RDLENGTH
  }
  return out;
}

}  // namespace cachet::dns
