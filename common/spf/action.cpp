// SPDX-License-Identifier: BSD-2-Clause
// common/spf/action.cpp: see action.hpp.
#include "common/spf/action.hpp"

namespace cachet::spf {

const char* result_word(Verdict v) noexcept {
  switch (v) {
    case Verdict::none: return "None";
    case Verdict::neutral: return "Neutral";
    case Verdict::pass: return "Pass";
    case Verdict::fail: return "Fail";
    case Verdict::softfail: return "Softfail";
    case Verdict::temperror: return "Temperror";
    case Verdict::permerror: return "Permerror";
  }
  return "Temperror";
}

std::string reason_text(const SpfResult& r) {
  switch (r.verdict) {
    case Verdict::pass: return "sender SPF authorized";
    case Verdict::fail: return r.explanation.empty() ? std::string("SPF fail - not authorized") : r.explanation;
    case Verdict::softfail: return "domain owner discourages use of this host";
    case Verdict::neutral: return "access neither permitted nor denied";
    case Verdict::none: return "no SPF record";
    case Verdict::permerror:
      return "SPF Permanent Error: " + (r.problem.empty() ? std::string("permanent error in processing") : r.problem);
    case Verdict::temperror:
      return "SPF Temporary Error: " +
             (r.problem.empty() ? std::string("temporary DNS error in processing") : r.problem);
  }
  return "SPF Temporary Error: unknown";
}

Disposition disposition(Verdict v, RejectPolicy policy, const ActionSettings& s) noexcept {
  // Which results each policy rejects (policyd-spf _get_resultcodes).
  bool rejects = false;
  switch (policy) {
    case RejectPolicy::spf_not_pass:
      rejects = v == Verdict::fail || v == Verdict::softfail || v == Verdict::neutral;
      break;
    case RejectPolicy::softfail: rejects = v == Verdict::fail || v == Verdict::softfail; break;
    case RejectPolicy::fail:
    case RejectPolicy::null: rejects = v == Verdict::fail; break;
    case RejectPolicy::no_header_only:  // "False": header only, errors included
    case RejectPolicy::no_check: return Disposition::prepend;
    case RejectPolicy::other: break;
  }
  if (rejects) return Disposition::reject;
  if (v == Verdict::temperror && s.temperror_defer) return Disposition::defer;
  if (v == Verdict::permerror && s.permerror_reject) return Disposition::reject;
  return Disposition::prepend;
}

namespace {

std::string details(const HeaderFacts& f, std::string_view sep_end) {
  std::string out;
  out += "client-ip=";
  out += f.ip;
  out += "; helo=";
  out += f.helo;
  out += "; envelope-from=";
  out += f.envelope_from;
  out += "; receiver=";
  out += f.receiver;
  out += sep_end;
  return out;
}

std::string lower_word(Verdict v) { return spf::to_string(v); }

}  // namespace

std::string received_spf(Verdict v, Scope scope, std::string_view reason, const HeaderFacts& f) {
  std::string out = "Received-SPF: ";
  out += result_word(v);
  out += " (";
  out += scope == Scope::mailfrom ? std::string_view("mailfrom") : reason;
  out += ") identity=";
  out += scope == Scope::mailfrom ? "mailfrom" : "helo";
  out += "; ";
  out += details(f, " ");
  return out;
}

std::string auth_results(std::string_view authserv_id, Verdict v, Scope scope, std::string_view reason,
                         std::string_view domain, const HeaderFacts& f) {
  std::string out = "Authentication-Results: ";
  out += authserv_id;
  out += "; spf=";
  out += lower_word(v);
  out += " (";
  out += reason;
  out += ") ";
  out += scope == Scope::mailfrom ? "smtp.mailfrom=" : "smtp.helo=";
  out += domain;
  out += " (";
  out += details(f, ")");
  return out;
}

std::string skip_header(SkipReason why, const ActionSettings& s, const HeaderFacts& f) {
  std::string_view comment;
  switch (why) {
    case SkipReason::local: comment = "SPF check N/A for local connections - "; break;
    case SkipReason::whitelist: comment = "SPF skipped for whitelisted relay - "; break;
    case SkipReason::domain_whitelist: comment = "SPF skipped for whitelisted relay domain - "; break;
    case SkipReason::helo_whitelist: comment = "SPF skipped for whitelisted HELO domain - "; break;
    case SkipReason::ptr_whitelist: comment = "SPF skipped for PTR whitelisted relay domain - "; break;
  }
  if (s.header_type == HeaderType::ar) {
    // policyd-spf formats "{comment} client-ip=..." after a comment that ends in "- ",
    // hence the two spaces.
    std::string out = "Authentication-Results: " + s.authserv_id + "; none (";
    out += comment;
    out += ' ';
    out += details(f, ")");
    return out;
  }
  std::string out = "X-Comment: ";
  out += comment;
  out += details(f, " ");
  return out;
}

std::string explanation_url(Verdict v) {
  // RFC 7208 s8: what each result means for the sender (www.openspf.net is gone).
  switch (v) {
    case Verdict::fail: return "https://www.rfc-editor.org/rfc/rfc7208#section-8.4";
    case Verdict::softfail: return "https://www.rfc-editor.org/rfc/rfc7208#section-8.5";
    case Verdict::temperror: return "https://www.rfc-editor.org/rfc/rfc7208#section-8.6";
    case Verdict::permerror: return "https://www.rfc-editor.org/rfc/rfc7208#section-8.7";
    case Verdict::neutral: return "https://www.rfc-editor.org/rfc/rfc7208#section-8.2";
    default: return "https://www.rfc-editor.org/rfc/rfc7208#section-2.6";
  }
}

std::string reason_message(std::string_view tmpl, Disposition d, std::string_view spf, std::string_view url) {
  const std::string_view rejectdefer = d == Disposition::defer ? "deferred" : "rejected";
  std::string out;
  std::size_t i = 0;
  while (i < tmpl.size()) {
    if (tmpl[i] == '{') {
      const std::size_t close = tmpl.find('}', i);
      if (close != std::string_view::npos) {
        const std::string_view key = tmpl.substr(i + 1, close - i - 1);
        std::string_view value;
        bool known = true;
        if (key == "rejectdefer")
          value = rejectdefer;
        else if (key == "spf")
          value = spf;
        else if (key == "url")
          value = url;
        else
          known = false;
        if (known) {
          out += value;
          i = close + 1;
          continue;
        }
      }
    }
    out += tmpl[i++];
  }
  return out;
}

std::string action_text(const Outcome& o, const ActionSettings& s) {
  using K = Outcome::Kind;
  if (s.test_mode && o.kind != K::prepend) return "dunno";
  switch (o.kind) {
    case K::dunno: return "dunno";
    case K::prepend:
      if (!s.prospective.empty() || s.header_type == HeaderType::none) return "dunno";
      return "prepend " + o.text;
    case K::restriction: return o.text;
    case K::reject: {
      std::string code = "550";
      if (s.enhanced_codes) code += o.is_error ? " 5.7.24" : " 5.7.23";
      return code + " " + o.text;
    }
    case K::defer: {
      std::string code = "defer_if_permit";
      if (s.enhanced_codes) code += " 4.7.24";
      return code + " " + o.text;
    }
  }
  return "dunno";
}

}  // namespace cachet::spf
