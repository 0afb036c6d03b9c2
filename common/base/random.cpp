// SPDX-License-Identifier: BSD-2-Clause
// common/base/random.cpp: see random.hpp.
#include "common/base/random.hpp"

#include <pthread.h>
#include <sys/random.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <random>

namespace cachet {
namespace {

constexpr std::size_t kPoolBytes = 256;  // getrandom(2)'s size served in one call
constexpr std::size_t kMaxPooled = 64;   // larger draws go to the kernel directly

// Bumped in every child of fork(): a pool filled before it is stale there.
std::atomic<unsigned> g_fork_generation{0};
[[maybe_unused]] const int kForkHookRegistered =
    ::pthread_atfork(nullptr, nullptr, [] { g_fork_generation.fetch_add(1, std::memory_order_relaxed); });

void kernel_fill(unsigned char* p, std::size_t size) {
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

struct Pool {
  std::array<unsigned char, kPoolBytes> bytes;
  std::size_t used = kPoolBytes;  // empty until the first draw
  unsigned generation = 0;
};

}  // namespace

void random_fill(void* out, std::size_t size) {
  auto* p = static_cast<unsigned char*>(out);
  if (size > kMaxPooled) return kernel_fill(p, size);
  thread_local Pool pool;
  const unsigned generation = g_fork_generation.load(std::memory_order_relaxed);
  if (pool.used + size > kPoolBytes || pool.generation != generation) {
    kernel_fill(pool.bytes.data(), pool.bytes.size());
    pool.used = 0;
    pool.generation = generation;
  }
  std::memcpy(p, pool.bytes.data() + pool.used, size);
  // Each byte is handed out once: wiped, so that a later dump of this memory shows nothing.
  std::memset(pool.bytes.data() + pool.used, 0, size);
  pool.used += size;
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
