// SPDX-License-Identifier: BSD-2-Clause
// common/base/random.cpp: see random.hpp.
#include "common/base/random.hpp"

#include <sys/random.h>

#include <cerrno>
#include <cstdio>
#include <random>

namespace cachet {

std::uint32_t random_u32() {
  std::uint32_t v = 0;
  for (;;) {
    const ssize_t n = ::getrandom(&v, sizeof v, 0);
    if (n == static_cast<ssize_t>(sizeof v)) return v;
    if (n < 0 && errno == EINTR) continue;
    break;
  }
  std::random_device rd;  // getrandom(2) missing (ENOSYS): the slow but portable path
  return static_cast<std::uint32_t>(rd());
}

std::string random_hex64() {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%08x%08x", random_u32(), random_u32());
  return buf;
}

}  // namespace cachet
