// SPDX-License-Identifier: BSD-2-Clause
//
// tests/bench/from_login_cost.cpp: cachet-bench-fromlogin, the CPU cost of cachet-dkim's
// header From check (common/sender/from_login.hpp through the real SenderMaps loaded from
// the classic guide's sendas.pcre, in memory) next to the cost of what it guards: signing
// one message with rsa-sha256/2048 (dkim::sign_message). Both on this process's CPU clock,
// one thread, so the ratio does not depend on the machine's load the way the milter
// side-by-side does (scenarios/dkim.sh dkim-sign-rsa-2k-fromlogin).
//   cachet-bench-fromlogin [--message FILE] [-n CHECKS] [--signs SIGNS]
// Prints one line:
//   from_login check_us=0.70 sign_us=284.0 check_per_signed_message=0.25%
// Exit 1 when a check does not find alice's own From owned or a signature fails.
// No timing assertions: the figure is for the reader (issue 15 goal: <= 2%).

#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "common/base/strings.hpp"
#include "common/crypto/crypto.hpp"
#include "common/dkim/sign.hpp"
#include "common/sender/from_login.hpp"
#include "common/sender/login_maps.hpp"
#include "tests/bench/cpu_cost.hpp"
#include "tests/lib/memory_files.hpp"

namespace {

using namespace cachet;
using bench::cpu_seconds;
using bench::default_message;
using bench::read_message;

// The From field's value of a CRLF message ("" when none).
std::string from_value(const std::string& msg) {
  std::size_t pos = 0;
  while (pos < msg.size() && msg.compare(pos, 2, "\r\n") != 0) {
    const std::size_t end = msg.find("\r\n", pos);
    if (end == std::string::npos) break;
    if (istarts_with(std::string_view(msg).substr(pos), "From:")) return msg.substr(pos + 5, end - pos - 5);
    pos = end + 2;
  }
  return "";
}

}  // namespace

int main(int argc, char** argv) {
  std::string message_path;
  long checks = 200000, signs = 300;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--message")
      message_path = argv[i + 1];
    else if (a == "-n")
      checks = std::stol(argv[i + 1]);
    else if (a == "--signs")
      signs = std::stol(argv[i + 1]);
    else {
      std::cerr << "usage: cachet-bench-fromlogin [--message FILE] [-n CHECKS] [--signs SIGNS]\n";
      return 64;
    }
  }
  const std::string msg = message_path.empty() ? default_message() : read_message(message_path);
  const std::string from = from_value(msg);

  const tables::FileReader reader = testlib::memory_files(
      {{"/bench/sendas.pcre", "/^postmaster@bench\\.example$/ alice\n/^(.+)@bench\\.example$/ ${1}\n"}});
  sender::MapsSettings ms;
  ms.login_maps = "pcre:/bench/sendas.pcre";
  ms.system_hostname = "mx.bench.example";
  std::vector<std::string> warnings;
  auto maps = sender::SenderMaps::load(ms, reader, warnings);
  if (!maps) {
    std::cerr << "maps: " << maps.error().detail << '\n';
    return 1;
  }
  const sender::FromPolicy policy{sender::MismatchPolicy::all, sender::FromAction::reject, sender::FromAction::sign};
  const sender::OwnerLookup lookup = [&maps](std::string_view a) { return (*maps)->lookup(a); };
  const sender::HeaderFacts facts{"alice", {from}, {}, "From", "alice", "bench.example"};

  double t0 = cpu_seconds();
  for (long i = 0; i < checks; ++i) {
    const auto d = sender::decide_from(policy, facts, lookup);
    if (d.action != sender::FromAction::sign || d.verdict != sender::FromVerdict::owned) {
      std::cerr << "check refused alice's own From (" << from << "): " << d.why << '\n';
      return 1;
    }
  }
  const double check_us = (cpu_seconds() - t0) * 1e6 / static_cast<double>(checks);

  auto key = crypto::PrivateKey::generate(crypto::KeyType::rsa, 2048);
  if (!key) return 1;
  dkim::SignParams p;
  p.domain = "bench.example";
  p.selector = "rsa2048";
  p.key = &*key;
  p.header_canon = dkim::Canon::relaxed;
  p.timestamp = 1700000000;
  t0 = cpu_seconds();
  for (long i = 0; i < signs; ++i)
    if (!dkim::sign_message(msg, p)) {
      std::cerr << "signing failed\n";
      return 1;
    }
  const double sign_us = (cpu_seconds() - t0) * 1e6 / static_cast<double>(signs);
  std::printf("from_login check_us=%.2f sign_us=%.1f check_per_signed_message=%.2f%%\n", check_us, sign_us,
              100.0 * check_us / sign_us);
  return 0;
}
