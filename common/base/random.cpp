// SPDX-License-Identifier: BSD-2-Clause
// common/base/random.cpp: see random.hpp.
#include "common/base/random.hpp"

#include <sys/random.h>

#include <cerrno>
#include <cstdio>
#include <random>

namespace cachet {

void random_fill(void* out, std::size_t size) {
  auto* p = static_cast<unsigned char*>(out);
  while (size > 0) {
    const ssize_t n = ::getrandom(p, size, 0);
    if (n > 0) {
      p += n;
      size -= static_cast<std::size_t>(n);
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else {
      break;
    }
  }
  if (size == 0) return;
  std::random_device rd;  // getrandom(2) missing (ENOSYS): the slow but portable path
  for (; size > 0; --size) *p++ = static_cast<unsigned char>(rd());
}

std::uint32_t random_u32() {
  std::uint32_t v = 0;
  random_fill(&v, sizeof v);
  return v;
}

std::string random_hex64() {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%08x%08x", random_u32(), random_u32());
  return buf;
}

}  // namespace cachet
