# SPDX-License-Identifier: BSD-2-Clause
# common/base: gzip.cpp (DMARC report attachments) needs zlib.
find_package(ZLIB REQUIRED)
target_link_libraries(cachet_common PUBLIC ZLIB::ZLIB)
