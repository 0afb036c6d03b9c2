# SPDX-License-Identifier: BSD-2-Clause
# cachet_add_daemon(<binary> CORE <core_lib>)
# Builds <binary> from main.cpp of the calling folder and every other *.cpp there (the
# daemon's glue) into the static library <core_lib>, which unit tests link. Installs the
# binary into sbin and records it in the global property CACHET_DAEMONS for packaging.
function(cachet_add_daemon binary)
  cmake_parse_arguments(D "" "CORE" "" ${ARGN})
  file(GLOB glue CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*.cpp)
  list(FILTER glue EXCLUDE REGEX "/main\\.cpp$")
  add_library(${D_CORE} STATIC ${glue})
  target_link_libraries(${D_CORE} PUBLIC cachet_common)
  add_executable(${binary} main.cpp)
  target_link_libraries(${binary} PRIVATE ${D_CORE})
  install(TARGETS ${binary} RUNTIME DESTINATION ${CMAKE_INSTALL_SBINDIR})
  set_property(GLOBAL APPEND PROPERTY CACHET_DAEMONS ${binary})
  set_property(GLOBAL APPEND PROPERTY CACHET_DAEMON_CORES ${D_CORE})
endfunction()
