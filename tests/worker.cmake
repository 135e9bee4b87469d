# Tests of the worker, the command-line client and the end-to-end behaviour of broker + workers +
# CLI (tests/integration/e2e_*).

add_executable(worker_unit_tests
  ${CMAKE_CURRENT_SOURCE_DIR}/unit/worker_runner_test.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/unit/worker_options_test.cpp)
target_link_libraries(worker_unit_tests PRIVATE intentq_worker_lib GTest::gtest_main)
gtest_discover_tests(worker_unit_tests DISCOVERY_TIMEOUT 60 PROPERTIES TIMEOUT 60)
intentq_test_labels(worker_unit_tests unit worker threads)

add_executable(cli_unit_tests
  ${CMAKE_CURRENT_SOURCE_DIR}/unit/cli_params_test.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/unit/cli_history_test.cpp
  ${PROJECT_SOURCE_DIR}/cli/params.cpp
  ${PROJECT_SOURCE_DIR}/cli/history_plan.cpp
  ${PROJECT_SOURCE_DIR}/cli/history_output.cpp
  ${PROJECT_SOURCE_DIR}/cli/history_eta.cpp)
target_include_directories(cli_unit_tests PRIVATE ${PROJECT_SOURCE_DIR})
target_link_libraries(cli_unit_tests PRIVATE intentq_common nlohmann_json::nlohmann_json
  GTest::gtest_main)
gtest_discover_tests(cli_unit_tests DISCOVERY_TIMEOUT 60 PROPERTIES TIMEOUT 30)
intentq_test_labels(cli_unit_tests unit cli)

file(GLOB E2E_TESTS CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/integration/e2e_*_test.cpp)
add_executable(e2e_tests ${E2E_TESTS})
target_link_libraries(e2e_tests PRIVATE intentq_test_cluster intentq_common GTest::gtest_main)
# The Python example client lives in the source tree; the test runs it from there.
target_compile_definitions(e2e_tests PRIVATE INTENTQ_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
# E2eCli.EveryProgramPrintsItsVersion runs every program with --version.
add_dependencies(e2e_tests intentq-broker intentq-worker intentq intentq-gwsim intentq-bench
  intentq-curve-bench intentq-http)
# Every test starts its own broker and workers on wildcard ports, so they may run in parallel.
gtest_discover_tests(e2e_tests DISCOVERY_TIMEOUT 60 PROPERTIES TIMEOUT 120)
intentq_test_labels(e2e_tests integration e2e)
# The command-line client's end-to-end tests also belong to `ctest -L cli`.
intentq_test_labels(e2e_tests integration e2e cli MATCHING "^E2eCli\\.")
