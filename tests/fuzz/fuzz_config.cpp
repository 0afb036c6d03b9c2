// SPDX-License-Identifier: BSD-2-Clause
//
// tests/fuzz/fuzz_config.cpp: parse_config over arbitrary bytes with a small table that
// has one option of every Kind, plus the data set parser over the same bytes. Must not crash,
// hang, leak or throw; a successful parse must be readable through every getter, and its
// effective() text (what --check-config prints) must parse again to the same values (the
// secret, printed masked, aside); a data set that parses finds each of its own keys.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "common/base/strings.hpp"

#include "common/config/config.hpp"
#include "common/config/dataset.hpp"

namespace {

using namespace cachet::config;

inline constexpr OptionSpec kFuzzOptions[] = {
    {"Socket", Kind::socket, "local:/run/fuzz.sock", "socket"},
    {"Name", Kind::string, "", "string"},
    {"Secret", Kind::secret, "", "secret"},
    {"Flag", Kind::boolean, "no", "boolean"},
    {"Count", Kind::integer, "1", "integer", Range{0, 100}},
    {"UMask", Kind::octal, "077", "octal", Range{0, 0777}},
    {"Timeout", Kind::seconds, "5", "seconds", Range{1, 86400}},
    {"File", Kind::path, "", "path"},
    {"On-Bad", Kind::action, "accept", "action"},
    {"Mode", Kind::choice, "a", "choice", Choices{"a|b"}},
    {"Ids", Kind::list, "", "list"},
    {"Hosts", Kind::dataset, "csl:127.0.0.1", "dataset"},
    {"Old", Kind::boolean, "", "peer option", Support::accepted_no_effect},
    {"Gone", Kind::boolean, "", "obsolete", Support::obsolete},
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  const ConfigOutcome out = parse_config(in, "fuzz.conf", kFuzzOptions);
  for (const Problem& p : out.problems) (void)p.to_string();
  if (out.config) {
    const Config& c = *out.config;
    (void)c.string("Name");
    (void)c.boolean("Flag");
    (void)c.integer("Count");
    (void)c.integer("UMask");
    (void)c.seconds("Timeout");
    (void)c.action("On-Bad");
    (void)c.list("Ids");
    const std::string effective = c.effective();
    std::string text;
    for (std::string_view line : cachet::split(effective, '\n'))
      if (line.rfind("Secret ", 0) != 0) text += std::string(line) + "\n";
    const ConfigOutcome again = parse_config(text, "effective.conf", kFuzzOptions);
    if (!again.config) std::abort();
    for (const OptionSpec& spec : kFuzzOptions) {
      if (spec.kind == Kind::secret || spec.support == Support::obsolete) continue;
      if (again.config->string(spec.name) != c.string(spec.name)) std::abort();
    }
  }
  if (auto d = parse_dataset_text(in, "fuzz.tbl", true)) (void)d->lookup("user@example.com");
  (void)parse_dataset_spec(in);
  return 0;
}
