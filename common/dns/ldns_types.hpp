// SPDX-License-Identifier: BSD-2-Clause
//
// common/dns/ldns_types.hpp: owning wrappers for the ldns objects common/dns creates.
// Only common/dns and tests/lib include ldns headers. Header-only.
#pragma once

// ldns/common.h #defines bool, true and false (breaking e.g. <optional>'s operator<=>
// included after it) unless __bool_true_false_are_defined is set; <stdbool.h> sets it.
// Include ldns through this header only.
#include <stdbool.h>  // NOLINT(modernize-deprecated-headers): see above

#include <ldns/ldns.h>

#include <cstdint>
#include <cstdlib>

#include "common/base/c_ptr.hpp"

namespace cachet::dns {

using LdnsPkt = CPtr<ldns_pkt, &ldns_pkt_free>;
using LdnsRr = CPtr<ldns_rr, &ldns_rr_free>;
using LdnsRdf = CPtr<ldns_rdf, &ldns_rdf_deep_free>;
// Buffers ldns allocates with malloc (ldns_pkt2wire).
inline void free_bytes(std::uint8_t* p) noexcept { std::free(p); }
using LdnsBytes = CPtr<std::uint8_t, &free_bytes>;

}  // namespace cachet::dns
