// SPDX-License-Identifier: BSD-2-Clause
//
// tests/unit/common/spf/suite_yaml.hpp: a reader for the YAML subset the openspf test
// suites use (multi-document stream; block maps and sequences by indentation; plain,
// single- and double-quoted scalars; flow sequences of scalars; block scalars |, |-, >-).
// Test-only, header-only. Why not yaml-cpp: it would need a change to tests/CMakeLists.txt
// (a library linked only into the unit tests); this subset is small, and
// rfc7208_suite_test.cpp checks the reader against the suites' published test counts.
// Throws std::runtime_error with a line number on input outside the subset.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cachet::spf::testing {

struct YamlEntry;

struct YamlNode {
  enum class Kind { scalar, map, seq } kind = Kind::scalar;
  std::string text;            // scalar
  std::vector<YamlEntry> map;  // in file order
  std::vector<YamlNode> seq;

  const YamlNode* find(std::string_view key) const;
  std::string get(std::string_view key, std::string fallback = {}) const;
};

// A map entry: a struct, not std::pair, so that clang accepts the vector of it inside the
// still incomplete YamlNode (libstdc++'s pair checks its members' constructors early).
struct YamlEntry {
  std::string key;
  YamlNode value;
};

inline const YamlNode* YamlNode::find(std::string_view key) const {
  for (const auto& [k, v] : map) {
    if (k == key) return &v;
  }
  return nullptr;
}

inline std::string YamlNode::get(std::string_view key, std::string fallback) const {
  const YamlNode* n = find(key);
  return n != nullptr && n->kind == Kind::scalar ? n->text : fallback;
}

class YamlSubsetReader {
 public:
  explicit YamlSubsetReader(std::string_view text) {
    std::size_t start = 0;
    while (start <= text.size()) {
      std::size_t nl = text.find('\n', start);
      if (nl == std::string_view::npos) nl = text.size();
      std::string_view line = text.substr(start, nl - start);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      lines_.emplace_back(line);
      start = nl + 1;
    }
  }

  std::vector<YamlNode> documents() {
    std::vector<YamlNode> docs;
    while (true) {
      skip_blank();
      if (pos_ >= lines_.size()) break;
      if (lines_[pos_].rfind("---", 0) == 0) {
        ++pos_;
        continue;
      }
      docs.push_back(parse_block(indent_of(lines_[pos_])));
    }
    return docs;
  }

 private:
  static std::size_t indent_of(std::string_view l) {
    std::size_t i = 0;
    while (i < l.size() && l[i] == ' ') ++i;
    return i;
  }
  static bool is_blank_or_comment(std::string_view l) {
    const std::size_t i = indent_of(l);
    return i == l.size() || l[i] == '#';
  }
  void skip_blank() {
    while (pos_ < lines_.size() && is_blank_or_comment(lines_[pos_])) ++pos_;
  }
  [[noreturn]] void error(const std::string& what) const {
    throw std::runtime_error("yaml line " + std::to_string(pos_ + 1) + ": " + what);
  }

  YamlNode parse_block(std::size_t indent) {
    skip_blank();
    const std::string_view l = lines_[pos_];
    const std::string_view body = l.substr(indent);
    if (body.rfind("- ", 0) == 0 || body == "-") return parse_seq(indent);
    return parse_map(indent);
  }

  YamlNode parse_seq(std::size_t indent) {
    YamlNode n;
    n.kind = YamlNode::Kind::seq;
    while (true) {
      skip_blank();
      if (pos_ >= lines_.size()) break;
      const std::string_view l = lines_[pos_];
      if (indent_of(l) != indent || l.substr(indent, 1) != "-") break;
      std::string_view item = l.substr(indent + 1);
      const std::size_t sub = indent + 1 + indent_of(item);
      item = l.substr(sub);
      if (item.empty()) {
        ++pos_;
        n.seq.push_back(parse_block(indent_of(lines_[pos_])));
      } else if (split_key(item).first.empty()) {
        ++pos_;
        n.seq.push_back(scalar_node(item));
      } else {
        // "- key: value" opens a map whose keys sit at column `sub`.
        lines_[pos_].replace(0, sub, std::string(sub, ' '));
        n.seq.push_back(parse_map(sub));
      }
    }
    return n;
  }

  // Splits "key: rest"; an empty key means "not a mapping line".
  std::pair<std::string, std::string_view> split_key(std::string_view s) {
    if (s.empty() || s[0] == '[') return {};
    if (s[0] == '"' || s[0] == '\'') {  // quoted key: "name": value
      std::size_t used = 0;
      std::string key = scalar_text(s, &used, false);
      if (used >= s.size() || s[used] != ':') return {};
      std::string_view rest = s.substr(used + 1);
      while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
      return {key, rest};
    }
    // The key ends at the first ": " (keys such as "foo:bar/baz.example.com" hold ':').
    std::size_t c = s.find(": ");
    if (c == std::string_view::npos) {
      if (s.back() != ':') return {};
      c = s.size() - 1;
    }
    std::string_view rest = c + 1 < s.size() ? s.substr(c + 2) : std::string_view{};
    while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
    return {std::string(s.substr(0, c)), rest};
  }

  YamlNode parse_map(std::size_t indent) {
    YamlNode n;
    n.kind = YamlNode::Kind::map;
    while (true) {
      skip_blank();
      if (pos_ >= lines_.size()) break;
      const std::string_view l = lines_[pos_];
      if (indent_of(l) != indent || l.rfind("---", 0) == 0) break;
      auto [key, rest] = split_key(l.substr(indent));
      if (key.empty()) error("expected 'key: value'");
      ++pos_;
      if (rest.empty() || rest[0] == '#') {
        skip_blank();
        if (pos_ < lines_.size() && indent_of(lines_[pos_]) > indent) {
          n.map.push_back({key, parse_block(indent_of(lines_[pos_]))});
        } else if (pos_ < lines_.size() && indent_of(lines_[pos_]) == indent && lines_[pos_].substr(indent, 1) == "-") {
          n.map.push_back({key, parse_seq(indent)});  // sequence not indented under key
        } else {
          n.map.push_back({key, YamlNode{}});
        }
      } else if (rest[0] == '|' || rest[0] == '>') {
        n.map.push_back({key, block_scalar(indent, rest)});
      } else {
        YamlNode v = scalar_node(rest);
        // plain scalar continued on more-indented lines
        while (v.kind == YamlNode::Kind::scalar && rest[0] != '"' && rest[0] != '\'' && pos_ < lines_.size() &&
               !is_blank_or_comment(lines_[pos_]) && indent_of(lines_[pos_]) > indent) {
          v.text += ' ';
          v.text += lines_[pos_].substr(indent_of(lines_[pos_]));
          ++pos_;
        }
        n.map.push_back({key, std::move(v)});
      }
    }
    return n;
  }

  YamlNode block_scalar(std::size_t indent, std::string_view header) {
    const bool literal = header[0] == '|';
    const bool strip = header.size() > 1 && header[1] == '-';
    std::string out;
    std::size_t body_indent = 0;
    while (pos_ < lines_.size()) {
      const std::string_view l = lines_[pos_];
      const bool blank = indent_of(l) == l.size();
      if (!blank && indent_of(l) <= indent) break;
      if (!blank && body_indent == 0) body_indent = indent_of(l);
      const std::string_view content = blank ? std::string_view{} : l.substr(body_indent);
      if (!out.empty()) out += (literal || blank) ? '\n' : ' ';
      out += content;
      ++pos_;
    }
    if (!strip) out += '\n';
    YamlNode n;
    n.text = out;
    return n;
  }

  YamlNode scalar_node(std::string_view s) {
    YamlNode n;
    if (!s.empty() && s[0] == '[') {
      n.kind = YamlNode::Kind::seq;
      const std::size_t close = s.rfind(']');
      if (close == std::string_view::npos) error("unterminated flow sequence");
      std::string_view inner = s.substr(1, close - 1);
      while (true) {
        while (!inner.empty() && inner.front() == ' ') inner.remove_prefix(1);
        if (inner.empty()) break;
        std::size_t used = 0;
        YamlNode item;
        item.text = scalar_text(inner, &used, true);
        n.seq.push_back(std::move(item));
        inner.remove_prefix(used);
        while (!inner.empty() && inner.front() == ' ') inner.remove_prefix(1);
        if (!inner.empty() && inner.front() == ',') inner.remove_prefix(1);
      }
      return n;
    }
    std::size_t used = 0;
    n.text = scalar_text(s, &used, false);
    return n;
  }

  // One scalar at the start of s; *used = characters consumed.
  std::string scalar_text(std::string_view s, std::size_t* used, bool in_flow) {
    if (s[0] == '\'') {
      std::string out;
      std::size_t i = 1;
      for (; i < s.size(); ++i) {
        if (s[i] == '\'') {
          if (i + 1 < s.size() && s[i + 1] == '\'') {
            out += '\'';
            ++i;
            continue;
          }
          break;
        }
        out += s[i];
      }
      if (i >= s.size()) error("unterminated single-quoted scalar");
      *used = i + 1;
      return out;
    }
    if (s[0] == '"') return double_quoted(s, used);
    std::size_t end = in_flow ? s.find(',') : std::string_view::npos;
    if (end == std::string_view::npos) end = s.size();
    const std::size_t hash = s.find(" #");
    if (hash != std::string_view::npos && hash < end) end = hash;
    std::string_view v = s.substr(0, end);
    while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
    *used = end;
    return std::string(v);
  }

  static void append_utf8(std::string* out, std::uint32_t cp) {
    if (cp < 0x80) {
      out->push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      out->push_back(static_cast<char>(0xc0 | (cp >> 6)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3f)));
    } else {
      out->push_back(static_cast<char>(0xe0 | (cp >> 12)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3f)));
    }
  }

  std::string double_quoted(std::string_view s, std::size_t* used) {
    std::string out;
    std::size_t i = 1;
    for (; i < s.size() && s[i] != '"'; ++i) {
      if (s[i] != '\\') {
        out += s[i];
        continue;
      }
      if (++i >= s.size()) error("bad escape");
      switch (s[i]) {
        case '0': out += '\0'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case '\\': out += '\\'; break;
        case '"': out += '"'; break;
        case 'x': {
          if (i + 2 >= s.size()) error("bad \\x escape");
          append_utf8(&out, static_cast<std::uint32_t>(std::stoul(std::string(s.substr(i + 1, 2)), nullptr, 16)));
          i += 2;
          break;
        }
        default: error("unsupported escape");
      }
    }
    if (i >= s.size()) error("unterminated double-quoted scalar");
    *used = i + 1;
    return out;
  }

  std::vector<std::string> lines_;
  std::size_t pos_ = 0;
};

}  // namespace cachet::spf::testing
