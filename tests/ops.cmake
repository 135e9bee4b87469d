# Operations: configuration (flag > INTENTQ_* environment > --config file > default), log
# formats, systemd notifications and units (docs/operations.md).
intentq_gtest(ops_unit_tests
  SOURCES unit/ops_program_options_test.cpp unit/ops_logging_test.cpp unit/ops_start_checks_test.cpp
  LIBS intentq_common LABELS unit ops)
# The example configuration files live in the source tree; the tests read them from there.
intentq_gtest(ops_process_tests
  SOURCES integration/ops_config_test.cpp integration/ops_hostile_config_test.cpp
    integration/ops_logs_notify_test.cpp
  LIBS intentq_test_support DEPENDS intentq-broker intentq-worker intentq-gwsim intentq
  SOURCE_DIR TIMEOUT 120 LABELS integration ops)

# `systemd-analyze verify` on every unit as `cmake --install` writes it.
add_test(NAME ops_systemd_units_verify
  COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/suite/check_units.sh ${CMAKE_COMMAND}
    ${CMAKE_BINARY_DIR} ${PROJECT_SOURCE_DIR}/systemd)
set_tests_properties(ops_systemd_units_verify PROPERTIES TIMEOUT 120 LABELS "suite;ops")
