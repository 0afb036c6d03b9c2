// SPDX-License-Identifier: BSD-2-Clause
// common/dmarc/history_file.cpp: see history_file.hpp.
#include "common/dmarc/history_file.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <utility>

#include "common/base/fd.hpp"
#include "common/base/strings.hpp"

namespace cachet::dmarc {
namespace {

// opendmarc-ar.h ARES_RESULT_* codes.
int ares_code(std::string_view result) {
  static constexpr std::array<std::pair<std::string_view, int>, 8> kCodes{{
      {"pass", 0},
      {"softfail", 2},
      {"neutral", 3},
      {"temperror", 4},
      {"permerror", 5},
      {"none", 6},
      {"fail", 7},
      {"policy", 8},
  }};
  for (const auto& [name, code] : kCodes)
    if (iequals(name, result)) return code;
  return -1;
}

// dmarc.h DMARC_RECORD_P_* / DMARC_RECORD_A_*: the tag's letter as a number, 0 = unset.
int letter_code(std::string_view value) {
  return value.empty() ? 0 : static_cast<unsigned char>(ascii_lower(value[0]));
}

// dmarc.h DMARC_POLICY_*: what the record asks for this message.
int policy_code(const HistoryRecord& r) {
  if (r.p.empty()) return 14;  // DMARC_POLICY_ABSENT
  if (r.result == "pass") return 15;
  if (r.policy == "reject") return 16;
  if (r.policy == "quarantine") return 17;
  return r.result == "fail" ? 18 : 14;
}

// opendmarc.c DMARC_RESULT_*: what the milter did.
int action_code(std::string_view disposition) {
  if (disposition == "reject") return 0;
  if (disposition == "quarantine") return 4;
  return 2;
}

// The domain of a MAIL FROM address (with or without its angle brackets).
std::string_view envelope_domain(std::string_view env) {
  if (!env.empty() && env.front() == '<') env.remove_prefix(1);
  if (!env.empty() && env.back() == '>') env.remove_suffix(1);
  const auto at = env.rfind('@');
  return at == std::string_view::npos ? env : env.substr(at + 1);
}

// Appends `v` as one word: a value must stay on its line and be one word where
// opendmarc-import splits on spaces. Written in place (no temporary per value).
void append_word(std::string& out, std::string_view v, bool lower = false) {
  const std::size_t from = out.size();
  out.append(v);
  for (std::size_t i = from; i < out.size(); ++i) {
    char& c = out[i];
    if (static_cast<unsigned char>(c) <= ' ')
      c = '_';
    else if (lower)
      c = ascii_lower(c);
  }
}

void append_number(std::string& out, std::int64_t v) {
  char buf[24];
  out.append(buf, std::to_chars(buf, buf + sizeof buf, v).ptr);
}

// Appends r's lines to x (the sink's batch text: no string per record or number).
void append_history_record(std::string& x, const HistoryRecord& r) {
  auto line = [&](std::string_view key, std::string_view value) {
    x.append(key) += ' ';
    x.append(value) += '\n';
  };
  auto number_line = [&](std::string_view key, std::int64_t value) {
    x.append(key) += ' ';
    append_number(x, value);
    x += '\n';
  };
  auto word_line = [&](std::string_view key, std::string_view value, bool lower = false) {
    x.append(key) += ' ';
    append_word(x, value, lower);
    x += '\n';
  };
  word_line("job", r.job_id);
  word_line("reporter", r.reporter);
  number_line("received", r.received);
  word_line("ipaddr", r.source_ip);
  word_line("from", r.header_from);
  word_line("mfrom", envelope_domain(r.envelope_from), true);
  for_each_dkim_entry(r.dkim, [&](std::string_view domain, std::string_view selector, std::string_view result) {
    x.append("dkim ");
    append_word(x, domain);
    x += ' ';
    append_word(x, selector.empty() ? "-" : selector);
    x += ' ';
    append_number(x, ares_code(result));
    x += '\n';
  });
  number_line("spf", r.spf_domain.empty() ? -1 : ares_code(r.spf_result));
  word_line("pdomain", r.policy_domain);
  number_line("policy", policy_code(r));
  bool any_rua = false;
  for_each_split(r.rua, ' ', [&](std::string_view uri) {
    if (uri.empty()) return;
    word_line("rua", uri);
    any_rua = true;
  });
  if (!any_rua) line("rua", "-");
  const bool has_record = !r.p.empty();
  number_line("pct", has_record ? r.pct : 0);
  number_line("adkim", letter_code(r.adkim));
  number_line("aspf", letter_code(r.aspf));
  number_line("p", letter_code(r.p));
  number_line("sp", letter_code(r.sp));
  number_line("align_dkim", has_record ? (r.dkim_aligned ? 4 : 5) : 0);
  number_line("align_spf", has_record ? (r.spf_aligned ? 4 : 5) : 0);
  line("arc", "7");
  line("arc_policy", "2 json:[]");
  number_line("action", action_code(r.disposition));
}

}  // namespace

std::string format_history_record(const HistoryRecord& r) {
  std::string x;
  x.reserve(512);  // a record with one DKIM entry and one rua: ~300 bytes
  append_history_record(x, r);
  return x;
}

Result<void> HistoryFileSink::add_batch(std::span<const HistoryRecord> records) {
  std::string text;
  text.reserve(records.size() * 512);
  for (const HistoryRecord& r : records) append_history_record(text, r);
  const Fd fd(::open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640));
  if (!fd.valid()) return fail(Errc::temporary, "open " + path_ + ": " + std::strerror(errno));
  if (::flock(fd.get(), LOCK_EX) != 0) return fail(Errc::temporary, "flock " + path_ + ": " + std::strerror(errno));
  std::string_view rest = text;
  while (!rest.empty()) {
    const ssize_t n = ::write(fd.get(), rest.data(), rest.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return fail(Errc::temporary, "write " + path_ + ": " + std::strerror(errno));
    rest.remove_prefix(static_cast<std::size_t>(n));
  }
  return {};  // the lock goes with the descriptor
}

}  // namespace cachet::dmarc
