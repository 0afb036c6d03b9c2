// SPDX-License-Identifier: BSD-2-Clause
// tests/unit/milters/dkim/options_test.cpp: cachet-dkim's option table: sound, complete
// against opendkim's names (peers.md s1.1), documented in the man page with the same
// default, and the classic guide's opendkim.conf parses unchanged.
#include "milters/dkim/options.hpp"

#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "common/config/config.hpp"
#include "milters/dkim/settings.hpp"

namespace {

using namespace cachet;

TEST(DkimOptions, TableIsSound) { EXPECT_TRUE(config::validate_table(dkimd::kDkimOptions).empty()); }

TEST(DkimOptions, EveryOpendkimNameIsKnown) {
  // Debian 2.11 + upstream develop (peers.md s1.1), a sample across every theme.
  for (const char* name : {"AllowSHA1Only",
                           "AlwaysAddARHeader",
                           "ATPSDomains",
                           "AuthservID",
                           "AuthservIDWithJobID",
                           "AutoRestart",
                           "AutoRestartCount",
                           "AutoRestartRate",
                           "Background",
                           "BaseDirectory",
                           "BodyLengthDB",
                           "BogusKey",
                           "CaptureUnknownErrors",
                           "Canonicalization",
                           "ChangeRootDirectory",
                           "ClockDrift",
                           "Diagnostics",
                           "DiagnosticDirectory",
                           "DisableCryptoInit",
                           "DNSConnect",
                           "DNSTimeout",
                           "Domain",
                           "DomainKeysCompat",
                           "DontSignMailTo",
                           "EnableCoredumps",
                           "ExemptDomains",
                           "ExternalIgnoreList",
                           "FinalPolicyScript",
                           "FixCRLF",
                           "IdentityHeader",
                           "IgnoreMalformedMail",
                           "Include",
                           "InternalHosts",
                           "KeepAuthResults",
                           "KeepTemporaryFiles",
                           "KeyFile",
                           "KeyTable",
                           "LDAPAuthMechanism",
                           "LDAPBindPassword",
                           "LDAPUseTLS",
                           "LogResults",
                           "LogWhy",
                           "MacroList",
                           "MaximumHeaders",
                           "MaximumSignaturesToVerify",
                           "MaximumSignedBytes",
                           "MilterDebug",
                           "Minimum",
                           "MinimumKeyBits",
                           "Mode",
                           "MTA",
                           "MTACommand",
                           "MultipleSignatures",
                           "MustBeSigned",
                           "Nameservers",
                           "NoHeaderB",
                           "OmitHeaders",
                           "On-BadSignature",
                           "On-Default",
                           "On-DNSError",
                           "On-InternalError",
                           "On-KeyNotFound",
                           "On-NoSignature",
                           "On-Security",
                           "On-SignatureError",
                           "OversignHeaders",
                           "OverSignHeaders",
                           "PeerList",
                           "PidFile",
                           "POPDBFile",
                           "Quarantine",
                           "QueryCache",
                           "RedirectFailuresTo",
                           "RemoveARAll",
                           "RemoveARFrom",
                           "RemoveOldSignatures",
                           "ReplaceHeaders",
                           "ReplaceRules",
                           "ReportAddress",
                           "ReportBccAddress",
                           "RequestReports",
                           "RequiredHeaders",
                           "RequireSafeKeys",
                           "ResignAll",
                           "ResignMailTo",
                           "ResolverConfiguration",
                           "ResolverTracing",
                           "ScreenPolicyScript",
                           "SelectCanonicalizationHeader",
                           "Selector",
                           "SenderHeaders",
                           "SenderMacro",
                           "SendReports",
                           "SetupPolicyScript",
                           "SignatureAlgorithm",
                           "SignatureTTL",
                           "SignHeaders",
                           "SigningTable",
                           "SMTPURI",
                           "Socket",
                           "SoftStart",
                           "SoftwareHeader",
                           "Statistics",
                           "StatisticsName",
                           "StatisticsPrefix",
                           "StatisticsPolicyScript",
                           "StrictHeaders",
                           "StrictTestMode",
                           "SubDomains",
                           "Syslog",
                           "SyslogFacility",
                           "SyslogName",
                           "SyslogSuccess",
                           "TemporaryDirectory",
                           "TestDNSData",
                           "TestPublicKeys",
                           "TrustAnchorFile",
                           "TrustSignaturesFrom",
                           "UMask",
                           "UnprotectedKey",
                           "UserID",
                           "VBR-Certifiers",
                           "VBR-PurgeFields",
                           "VBR-TrustedCertifiers",
                           "VBR-TrustedCertifiersOnly",
                           "VBR-Type",
                           "WeakSyntaxChecks",
                           "X-Header",
                           "StdoutLog",
                           "CheckSigningTable",
                           "ConditionalSignatures",
                           "ReputationVerbose",
                           "On-ReputationError"})
    EXPECT_NE(config::find_option(dkimd::kDkimOptions, name), nullptr) << name;
}

TEST(DkimOptions, SecurityOptionsAreImplemented) {
  for (const char* name : {"RequireSafeKeys", "MinimumKeyBits", "On-BadSignature", "On-Default", "On-DNSError",
                           "On-InternalError", "On-KeyNotFound", "On-NoSignature", "On-Security", "On-SignatureError",
                           "KeepAuthResults", "MustBeSigned", "TrustSignaturesFrom", "MaximumSignaturesToVerify"}) {
    const auto* o = config::find_option(dkimd::kDkimOptions, name);
    ASSERT_NE(o, nullptr) << name;
    EXPECT_EQ(o->support, config::Support::implemented) << name;
  }
}

TEST(DkimOptions, ManPageListsEveryOptionWithItsDefault) {
  std::ifstream in(std::string(CACHET_SOURCE_DIR) + "/milters/dkim/cachet-dkim.8.md");
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string page = ss.str();
  ASSERT_FALSE(page.empty());
  for (const auto& o : dkimd::kDkimOptions) {
    const std::string row = "| " + std::string(o.name) + " | " + std::string(o.default_value) + " |";
    EXPECT_NE(page.find(row), std::string::npos) << row;
  }
}

TEST(DkimOptions, ClassicGuideConfigParsesUnchanged) {
  const char* text =
      "Canonicalization\trelaxed/simple\nDomain\t\t\tdomain.tld\nKeyFile\t\t\t/etc/opendkim/default.private\n"
      "Selector\t\tdefault\nSocket                  local:/run/opendkim/opendkim.sock\nUMask\t\t\t002\n"
      "UserID\t\t\topendkim:postfix\n";
  const auto out = config::parse_config(text, "opendkim.conf", dkimd::kDkimOptions);
  ASSERT_TRUE(out.ok());
  EXPECT_TRUE(dkimd::validate_config(*out.config).empty());
  const auto bad = config::parse_config("NoSuchOption yes\n", "opendkim.conf", dkimd::kDkimOptions);
  EXPECT_FALSE(bad.ok());
  const auto adsp = config::parse_config("ADSPAction reject\n", "opendkim.conf", dkimd::kDkimOptions);
  EXPECT_FALSE(adsp.ok());
}

}  // namespace
