# Metrics and alerting (issue 9): both Prometheus endpoints on real processes, checked against the
# jobs sent and by `promtool check metrics`; the alert rules and scrape config shipped in
# docs/prometheus/ checked by promtool (Debian's prometheus package, scripts/setup.sh), and the
# rules' behaviour by `promtool test rules`.
add_executable(metrics_integration_tests
  ${CMAKE_CURRENT_SOURCE_DIR}/integration/metrics_test.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/integration/metrics_hostile_test.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/integration/intents_cluster.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/integration/e2e_cluster.cpp)
target_link_libraries(metrics_integration_tests PRIVATE intentq_test_support intentq_gateway
  intentq_broker_lib intentq_common GTest::gtest_main)
target_compile_definitions(metrics_integration_tests PRIVATE
  INTENTQ_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
add_dependencies(metrics_integration_tests intentq-broker intentq-worker intentq-gwsim)
gtest_discover_tests(metrics_integration_tests DISCOVERY_TIMEOUT 60 PROPERTIES TIMEOUT 120)
intentq_test_labels(metrics_integration_tests integration metrics)

find_program(PROMTOOL promtool)
if(NOT PROMTOOL)
  set(PROMTOOL promtool)  # the tests then fail saying it is missing (scripts/setup.sh installs it)
endif()
set(prom_dir ${PROJECT_SOURCE_DIR}/docs/prometheus)
add_test(NAME metrics_promtool_check_rules
  COMMAND ${PROMTOOL} check rules ${prom_dir}/intentq-alerts.yml)
add_test(NAME metrics_promtool_check_config
  COMMAND ${PROMTOOL} check config ${prom_dir}/prometheus.yml)
add_test(NAME metrics_promtool_test_rules
  COMMAND ${PROMTOOL} test rules ${CMAKE_CURRENT_SOURCE_DIR}/data/intentq-alerts-test.yml)
set_tests_properties(metrics_promtool_check_rules metrics_promtool_check_config
  metrics_promtool_test_rules PROPERTIES TIMEOUT 60 LABELS "unit;metrics")
