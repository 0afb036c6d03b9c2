// SPDX-License-Identifier: BSD-2-Clause
// common/config/option_values.cpp: see option_values.hpp.
#include "common/config/option_values.hpp"

namespace cachet::config {

Unexpected<Error> option_error(std::string_view option, const Error& e) {
  return fail(Errc::config, std::string(option) + ": " + e.detail);
}

Result<Dataset> option_dataset(const Config& cfg, std::string_view name) {
  const std::string& text = cfg.string(name);
  if (text.empty()) return Dataset();
  auto ds = load_dataset(text);
  if (!ds) return option_error(name, ds.error());
  return ds;
}

Result<std::vector<std::string>> option_keys(const Config& cfg, std::string_view name) {
  auto ds = option_dataset(cfg, name);
  if (!ds) return Unexpected<Error>(ds.error());
  std::vector<std::string> out;
  out.reserve(ds->entries().size());
  for (const auto& e : ds->entries()) out.push_back(e.key);
  return out;
}

Result<HostList> option_host_list(const Config& cfg, std::string_view name) {
  auto items = option_keys(cfg, name);
  if (!items) return Unexpected<Error>(items.error());
  auto hl = parse_host_list(*items);
  if (!hl) return option_error(name, hl.error());
  return hl;
}

}  // namespace cachet::config
