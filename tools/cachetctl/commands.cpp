// SPDX-License-Identifier: BSD-2-Clause
// tools/cachetctl/commands.cpp: the one list of cachetctl subcommands. A new subcommand adds
// its declaration and one row here.
#include "tools/cachetctl/command.hpp"

namespace cachet::ctl {

int cmd_version(std::span<char* const> args);
int cmd_keygen(std::span<char* const> args);
int cmd_testkey(std::span<char* const> args);
int cmd_sign(std::span<char* const> args);
int cmd_verify(std::span<char* const> args);
int cmd_dmarc_report(std::span<char* const> args);
int cmd_doctor(std::span<char* const> args);
int cmd_dmarc_import(std::span<char* const> args);
int cmd_dmarc_summary(std::span<char* const> args);
int cmd_dmarc_dashboard(std::span<char* const> args);

std::span<const Command> commands() {
  static constexpr Command kCommands[] = {
      {"version", "print the cachet version", &cmd_version},
      {"keygen", "generate a DKIM key pair and its DNS record (opendkim-genkey)", &cmd_keygen},
      {"testkey", "check a published DKIM key against the private key (opendkim-testkey)", &cmd_testkey},
      {"sign", "DKIM-sign a message file", &cmd_sign},
      {"verify", "verify the DKIM signatures of a message file", &cmd_verify},
      {"dmarc-report", "DMARC aggregate reports from the history: print, or send (timer)", &cmd_dmarc_report},
      {"doctor", "check a domain's mail DNS and the Postfix wiring, each problem with its fix", &cmd_doctor},
      {"dmarc-import", "import the DMARC reports receivers send (mail, mbox, Maildir, .xml/.gz/.zip)",
       &cmd_dmarc_import},
      {"dmarc-summary", "what the imported DMARC reports say: pass rates, sources, who fails", &cmd_dmarc_summary},
      {"dmarc-dashboard", "write the DMARC reports dashboard (one HTML page)", &cmd_dmarc_dashboard},
  };
  return kCommands;
}

}  // namespace cachet::ctl
