// SPDX-License-Identifier: BSD-2-Clause
// tests/unit/common/dkim/sign_facts_for_test.hpp: SignFacts rows shared by the decision-line
// tests (why_test.cpp) and the cost measure (milters/dkim/observability_cost_test.cpp).
#pragma once

#include "common/dkim/why.hpp"

namespace cachet::dkim {

// An outside client, From alice@example.com, SigningTable mode, nothing decided yet.
inline SignFacts outside_alice_for_test() {
  SignFacts f;
  f.client = "203.0.113.5";
  f.sender_fields = 1;
  f.sender_field = "From";
  f.sender_valid = true;
  f.sender = "alice@example.com";
  f.sender_domain = "example.com";
  return f;
}

// The same message from alice, authenticated: signed by SigningTable line 3.
inline SignFacts signed_alice_for_test() {
  SignFacts f = outside_alice_for_test();
  f.origin = "authenticated as alice";
  f.login = "alice";
  f.signatures.push_back({"example.com", "s2024", "rsa-sha256", "example", 3});
  return f;
}

}  // namespace cachet::dkim
