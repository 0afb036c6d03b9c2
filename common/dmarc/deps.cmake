# SPDX-License-Identifier: BSD-2-Clause
# common/dmarc: the shared PostgreSQL history store (store/history_pg.cpp) needs libpq.
pkg_check_modules(LIBPQ REQUIRED IMPORTED_TARGET libpq)
target_link_libraries(cachet_common PUBLIC PkgConfig::LIBPQ)
