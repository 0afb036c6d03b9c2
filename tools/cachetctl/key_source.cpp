// SPDX-License-Identifier: BSD-2-Clause
//
// tools/cachetctl/key_source.cpp: key lookup from DNS or record files; input reading.
#include "tools/cachetctl/key_source.hpp"

#include <errno.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include "common/base/c_ptr.hpp"
#include "common/base/strings.hpp"
#include "common/dkim/key_zone.hpp"
#include "common/dns/ldns_resolver.hpp"
#include "tools/cachetctl/args.hpp"

namespace cachet::ctl {
namespace {

void close_file(std::FILE* f) noexcept { (void)std::fclose(f); }  // read-only: nothing to flush
using File = CPtr<std::FILE, &close_file>;

}  // namespace

dkim::KeyAnswer KeyFetcher::lookup(std::string_view name) {
  using Status = dkim::KeyAnswer::Status;
  std::string key = to_lower(name);
  if (!key.empty() && key.back() == '.') key.pop_back();
  if (const auto it = source_.key_files.find(key); it != source_.key_files.end()) {
    auto text = read_input(it->second, dkim::kMaxKeyZoneBytes);
    if (!text) {
      last_error_ = text.error().detail;
      return {Status::temporary, {}};
    }
    auto entry = dkim::parse_key_zone(*text);
    if (!entry) {
      last_error_ = it->second + ": " + entry.error().detail;
      return {Status::not_found, {}};
    }
    return {Status::found, {entry->record()}};
  }
  if (!resolver_) {
    dns::ResolverOptions options;
    options.nameservers = source_.nameservers;
    options.timeout = std::chrono::seconds(source_.timeout_seconds);
    auto r = dns::LdnsResolver::create(options);
    if (!r) {
      last_error_ = r.error().detail;
      return {Status::temporary, {}};
    }
    resolver_ = std::move(*r);
  }
  const dns::Answer a = resolver_->query(key, dns::RrType::txt);
  if (a.status == dns::Status::answer) {
    dkim::KeyAnswer out{Status::found, {}};
    for (const dns::Record& rec : a.records) out.records.push_back(rec.value);
    return out;
  }
  last_error_ = key + ": DNS " + dns::to_string(a.status);
  return {dns::is_temporary(a.status) ? Status::temporary : Status::not_found, {}};
}

std::string KeyFetcher::origin(std::string_view name) const {
  std::string key = to_lower(name);
  if (const auto it = source_.key_files.find(key); it != source_.key_files.end()) return "file " + it->second;
  if (source_.nameservers.empty()) return "DNS via /etc/resolv.conf";
  std::string out = "DNS via ";
  for (std::size_t i = 0; i < source_.nameservers.size(); ++i) out += (i ? "," : "") + source_.nameservers[i];
  return out;
}

Result<DkimConfValues> read_dkim_conf(const std::string& path) {
  auto text = read_input(path, 1u << 20);
  if (!text) return fail(text.error().code, text.error().detail);
  DkimConfValues v;
  for (std::string_view line : split(*text, '\n')) {
    if (const auto hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
    line = trim(line);
    const auto ws = line.find_first_of(" \t");
    if (ws == std::string_view::npos) continue;
    const std::string_view name = line.substr(0, ws);
    const std::string value(trim(line.substr(ws)));
    if (iequals(name, "Domain"))
      v.domain = value;
    else if (iequals(name, "Selector"))
      v.selector = value;
    else if (iequals(name, "KeyFile"))
      v.key_file = value;
    else if (iequals(name, "KeyTable"))
      v.key_table = value;
    else if (iequals(name, "Nameservers"))
      v.nameservers = value;
    else if (iequals(name, "UserID"))
      v.user_id = value;
  }
  return v;
}

Result<std::string> read_input(const std::string& path, std::size_t max_bytes) {
  std::string out;
  const bool is_stdin = path.empty() || path == "-";
  const File owned(is_stdin ? nullptr : std::fopen(path.c_str(), "rb"));  // stdin is not ours
  std::FILE* f = is_stdin ? stdin : owned.get();
  if (f == nullptr) {
    const int err = errno;
    return fail(Errc::config, "cannot open " + path + ": " + std::strerror(err));
  }
  char buf[65536];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) {
    out.append(buf, n);
    if (out.size() > max_bytes) break;
  }
  const bool is_error = std::ferror(f) != 0;
  const std::string shown = is_stdin ? "standard input" : path;
  if (is_error) return fail(Errc::config, "cannot read " + shown);
  if (out.size() > max_bytes)
    return fail(Errc::config, shown + ": larger than " + std::to_string(max_bytes) + " bytes");
  return out;
}

int complain(std::string_view command, std::string_view message, int status) {
  std::fprintf(stderr, "cachetctl %.*s: %.*s\n", static_cast<int>(command.size()), command.data(),
               static_cast<int>(message.size()), message.data());
  return status;
}

}  // namespace cachet::ctl

namespace cachet::ctl {

int usage_error(std::string_view command, std::string_view message, void (*usage)(std::FILE*)) {
  complain(command, message, kExitUsage);
  usage(stderr);
  return kExitUsage;
}

}  // namespace cachet::ctl
