# SPDX-License-Identifier: BSD-2-Clause
# cachet_add_daemon(<binary> CORE <core_lib> [SPAWNED])
# Builds <binary> from main.cpp of the calling folder and every other *.cpp there (the
# daemon's glue) into the static library <core_lib>, which unit tests link. Installs the
# binary into sbin (linked --as-needed) and records it in the global property
# CACHET_DAEMONS for packaging.
# SPAWNED: Postfix spawn(8) starts the binary once per smtpd connection and waits for its
# first answer (issue 3: within 5 ms), so it links libstdc++ and libgcc statically when
# CACHET_STATIC_LIBSTDCXX is ON: the dynamic loader's work for libstdc++.so (about 5000
# symbol relocations) was a fifth of a spawned cachet-spf's start. No library the daemons
# link is C++, so no C++ object crosses a shared-library boundary.
option(CACHET_STATIC_LIBSTDCXX "Link spawned daemons with -static-libstdc++ -static-libgcc" ON)
# The milters (not SPAWNED) use jemalloc: they live long and allocate a few hundred small
# blocks per message on many threads, which cost glibc malloc about a tenth of
# cachet-dmarc's instructions on cold mail (tests/bench/callgrind dmarc-cold-spf-self:
# 239,631 -> 214,475 per message). A spawned daemon would pay one more library and
# jemalloc's start-up at every start; sanitizers bring their own allocator.
option(CACHET_JEMALLOC "Link the milter daemons with jemalloc" ON)
if(CACHET_JEMALLOC AND NOT CACHET_SANITIZE AND NOT CACHET_FUZZ)
  pkg_check_modules(JEMALLOC REQUIRED IMPORTED_TARGET jemalloc)
endif()
# cachet_use_jemalloc(<target>): links jemalloc into <target> when it is configured.
function(cachet_use_jemalloc target)
  if(TARGET PkgConfig::JEMALLOC)
    target_link_libraries(${target} PRIVATE PkgConfig::JEMALLOC)
  endif()
endfunction()
function(cachet_add_daemon binary)
  cmake_parse_arguments(D "SPAWNED" "CORE" "" ${ARGN})
  file(GLOB glue CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*.cpp)
  list(FILTER glue EXCLUDE REGEX "/main\\.cpp$")
  add_library(${D_CORE} STATIC ${glue})
  target_link_libraries(${D_CORE} PUBLIC cachet_common)
  add_executable(${binary} main.cpp)
  target_link_libraries(${binary} PRIVATE ${D_CORE})
  # cachet_common is one static library that names every library some part needs; a
  # binary records (and loads at every start) only those it calls. Some toolchains do not
  # default to --as-needed.
  target_link_options(${binary} PRIVATE LINKER:--as-needed)
  if(D_SPAWNED AND CACHET_STATIC_LIBSTDCXX AND NOT CACHET_SANITIZE AND NOT CACHET_FUZZ
     AND CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    target_link_options(${binary} PRIVATE -static-libstdc++ -static-libgcc)
  endif()
  if(NOT D_SPAWNED)
    cachet_use_jemalloc(${binary})
  endif()
  install(TARGETS ${binary} RUNTIME DESTINATION ${CMAKE_INSTALL_SBINDIR})
  set_property(GLOBAL APPEND PROPERTY CACHET_DAEMONS ${binary})
  set_property(GLOBAL APPEND PROPERTY CACHET_DAEMON_CORES ${D_CORE})
endfunction()
