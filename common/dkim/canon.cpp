// SPDX-License-Identifier: BSD-2-Clause
//
// common/dkim/canon.cpp: see canon.hpp. RFC 6376 s3.4.1-3.4.4.
#include "common/dkim/canon.hpp"

#include <cstring>

#include "common/base/strings.hpp"

namespace cachet::dkim {
namespace {

bool is_wsp(char c) noexcept { return c == ' ' || c == '\t'; }

bool needs_decision(char c, bool relaxed) { return c == '\r' || c == '\n' || (relaxed && is_wsp(c)); }

// End of the run starting at i that canonicalizes to itself: bytes needing no decision and,
// in relaxed mode, single SPs between two of them (already canonical: words in a line).
std::size_t plain_run_end(std::string_view s, std::size_t i, bool relaxed) {
  if (!relaxed) {  // only CR and LF matter: memchr scans a line in a few vector steps
    const char* base = s.data();
    const void* cr = std::memchr(base + i, '\r', s.size() - i);
    const std::size_t stop = cr ? static_cast<const char*>(cr) - base : s.size();
    const void* lf = std::memchr(base + i, '\n', stop - i);
    return lf ? static_cast<const char*>(lf) - base : stop;
  }
  std::size_t j = i;
  while (j < s.size()) {
    if (!needs_decision(s[j], relaxed)) {
      ++j;
    } else if (relaxed && s[j] == ' ' && j > i && j + 1 < s.size() && !needs_decision(s[j + 1], relaxed)) {
      j += 2;
    } else {
      break;
    }
  }
  return j;
}

}  // namespace

const char* to_string(Canon c) noexcept { return c == Canon::simple ? "simple" : "relaxed"; }

void append_canon_header(std::string& out, std::string_view name, std::string_view value, Canon c) {
  if (c == Canon::simple) {
    out.append(name);
    out += ':';
    out.append(value);
    out += "\r\n";
    return;
  }
  // relaxed (s3.4.2): lower-case name without trailing WSP; unfold; WSP runs -> one SP;
  // no WSP at either end of the value; no WSP around ':'.
  while (!name.empty() && is_wsp(name.back())) name.remove_suffix(1);
  for (const char ch : name) out += ascii_lower(ch);
  out += ':';
  bool pending_space = false;
  bool started = false;
  for (std::size_t i = 0; i < value.size(); ++i) {
    const char ch = value[i];
    if (ch == '\r' && i + 1 < value.size() && value[i + 1] == '\n') {
      ++i;  // unfolding: the line break goes, the WSP after it counts as WSP
      pending_space = true;
      continue;
    }
    if (ch == '\n' || is_wsp(ch)) {
      pending_space = true;
      continue;
    }
    if (pending_space && started) out += ' ';
    pending_space = false;
    started = true;
    out += ch;
  }
  out += "\r\n";
}

std::string canon_header(std::string_view name, std::string_view value, Canon c) {
  std::string out;
  append_canon_header(out, name, value, c);
  return out;
}

void BodyCanonicalizer::text_run(std::string_view run, std::string& out) {
  if (line_empty_) {
    for (; blank_lines_ > 0; --blank_lines_) out += "\r\n";
    line_empty_ = false;
  }
  if (wsp_pending_) {
    out += ' ';
    wsp_pending_ = false;
  }
  out += run;
  any_output_ = true;
}

void BodyCanonicalizer::text_byte(char c, std::string& out) {
  if (canon_ == Canon::relaxed && is_wsp(c)) {
    wsp_pending_ = true;
    return;
  }
  text_run(std::string_view(&c, 1), out);
}

void BodyCanonicalizer::end_line(std::string& out) {
  wsp_pending_ = false;  // relaxed: WSP at the end of a line is dropped
  if (line_empty_) {
    ++blank_lines_;
  } else {
    out += "\r\n";
  }
  line_empty_ = true;
}

void BodyCanonicalizer::feed(std::string_view chunk, std::string& out) {
  out.reserve(out.size() + chunk.size() + 2);
  const bool relaxed = canon_ == Canon::relaxed;
  std::size_t i = 0;
  while (i < chunk.size()) {
    // Fast path: a run of bytes that need no decision is copied in one append (the byte-wise
    // state machine below was over half of the daemon's CPU on a 100 KB body).
    if (!cr_pending_) {
      const std::size_t j = plain_run_end(chunk, i, relaxed);
      if (j > i) {
        text_run(chunk.substr(i, j - i), out);
        i = j;
        continue;
      }
    }
    const char c = chunk[i++];
    if (cr_pending_) {
      cr_pending_ = false;
      if (c == '\n') {
        end_line(out);
        continue;
      }
      text_byte('\r', out);  // a lone CR is ordinary text
    }
    if (c == '\r') {
      cr_pending_ = true;
    } else if (c == '\n') {
      end_line(out);  // bare LF: mail from files; SMTP would have carried CRLF
    } else {
      text_byte(c, out);
    }
  }
}

void BodyCanonicalizer::finish(std::string& out) {
  if (cr_pending_) {
    cr_pending_ = false;
    text_byte('\r', out);
  }
  // A last line without CRLF gets one (s3.4.3: "ends with CRLF"; s3.4.4 same when non-empty).
  if (!line_empty_) out += "\r\n";
  line_empty_ = true;
  blank_lines_ = 0;
  // simple: an empty body canonicalizes to a single CRLF (s3.4.3); relaxed: to nothing.
  if (canon_ == Canon::simple && !any_output_) out += "\r\n";
}

}  // namespace cachet::dkim
