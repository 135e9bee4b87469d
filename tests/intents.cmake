# Tests of the intents area: when_all, params validation, result mapping, and (once the worker,
# broker and simulator exist) end-to-end tests of every intent through broker -> worker -> gwsim.
intentq_gtest(when_all_test SOURCES unit/when_all_test.cpp LIBS intentq_common LABELS unit)

# The market-data params (issue 19): bar sizes, durations, step limits, time conversions and the
# schema entries of historical_bars, head_timestamp and quote (common/market_data_params).
intentq_gtest(market_data_params_test SOURCES unit/market_data_params_test.cpp LIBS intentq_common
  LABELS unit intents)

# Params validation, result mapping and gateway error mapping (the worker library holds
# worker/intents/*).
foreach(name intents_params_test intents_results_test intents_gateway_job_test
    intents_market_data_test)
  intentq_gtest(${name} SOURCES unit/${name}.cpp LIBS intentq_worker_lib LABELS unit intents)
endforeach()

# The product catalog (compiled into each worker program, not the library).
intentq_gtest(intents_catalog_test
  SOURCES unit/intents_catalog_test.cpp ${PROJECT_SOURCE_DIR}/worker/intents/catalog.cpp
  LIBS intentq_worker_lib LABELS unit intents)

# intentq-worker-test: intentq-worker with the test intents of tests/intents/ in its catalog
# (docs/extending.md "Adding an intent"). Each test intent is one file plus one catalog line.
add_executable(intentq-worker-test ${PROJECT_SOURCE_DIR}/worker/main.cpp
  ${PROJECT_SOURCE_DIR}/worker/intents/catalog.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/intents/position_count.cpp)
target_compile_definitions(intentq-worker-test PRIVATE INTENTQ_TEST_INTENTS)
target_link_libraries(intentq-worker-test PRIVATE intentq_worker_lib CLI11::CLI11)

# The process-level tests of this area each start their own simulator, broker and workers on
# loopback wildcard ports (the test kit, tests/support/).
set(cluster_programs intentq-broker intentq-worker intentq-gwsim)

# The market-data intents end to end against the simulator's series (issue 19): links the
# simulator's library to compute the bars it must answer.
intentq_gtest(intents_market_data_tests SOURCES integration/intents_market_data_test.cpp
  LIBS intentq_test_support intentq_sim intentq_common DEPENDS ${cluster_programs} intentq
  SOURCE_DIR TIMEOUT 120 LABELS integration intents)

# Every intent end to end (client -> intentq-broker -> intentq-worker -> intentq-gwsim), gateway
# faults, the worker's resources after many gateway jobs, and fail fast with the cause (issue 18).
intentq_gtest(intents_integration_tests
  SOURCES integration/intents_e2e_test.cpp integration/intents_faults_test.cpp
    integration/intents_resources_test.cpp integration/intents_session_test.cpp
    integration/intents_session_recovery_test.cpp integration/intents_gateways_test.cpp
    integration/features_reuse_test.cpp integration/failfast_test.cpp
    integration/features_canonical_test.cpp integration/intents_extending_test.cpp
  LIBS intentq_test_support intentq_gateway intentq_common
  DEPENDS ${cluster_programs} intentq-worker-test SOURCE_DIR TIMEOUT 120
  LABELS integration intents)

# Cancellation on real processes (issue 20 item 4): broker, gateway worker, intentq-gwsim.
intentq_gtest(cancel_integration_tests SOURCES integration/cancel_test.cpp
  LIBS intentq_test_support intentq_common DEPENDS ${cluster_programs} intentq TIMEOUT 120
  LABELS integration intents)

# IB's historical pacing on real processes (issue 20 must-show 1): broker, workers and the simulator
# enforcing IB's rules, time-scaled; 200 jobs from four clients judged by the simulator's log of
# what reached it (--historical-log), and cancels of queued and running historical jobs.
intentq_gtest(historical_pacing_e2e_test SOURCES integration/historical_pacing_e2e_test.cpp
  LIBS intentq_test_support DEPENDS ${cluster_programs} SOURCE_DIR TIMEOUT 120
  LABELS integration intents)

# `intentq history` end to end (issue 20 item 5): chunked download, resume after SIGINT, bad input
# refused before submitting. Links the simulator's library to compute the bars it must answer.
intentq_gtest(cli_history_tests SOURCES integration/cli_history_test.cpp
  LIBS intentq_test_support intentq_sim intentq_common DEPENDS ${cluster_programs} intentq
  SOURCE_DIR TIMEOUT 180 LABELS integration cli)
