# SPDX-License-Identifier: BSD-2-Clause
# common/dmarc/import: report attachments are unpacked with libarchive (archive.cpp) and
# parsed with libxml2 (aggregate.cpp).
pkg_check_modules(LIBARCHIVE REQUIRED IMPORTED_TARGET libarchive)
pkg_check_modules(LIBXML2 REQUIRED IMPORTED_TARGET libxml-2.0)
target_link_libraries(cachet_common PUBLIC PkgConfig::LIBARCHIVE PkgConfig::LIBXML2)
