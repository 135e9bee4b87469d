# Tests of the worker, the command-line client and the end-to-end behaviour of broker + workers +
# CLI (tests/integration/e2e_*).
intentq_gtest(worker_unit_tests SOURCES unit/worker_runner_test.cpp unit/worker_options_test.cpp
  LIBS intentq_worker_lib LABELS unit worker threads)

intentq_gtest(cli_unit_tests
  SOURCES unit/cli_params_test.cpp unit/cli_history_test.cpp ${PROJECT_SOURCE_DIR}/cli/params.cpp
    ${PROJECT_SOURCE_DIR}/cli/history_plan.cpp ${PROJECT_SOURCE_DIR}/cli/history_output.cpp
    ${PROJECT_SOURCE_DIR}/cli/history_eta.cpp
  LIBS intentq_common nlohmann_json::nlohmann_json TIMEOUT 30 LABELS unit cli)
target_include_directories(cli_unit_tests PRIVATE ${PROJECT_SOURCE_DIR})

# Every test starts its own broker and workers on wildcard ports, so they may run in parallel.
# The Python example client lives in the source tree; the test runs it from there.
# E2eCli.EveryProgramPrintsItsVersion runs every program with --version.
file(GLOB E2E_TESTS CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/integration/e2e_*_test.cpp)
intentq_gtest(e2e_tests SOURCES ${E2E_TESTS} LIBS intentq_test_support intentq_common
  DEPENDS intentq-broker intentq-worker intentq intentq-gwsim intentq-bench intentq-curve-bench
    intentq-http
  SOURCE_DIR TIMEOUT 120 LABELS integration e2e)
# The command-line client's end-to-end tests also belong to `ctest -L cli`.
intentq_test_labels(e2e_tests integration e2e cli MATCHING "^E2eCli\\.")
