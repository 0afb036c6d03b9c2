// SPDX-License-Identifier: BSD-2-Clause
//
// tests/integration/tools/test_policy.cpp: a minimal spawn-mode policy service for tests
// of run_spawn() through a real fork/exec (policy_spawn_test.cpp). Answers
// "REJECT <sender>"; sender "fail@x" makes the handler fail. Usage:
//   cachet-test-policy [idle_timeout_ms]    (built into build/bin by tests/integration)
// Exit status: 0 after end of file or the idle timeout, 1 after a bad request or a
// handler failure, 2 on an I/O error. Logs to stderr.
#include <signal.h>

#include <cstdlib>
#include <string>

#include "common/log/logger.hpp"
#include "common/policy/spawn.hpp"

namespace {

class EchoHandler final : public cachet::policy::PolicyHandler {
 public:
  cachet::Result<std::string> handle(const cachet::policy::Request& r, const cachet::policy::ConnectionInfo&) override {
    if (r.sender() == "fail@x") return cachet::fail(cachet::Errc::temporary, "dns timeout");
    return "REJECT " + std::string(r.sender());
  }
};

}  // namespace

int main(int argc, char** argv) {
  ::signal(SIGPIPE, SIG_IGN);
  cachet::policy::SessionOptions options;
  if (argc > 1) options.idle_timeout = std::chrono::milliseconds(std::atol(argv[1]));
  cachet::log::StderrLogger logger("cachet-test-policy");
  EchoHandler handler;
  switch (cachet::policy::run_spawn(handler, logger, options)) {
    case cachet::policy::SpawnEnd::eof:
    case cachet::policy::SpawnEnd::idle_timeout: return 0;
    case cachet::policy::SpawnEnd::bad_request:
    case cachet::policy::SpawnEnd::handler_error: return 1;
    case cachet::policy::SpawnEnd::io_error: return 2;
  }
  return 2;
}
