// SPDX-License-Identifier: BSD-2-Clause
//
// tests/integration/tools/test_milter.cpp: cachet-test-milter, a tiny milter on
// common/milter for tests/integration/milter_layer_test.cpp (a process of its own: signals,
// exit status and socket refusal are part of what is tested). Behaviour, driven by magic
// headers:
//   X-Test-Reject      -> 550 5.7.1 custom reply at that header
//   X-Test-Tempfail    -> tempfail at that header
//   X-Test-Throw       -> the hook throws (the layer must turn it into the failure action)
//   X-Test-Quarantine  -> quarantine at EOM;  X-Test-Change -> Subject #1 changed at EOM
// At EOM it always inserts X-Test-First at index 0 and adds X-Test-Macros (macros seen per
// stage), X-Test-Body-Size, X-Test-Headers, X-Test-Aborts, X-Test-Live (live sessions).
// Flags: --no-reply (NR for rcpt, header, eoh, body), --leading-space, --symlist,
//        --no-connect, --failure=accept|reject|tempfail.
// Signals: the main thread sigwaits (the pattern runner.hpp recommends): SIGHUP/SIGUSR1 log
// `test_milter.reload n=N`; SIGTERM/SIGINT stop the milter; exit status = run()'s result.
#include <signal.h>

#include <atomic>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <string>
#include <thread>

#include "common/base/strings.hpp"
#include "common/log/logger.hpp"
#include "common/milter/buffers.hpp"
#include "common/milter/runner.hpp"

namespace {

using namespace cachet;
using namespace cachet::milter;

class TestSession final : public Session {
 public:
  Verdict on_connect(Context& c, const ConnInfo& info) override {
    note(c, "connect", {"j", "{daemon_name}"});
    client_ = info.address;
    return Verdict::cont();
  }
  Verdict on_envfrom(Context& c, const std::vector<std::string_view>& args) override {
    headers_.clear();
    body_.clear();
    msg_seen_.clear();
    note(c, "mail", {"i", "{auth_authen}", "{mail_addr}"});
    from_ = args.empty() ? "" : std::string(args[0]);
    return Verdict::cont();
  }
  Verdict on_envrcpt(Context& c, const std::vector<std::string_view>&) override {
    note(c, "rcpt", {"{rcpt_addr}"});
    return Verdict::cont();
  }
  Verdict on_header(Context&, std::string_view name, std::string_view value) override {
    if (auto ok = headers_.add(name, value); !ok) return Verdict::tempfail();
    if (iequals(name, "X-Test-Reject")) return Verdict::reply("550", "5.7.1", "rejected by test");
    if (iequals(name, "X-Test-Tempfail")) return Verdict::tempfail();
    if (iequals(name, "X-Test-Throw")) throw std::runtime_error("test hook threw");
    return Verdict::cont();
  }
  Verdict on_body(Context&, std::string_view chunk) override {
    body_.write(chunk);
    return Verdict::cont();
  }
  Verdict on_eom(Context& c) override {
    note(c, "eom", {"i"});
    auto check = [](Result<void> r) {
      if (!r) throw std::runtime_error(r.error().detail);
    };
    check(c.insert_header(0, "X-Test-First", "yes"));
    const std::string seen = conn_seen_ + msg_seen_;
    check(c.add_header("X-Test-Macros", seen.empty() ? "none" : seen.substr(1)));
    check(c.add_header("X-Test-Body-Size", std::to_string(body_.total_bytes())));
    check(c.add_header("X-Test-Headers", std::to_string(headers_.fields().size())));
    check(c.add_header("X-Test-Aborts", std::to_string(aborts_)));
    check(c.add_header("X-Test-Live", std::to_string(MilterRunner::live_sessions())));
    if (const auto* subject = headers_.find("Subject"))
      check(c.add_header("X-Test-Subject", "[" + subject->value + "]"));
    if (headers_.find("X-Test-Quarantine") != nullptr) check(c.quarantine("test quarantine"));
    if (headers_.find("X-Test-Change") != nullptr) check(c.change_header("Subject", 1, "changed"));
    return Verdict::cont();
  }
  void on_abort(Context&) override {
    ++aborts_;
    headers_.clear();
    body_.clear();
  }

 private:
  void note(Context& c, const char* stage, std::initializer_list<const char*> names) {
    for (const char* n : names)
      if (auto v = c.macro(n))
        (std::strcmp(stage, "connect") == 0 ? conn_seen_ : msg_seen_) += std::string(";") + stage + ":" + n + "=" + *v;
  }

  HeaderList headers_;
  CappedBodyBuffer body_{1024};
  std::string conn_seen_, msg_seen_, client_, from_;
  int aborts_ = 0;
};

MilterSpec spec_from_args(int argc, char** argv) {
  MilterSpec spec;
  spec.name = "cachet-test-milter";
  spec.actions = wire::kActAddHdrs | wire::kActChgHdrs | wire::kActQuarantine;
  spec.steps.envrcpt = true;
  for (int i = 2; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--no-reply")
      spec.no_reply = wire::kNrRcpt | wire::kNrHdr | wire::kNrEoh | wire::kNrBody;
    else if (a == "--leading-space")
      spec.header_leading_space = true;
    else if (a == "--no-connect")
      spec.steps.connect = false;
    else if (a == "--symlist") {
      spec.macros[static_cast<int>(wire::Stage::mail)] = "i {auth_authen}";
      spec.macros[static_cast<int>(wire::Stage::connect)] = "j";
    } else if (a == "--failure=accept")
      spec.on_internal_error = FailureAction::accept;
    else if (a == "--failure=reject")
      spec.on_internal_error = FailureAction::reject;
    else if (a == "--failure=tempfail")
      spec.on_internal_error = FailureAction::tempfail;
    else
      throw std::invalid_argument("unknown flag " + a);
  }
  return spec;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: cachet-test-milter SOCKET [flags]\n");
    return 64;
  }
  sigset_t set;
  sigemptyset(&set);
  for (int s : {SIGHUP, SIGTERM, SIGINT, SIGUSR1}) sigaddset(&set, s);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);  // before any thread exists

  log::StderrLogger logger("cachet-test-milter");
  MilterSpec spec;
  try {
    spec = spec_from_args(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 64;
  }
  MilterRunner runner(
      spec, [](const ConnInfo&) { return std::make_unique<TestSession>(); }, logger);
  MilterOptions options;
  options.socket = argv[1];
  if (auto ok = runner.open(options); !ok) {
    log::Event(logger, log::Level::error, "test_milter.open_failed").kv("error", ok.error().detail);
    return 78;
  }
  std::atomic<bool> done{false};
  int rc = MilterRunner::kFailed;
  std::thread serve([&] {
    rc = runner.run();
    done.store(true);
  });
  log::Event(logger, log::Level::info, "test_milter.ready");
  int reloads = 0;
  const timespec tick{0, 50 * 1000 * 1000};
  while (!done.load()) {
    const int sig = sigtimedwait(&set, nullptr, &tick);
    if (sig == SIGHUP || sig == SIGUSR1) {
      log::Event(logger, log::Level::info, "test_milter.reload").kv("n", ++reloads);
    } else if (sig == SIGTERM || sig == SIGINT) {
      runner.stop();
      break;
    }
  }
  serve.join();
  log::Event(logger, log::Level::info, "test_milter.exit").kv("rc", rc);
  return rc;
}
