// SPDX-License-Identifier: BSD-2-Clause
// tools/cachetctl/main.cpp: dispatches `cachetctl <subcommand> [args]` to the table in
// commands.cpp. Exit 64 (EX_USAGE) for an unknown subcommand.
#include <cstdio>
#include <span>
#include <string_view>

#include "tools/cachetctl/command.hpp"

namespace cachet::ctl {

int cmd_version(std::span<char* const>) {
  std::printf("cachetctl %s\n", CACHET_VERSION);
  return 0;
}

namespace {

int usage(std::FILE* out) {
  std::fprintf(out, "usage: cachetctl <command> [arguments]\n\ncommands:\n");
  for (const Command& c : commands())
    std::fprintf(out, "  %-10.*s %.*s\n", static_cast<int>(c.name.size()), c.name.data(),
                 static_cast<int>(c.summary.size()), c.summary.data());
  return out == stdout ? 0 : 64;
}

}  // namespace
}  // namespace cachet::ctl

int main(int argc, char** argv) {
  using namespace cachet::ctl;
  if (argc < 2) return usage(stderr);
  const std::string_view name = argv[1];
  if (name == "help" || name == "--help" || name == "-h") return usage(stdout);
  for (const Command& c : commands())
    if (c.name == name) return c.run(std::span<char* const>(argv + 2, static_cast<std::size_t>(argc - 2)));
  std::fprintf(stderr, "cachetctl: unknown command '%s'\n", argv[1]);
  return usage(stderr);
}
