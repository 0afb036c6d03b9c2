// SPDX-License-Identifier: BSD-2-Clause
//
// tests/lib/http_get.hpp: one HTTP/1.0 GET on loopback for the tests that scrape a
// daemon's /metrics endpoint. Returns the body of a 200 answer.
// Errors: Errc::temporary (connect/read failure, 5 s deadline), Errc::bad_input (not 200).
#pragma once

#include <string>

#include "common/base/result.hpp"

namespace cachet::testlib {

[[nodiscard]] Result<std::string> http_get(int port, const std::string& path);

}  // namespace cachet::testlib
