# SPDX-License-Identifier: BSD-2-Clause
#
# tests/e2e/cachet_e2e: the Python side of the e2e tests and of scripts/demo (standard library
# only). stack: facts, logs, mboxes, sink, IMAP, DNS of a running stack; smtp: swaks;
# scenario: the registry of scenarios that tests/e2e/scenarios/*.py declare.
