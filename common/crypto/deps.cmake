# SPDX-License-Identifier: BSD-2-Clause
# common/crypto: tls_client.cpp (SMTP submission of DMARC reports) needs libssl.
target_link_libraries(cachet_common PUBLIC OpenSSL::SSL)
