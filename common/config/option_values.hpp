// SPDX-License-Identifier: BSD-2-Clause
//
// common/config/option_values.hpp: the small steps every daemon's build_state repeats when
// it turns a validated Config into its state: an option's value loaded as a data set (file
// or inline list), the keys of that set, the keys parsed as a host list, and the error
// that names the option ("InternalHosts: file:/x: cannot open ...").
// Reads data set files (I/O) at startup and reload; no shared state; any thread.
// See also: dataset.hpp, host_list.hpp, milters/dkim/settings.cpp
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/base/result.hpp"
#include "common/config/config.hpp"
#include "common/config/dataset.hpp"
#include "common/config/host_list.hpp"

namespace cachet::config {

// Errc::config with "OPTION: " before the detail of `e`.
Unexpected<Error> option_error(std::string_view option, const Error& e);

// The option's value as a data set; an unset or empty value is an empty Dataset.
// Errors: those of load_dataset, through option_error.
[[nodiscard]] Result<Dataset> option_dataset(const Config& cfg, std::string_view name);

// The keys of option_dataset() in order (names, domains, hosts).
[[nodiscard]] Result<std::vector<std::string>> option_keys(const Config& cfg, std::string_view name);

// The keys of option_dataset() as a host list. Errors: option_dataset's, parse_host_list's.
[[nodiscard]] Result<HostList> option_host_list(const Config& cfg, std::string_view name);

}  // namespace cachet::config
