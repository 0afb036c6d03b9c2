// SPDX-License-Identifier: BSD-2-Clause
// common/base/result.cpp: names of the error classes, as they appear in log lines.
#include "common/base/result.hpp"

namespace cachet {

const char* to_string(Errc code) noexcept {
  switch (code) {
    case Errc::temporary: return "temporary";
    case Errc::permanent: return "permanent";
    case Errc::bad_input: return "bad_input";
    case Errc::config: return "config";
    case Errc::internal: return "internal";
  }
  return "internal";
}

}  // namespace cachet
