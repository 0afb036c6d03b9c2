// SPDX-License-Identifier: BSD-2-Clause
//
// common/dkim/why.hpp: the words of cachet-dkim's decision line, one per message
// (`dkim.decision`), built from what the milter glue saw: why the message was signed (with
// which domain, selector, algorithm and SigningTable line) or why not, and the result of
// each verified signature with the reason of each failure. `verbose` (opendkim's LogWhy)
// adds the client facts behind the choice.
// Pure: no I/O, no logging; any thread. Never fails.
// See also: common/log/fields.hpp, milters/dkim/session.cpp,
// tests/unit/common/dkim/why_test.cpp
#pragma once

#include <string>
#include <vector>

#include "common/dkim/verify.hpp"
#include "common/log/fields.hpp"

namespace cachet::dkim {

struct SignedWith {
  std::string domain, selector, algorithm;
  std::string key_name;        // KeyTable entry ("" in single-key mode)
  std::size_t table_line = 0;  // SigningTable line (0: single-key mode or inline table)
};

// Everything the signing choice looked at, in the order it looked.
struct SignFacts {
  bool sign_mode = true;      // Mode contains s
  bool verify_mode = true;    // Mode contains v
  std::string client;         // client address as the MTA gave it ("" unknown)
  std::string login;          // {auth_authen} ("" none)
  int sender_fields = 0;      // SenderHeaders fields found (From: more than 1 is suspicious)
  std::string sender_field;   // the field used ("From")
  bool sender_valid = false;  // its mailbox parsed to local@domain with an LDH domain
  std::string sender;         // local@domain when valid
  std::string sender_domain;
  bool exempt = false;                 // sender domain in ExemptDomains
  bool rcpt_blocked = false;           // a recipient in DontSignMailTo
  std::string origin;                  // why the client counts as ours ("" = it does not)
  std::string blocked;                 // a check after the origin said no (header From vs login)
  bool single_key = false;             // KeyFile/Domain mode rather than SigningTable
  std::vector<SignedWith> signatures;  // what was (to be) signed; empty: nothing matched
  std::string sign_error;              // signing failed after the choice (key unusable, ...)
};

// Fields of the decision line for the signing side: `sign=yes d= s= a= key= table=` or
// `sign=no why="..."` (the first reason in decision order), plus `client=` `login=`
// `from=` when verbose.
log::Fields sign_fields(const SignFacts& f, bool verbose);

// Fields for the verifying side: `verify=<pass|fail|neutral|policy|temperror|permerror|none>`
// (pass when any signature passed, else the first evaluated one; none when there is no
// signature) and `sigs="d=a.org s=x a=rsa-sha256
// pass; d=b.org s=y a=rsa-sha256 fail (body hash mismatch)"`.
log::Fields verify_fields(const std::vector<SignatureResult>& results);

// "d=a.org s=x a=rsa-sha256 fail (body hash mismatch)": one signature in words.
std::string describe(const SignatureResult& r);

}  // namespace cachet::dkim
