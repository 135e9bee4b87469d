# Operations: configuration (flag > INTENTQ_* environment > --config file > default), log
# formats, systemd notifications and units (docs/operations.md).
add_executable(ops_unit_tests
  ${CMAKE_CURRENT_SOURCE_DIR}/unit/ops_program_options_test.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/unit/ops_logging_test.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/unit/ops_start_checks_test.cpp)
target_link_libraries(ops_unit_tests PRIVATE intentq_common GTest::gtest_main)
gtest_discover_tests(ops_unit_tests DISCOVERY_TIMEOUT 60 PROPERTIES TIMEOUT 60)
intentq_test_labels(ops_unit_tests unit ops)

add_executable(ops_process_tests
  ${CMAKE_CURRENT_SOURCE_DIR}/integration/ops_config_test.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/integration/ops_hostile_config_test.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/integration/ops_logs_notify_test.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/integration/ops_support.cpp)
target_link_libraries(ops_process_tests PRIVATE intentq_test_support GTest::gtest_main)
# The example configuration files live in the source tree; the tests read them from there.
target_compile_definitions(ops_process_tests PRIVATE INTENTQ_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
add_dependencies(ops_process_tests intentq-broker intentq-worker intentq-gwsim intentq)
gtest_discover_tests(ops_process_tests DISCOVERY_TIMEOUT 60 PROPERTIES TIMEOUT 120)
intentq_test_labels(ops_process_tests integration ops)

# `systemd-analyze verify` on every unit as `cmake --install` writes it.
add_test(NAME ops_systemd_units_verify
  COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/suite/check_units.sh ${CMAKE_COMMAND}
    ${CMAKE_BINARY_DIR} ${PROJECT_SOURCE_DIR}/systemd)
set_tests_properties(ops_systemd_units_verify PROPERTIES TIMEOUT 120 LABELS "suite;ops")
