// SPDX-License-Identifier: BSD-2-Clause
// tools/cachetctl/dmarc_conf.cpp: see dmarc_conf.hpp.
#include "tools/cachetctl/dmarc_conf.hpp"

#include "milters/dmarc/options.hpp"

namespace cachet::ctl {

Result<std::shared_ptr<const config::Config>> load_dmarc_conf(const std::string& path) {
  const config::ConfigOutcome out = config::load_config(path, dmarcd::kDmarcOptions);
  if (out.config) return out.config;
  std::string why;
  for (const config::Problem& p : out.problems)
    if (p.severity == config::Severity::error) why += (why.empty() ? "" : "; ") + p.to_string();
  return fail(Errc::config, why.empty() ? path + ": cannot be read" : why);
}

}  // namespace cachet::ctl
