// SPDX-License-Identifier: BSD-2-Clause
// common/base/random.hpp: unpredictable numbers from the kernel (getrandom(2)), for DNS
// query IDs and DMARC pct sampling. One syscall per call and no state: cheap enough per
// message, where constructing a std::random_device per connection is not (it probes the
// CPU with cpuid, a VM exit under a hypervisor: 17% of cachet-dmarc's CPU when measured).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace cachet {

// A uniformly distributed 32-bit value. Never blocks once the kernel's pool is seeded.
std::uint32_t random_u32();
// `size` random bytes at `out` (one system call for up to 256 bytes).
void random_fill(void* out, std::size_t size);

// 16 lower-case hex digits (64 random bits): report ids, MIME boundaries, Message-IDs.
std::string random_hex64();

}  // namespace cachet
