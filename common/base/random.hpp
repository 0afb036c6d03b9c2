// SPDX-License-Identifier: BSD-2-Clause
// common/base/random.hpp: unpredictable numbers from the kernel (getrandom(2)), for DNS
// query IDs, DMARC pct sampling, report ids. Small draws come from a pool of kernel bytes
// per thread (256 bytes: one getrandom(2) per 64 four-byte draws, where one per draw was a
// system call per message); the pool is refilled after fork(), so a child never repeats
// its parent's draws. (A std::random_device per connection is not cheap: it probes the CPU
// with cpuid, a VM exit under a hypervisor, 17% of cachet-dmarc's CPU when measured.)
// Thread-safety: any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace cachet {

// A uniformly distributed 32-bit value. Never blocks once the kernel's pool is seeded.
std::uint32_t random_u32();
// `size` random bytes at `out`: from this thread's pool up to 64 bytes, else straight from
// the kernel (one system call per 256 bytes).
void random_fill(void* out, std::size_t size);

// 16 lower-case hex digits (64 random bits): report ids, MIME boundaries, Message-IDs.
std::string random_hex64();

}  // namespace cachet
