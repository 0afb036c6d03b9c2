// SPDX-License-Identifier: BSD-2-Clause
//
// common/dkim/signature_format.cpp: the DKIM-Signature writer (see signature.hpp).
// Folding reproduces opendkim 2.11 (shared/reference/peers.md s2.1): 75 columns, the
// field name "DKIM-Signature: " counted on the first line, TAB = 8 columns.
#include <string>
#include <vector>

#include "common/dkim/signature.hpp"

namespace cachet::dkim {
namespace {

constexpr std::size_t kMargin = 75;
constexpr std::size_t kNameColumns = 16;  // "DKIM-Signature: "
constexpr std::size_t kTabColumns = 8;

class Folder {
 public:
  std::string out;
  std::size_t col = kNameColumns;

  // One "tag=value;" piece; `atoms` is the same text cut where a break is allowed.
  void piece(const std::vector<std::string>& atoms) {
    std::size_t len = 0;
    for (const auto& a : atoms) len += a.size();
    if (out.empty()) {
      emit_atoms(atoms);
      return;
    }
    if (col + 1 + len <= kMargin) {
      out += ' ';
      ++col;
    } else {
      out += "\r\n\t";
      col = kTabColumns;
    }
    emit_atoms(atoms);
  }

 private:
  void emit_atoms(const std::vector<std::string>& atoms) {
    bool first = true;
    for (const auto& a : atoms) {
      if (!first && col + a.size() > kMargin) {
        out += "\r\n\t ";
        col = kTabColumns + 1;
      }
      out += a;
      col += a.size();
      first = false;
    }
  }
};

std::vector<std::string> whole(std::string text) { return {std::move(text)}; }

// "h=From:To:Subject;" cut after every ':'.
std::vector<std::string> header_list_atoms(const std::string& tag_and_value) {
  std::vector<std::string> atoms;
  std::string cur;
  for (const char c : tag_and_value) {
    cur += c;
    if (c == ':') {
      atoms.push_back(std::move(cur));
      cur.clear();
    }
  }
  if (!cur.empty()) atoms.push_back(std::move(cur));
  return atoms;
}

// "bh=…;" may be cut anywhere after the tag name.
std::vector<std::string> char_atoms(std::string_view tag, std::string_view value, bool semi) {
  std::vector<std::string> atoms{std::string(tag) + "="};
  for (const char c : value) atoms.emplace_back(1, c);
  if (semi) atoms.back() += ';';
  return atoms;
}

std::string h_value(const Signature& sig, SignatureStyle style) {
  if (!sig.h_text.empty()) return sig.h_text;
  std::string h;
  for (const auto& name : sig.signed_headers) {
    if (!h.empty()) h += style == SignatureStyle::dkimpy ? " : " : ":";
    h += name;
  }
  return h;
}

std::string canon_value(const Signature& sig) {
  return std::string(to_string(sig.header_canon)) + "/" + to_string(sig.body_canon);
}

std::size_t column_after(std::string_view text) {
  const std::size_t nl = text.rfind('\n');
  if (nl == std::string_view::npos) return kNameColumns + text.size();
  std::size_t col = 0;
  for (const char c : text.substr(nl + 1)) col += c == '\t' ? kTabColumns : 1;
  return col;
}

}  // namespace

std::string format_signature_unsigned(const Signature& sig, SignatureStyle style, std::size_t b_length) {
  Folder f;
  const bool opendkim = style == SignatureStyle::opendkim;
  f.piece(whole("v=1;"));
  f.piece(whole(std::string("a=") + to_string(sig.algorithm) + ";"));
  f.piece(whole("c=" + canon_value(sig) + ";"));
  f.piece(whole("d=" + sig.domain + ";"));
  if (!opendkim) {
    f.piece(whole("i=" + (sig.identity.empty() ? "@" + sig.domain : sig.identity) + ";"));
    f.piece(whole("q=dns/txt;"));
  }
  f.piece(whole("s=" + sig.selector + ";"));
  if (sig.timestamp) f.piece(whole("t=" + std::to_string(*sig.timestamp) + ";"));
  if (sig.expiry) f.piece(whole("x=" + std::to_string(*sig.expiry) + ";"));
  if (opendkim) {
    if (!sig.identity.empty()) f.piece(whole("i=" + sig.identity + ";"));
    f.piece(char_atoms("bh", sig.bh, true));
    if (sig.body_length) f.piece(whole("l=" + std::to_string(*sig.body_length) + ";"));
    f.piece(header_list_atoms("h=" + h_value(sig, style) + ";"));
  } else {
    if (sig.body_length) f.piece(whole("l=" + std::to_string(*sig.body_length) + ";"));
    f.piece(header_list_atoms("h=" + h_value(sig, style) + ";"));
    f.piece(char_atoms("bh", sig.bh, true));
  }
  if (!sig.copied_headers.empty()) f.piece(char_atoms("z", sig.copied_headers, true));
  // "b=" goes where the whole value would go, so that the unsigned text is a prefix of
  // the signed one (the verifier removes only the value, s3.7).
  if (f.col + 1 + 2 + b_length <= kMargin) {
    f.out += " b=";
  } else {
    f.out += "\r\n\tb=";
  }
  std::string out = std::move(f.out);
  return out;
}

std::string append_b_value(std::string_view unsigned_value, std::string_view b) {
  std::string out(unsigned_value);
  std::size_t col = column_after(unsigned_value);
  for (const char c : b) {
    if (col + 1 > kMargin) {
      out += "\r\n\t ";
      col = kTabColumns + 1;
    }
    out += c;
    ++col;
  }
  return out;
}

}  // namespace cachet::dkim
