# Metrics and alerting (issue 9): both Prometheus endpoints on real processes, checked against the
# jobs sent and by `promtool check metrics`; the alert rules and scrape config shipped in
# docs/prometheus/ checked by promtool (Debian's prometheus package, scripts/setup.sh), and the
# rules' behaviour by `promtool test rules`.
intentq_gtest(metrics_integration_tests
  SOURCES integration/metrics_test.cpp integration/metrics_hostile_test.cpp
  LIBS intentq_test_support intentq_gateway intentq_broker_lib intentq_common
  DEPENDS intentq-broker intentq-worker intentq-gwsim SOURCE_DIR TIMEOUT 120
  LABELS integration metrics)

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
