# SPDX-License-Identifier: BSD-2-Clause
# tests/e2e/stack/plugins.d/50-doctor.sh: DNS for scenarios/doctor.py that needs a key made
# at start: doctor.test publishes example.test's signing key (10-dkim.sh's default.private)
# while the scenario's KeyTable signs with the foreign key, so doctor must report that the
# keys do not match. Starts nothing.
stack_zone_data "local-data: 'default._domainkey.doctor.test. 300 IN TXT $(dkim_txt "$STACK/dkim/default.private")'"
