# SPDX-License-Identifier: BSD-2-Clause
# common/metrics: Prometheus client library (Debian prometheus-cpp-dev): registry, text
# exposition and the HTTP exposer (civetweb).
find_package(prometheus-cpp CONFIG REQUIRED)
target_link_libraries(cachet_common PUBLIC prometheus-cpp::pull prometheus-cpp::core)
