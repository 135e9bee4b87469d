# Tests of the intents area: when_all, params validation, result mapping, and (once the worker,
# broker and simulator exist) end-to-end tests of every intent through broker -> worker -> gwsim.

add_executable(when_all_test ${CMAKE_CURRENT_SOURCE_DIR}/unit/when_all_test.cpp)
target_link_libraries(when_all_test PRIVATE intentq_common GTest::gtest_main)
gtest_discover_tests(when_all_test PROPERTIES TIMEOUT 60 LABELS unit)

# The market-data params (issue 19): bar sizes, durations, step limits, time conversions and the
# schema entries of historical_bars, head_timestamp and quote (common/market_data_params).
add_executable(market_data_params_test ${CMAKE_CURRENT_SOURCE_DIR}/unit/market_data_params_test.cpp)
target_link_libraries(market_data_params_test PRIVATE intentq_common GTest::gtest_main)
gtest_discover_tests(market_data_params_test PROPERTIES TIMEOUT 60)
intentq_test_labels(market_data_params_test unit intents)

# Params validation, result mapping and gateway error mapping (the worker library holds
# worker/intents/*).
foreach(name intents_params_test intents_results_test intents_gateway_job_test
    intents_market_data_test)
  add_executable(${name} ${CMAKE_CURRENT_SOURCE_DIR}/unit/${name}.cpp)
  target_link_libraries(${name} PRIVATE intentq_worker_lib GTest::gtest_main)
  gtest_discover_tests(${name} PROPERTIES TIMEOUT 60)
  intentq_test_labels(${name} unit intents)
endforeach()

# The product catalog (compiled into each worker program, not the library).
add_executable(intents_catalog_test ${CMAKE_CURRENT_SOURCE_DIR}/unit/intents_catalog_test.cpp
  ${PROJECT_SOURCE_DIR}/worker/intents/catalog.cpp)
target_link_libraries(intents_catalog_test PRIVATE intentq_worker_lib GTest::gtest_main)
gtest_discover_tests(intents_catalog_test PROPERTIES TIMEOUT 60)
intentq_test_labels(intents_catalog_test unit intents)

# intentq-worker-test: intentq-worker with the test intents of tests/intents/ in its catalog
# (docs/extending.md "Adding an intent"). Each test intent is one file plus one catalog line.
add_executable(intentq-worker-test ${PROJECT_SOURCE_DIR}/worker/main.cpp
  ${PROJECT_SOURCE_DIR}/worker/intents/catalog.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/intents/position_count.cpp)
target_compile_definitions(intentq-worker-test PRIVATE INTENTQ_TEST_INTENTS)
target_link_libraries(intentq-worker-test PRIVATE intentq_worker_lib CLI11::CLI11)

# The market-data intents end to end against the simulator's series (issue 19): links the
# simulator's library to compute the bars it must answer.
add_executable(intents_market_data_tests
  ${CMAKE_CURRENT_SOURCE_DIR}/integration/intents_market_data_test.cpp)
target_link_libraries(intents_market_data_tests PRIVATE intentq_test_cluster intentq_sim
  intentq_common GTest::gtest_main)
target_compile_definitions(intents_market_data_tests PRIVATE
  INTENTQ_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
add_dependencies(intents_market_data_tests intentq-broker intentq-worker intentq-gwsim intentq)
gtest_discover_tests(intents_market_data_tests DISCOVERY_TIMEOUT 60 PROPERTIES TIMEOUT 120)
intentq_test_labels(intents_market_data_tests integration intents)

# Every intent end to end (client -> intentq-broker -> intentq-worker -> intentq-gwsim), gateway
# faults, the worker's resources after many gateway jobs, and fail fast with the cause (issue 18).
# Reuses the e2e test kit.
add_executable(intents_integration_tests
  ${CMAKE_CURRENT_SOURCE_DIR}/integration/intents_e2e_test.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/integration/intents_faults_test.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/integration/intents_resources_test.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/integration/intents_session_test.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/integration/intents_session_recovery_test.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/integration/intents_gateways_test.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/integration/features_reuse_test.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/integration/failfast_test.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/integration/features_canonical_test.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/integration/intents_extending_test.cpp)
target_link_libraries(intents_integration_tests PRIVATE intentq_test_cluster intentq_gateway
  intentq_common GTest::gtest_main)
target_compile_definitions(intents_integration_tests PRIVATE
  INTENTQ_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
add_dependencies(intents_integration_tests intentq-broker intentq-worker intentq-worker-test
  intentq-gwsim)
# Each test starts its own simulator, broker and workers on loopback wildcard ports.
gtest_discover_tests(intents_integration_tests DISCOVERY_TIMEOUT 60 PROPERTIES TIMEOUT 120)
intentq_test_labels(intents_integration_tests integration intents)

# Cancellation on real processes (issue 20 item 4): broker, gateway worker, intentq-gwsim.
add_executable(cancel_integration_tests ${CMAKE_CURRENT_SOURCE_DIR}/integration/cancel_test.cpp)
target_link_libraries(cancel_integration_tests PRIVATE intentq_test_cluster intentq_common
  GTest::gtest_main)
add_dependencies(cancel_integration_tests intentq-broker intentq-worker intentq-gwsim intentq)
gtest_discover_tests(cancel_integration_tests DISCOVERY_TIMEOUT 60 PROPERTIES TIMEOUT 120)
intentq_test_labels(cancel_integration_tests integration intents)
# IB's historical pacing on real processes (issue 20 must-show 1): broker, workers and the simulator
# enforcing IB's rules, time-scaled; 200 jobs from four clients judged by the simulator's log of
# what reached it (--historical-log), and cancels of queued and running historical jobs.
add_executable(historical_pacing_e2e_test
  ${CMAKE_CURRENT_SOURCE_DIR}/integration/historical_pacing_e2e_test.cpp)
target_link_libraries(historical_pacing_e2e_test PRIVATE intentq_test_cluster GTest::gtest_main)
target_compile_definitions(historical_pacing_e2e_test PRIVATE
  INTENTQ_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
add_dependencies(historical_pacing_e2e_test intentq-broker intentq-worker intentq-gwsim)
gtest_discover_tests(historical_pacing_e2e_test DISCOVERY_TIMEOUT 60 PROPERTIES TIMEOUT 120)
intentq_test_labels(historical_pacing_e2e_test integration intents)

# `intentq history` end to end (issue 20 item 5): chunked download, resume after SIGINT, bad input
# refused before submitting. Links the simulator's library to compute the bars it must answer.
add_executable(cli_history_tests ${CMAKE_CURRENT_SOURCE_DIR}/integration/cli_history_test.cpp)
target_link_libraries(cli_history_tests PRIVATE intentq_test_cluster intentq_sim intentq_common
  GTest::gtest_main)
target_compile_definitions(cli_history_tests PRIVATE INTENTQ_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
add_dependencies(cli_history_tests intentq-broker intentq-worker intentq-gwsim intentq)
gtest_discover_tests(cli_history_tests DISCOVERY_TIMEOUT 60 PROPERTIES TIMEOUT 180)
intentq_test_labels(cli_history_tests integration cli)
