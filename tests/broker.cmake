# Tests of the broker area: envelopes and MDP helpers (unit), the broker's logic (unit), the
# real intentq-broker process (integration) and stock Majordomo peers in Python (interop).
add_executable(envelope_test ${CMAKE_CURRENT_SOURCE_DIR}/unit/envelope_test.cpp)
target_link_libraries(envelope_test PRIVATE intentq_common GTest::gtest_main)
gtest_discover_tests(envelope_test PROPERTIES TIMEOUT 60 LABELS unit)

add_executable(mdp_test ${CMAKE_CURRENT_SOURCE_DIR}/unit/mdp_test.cpp)
target_link_libraries(mdp_test PRIVATE intentq_common GTest::gtest_main)
gtest_discover_tests(mdp_test PROPERTIES TIMEOUT 60 LABELS unit)

add_executable(broker_core_test ${CMAKE_CURRENT_SOURCE_DIR}/unit/broker_core_test.cpp)
target_link_libraries(broker_core_test PRIVATE intentq_broker_lib GTest::gtest_main)
gtest_discover_tests(broker_core_test PROPERTIES TIMEOUT 60 LABELS unit)

add_executable(broker_process_test ${CMAKE_CURRENT_SOURCE_DIR}/integration/broker_process_test.cpp)
target_link_libraries(broker_process_test PRIVATE intentq_test_cluster
  GTest::gtest_main)
add_dependencies(broker_process_test intentq-broker)
gtest_discover_tests(broker_process_test PROPERTIES TIMEOUT 60 LABELS integration)

# Stock Majordomo peers in Python (RFC 7, no intentq knowledge) against the real broker. Slow on
# purpose: a stock worker must survive 20 s of idleness at its 2.5 s heartbeat pace.
add_test(NAME broker_interop_python
  COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/interop/interop_test.py
    --broker $<TARGET_FILE:intentq-broker>)
set_tests_properties(broker_interop_python PROPERTIES TIMEOUT 120 LABELS "interop;slow")

# Broker components of issues 10, 11, 16 and 18: gateway budget window, reuse cache, canonical
# params, the byte bounds of the outbound and subscription paths, fail fast (GATEWAY_UNREACHABLE /
# NO_WORKER).
foreach(name gateway_budget reuse_cache canonical_params bounds failfast)
  add_executable(broker_${name}_test ${CMAKE_CURRENT_SOURCE_DIR}/unit/broker_${name}_test.cpp)
  target_link_libraries(broker_${name}_test PRIVATE intentq_broker_lib GTest::gtest_main)
  gtest_discover_tests(broker_${name}_test PROPERTIES TIMEOUT 60)
  intentq_test_labels(broker_${name}_test unit broker)
endforeach()
# The property test compares the broker's sharing key with the worker's parsed request.
target_link_libraries(broker_canonical_params_test PRIVATE intentq_worker_lib)
target_compile_definitions(broker_canonical_params_test PRIVATE INTENTQ_HAVE_WORKER_LIB)
# The params schema the broker and the worker share (common/params_schema).
add_executable(params_schema_test ${CMAKE_CURRENT_SOURCE_DIR}/unit/params_schema_test.cpp)
target_link_libraries(params_schema_test PRIVATE intentq_common GTest::gtest_main)
gtest_discover_tests(params_schema_test PROPERTIES TIMEOUT 60)
intentq_test_labels(params_schema_test unit broker)
if(TARGET intentq_broker_lib)
  add_executable(broker_gateway_core_test
    ${CMAKE_CURRENT_SOURCE_DIR}/unit/broker_gateway_core_test.cpp)
  target_link_libraries(broker_gateway_core_test PRIVATE intentq_broker_lib GTest::gtest_main)
  gtest_discover_tests(broker_gateway_core_test PROPERTIES TIMEOUT 60 LABELS unit)
endif()

# What the broker core reports for metrics (JobObserver) and the bounded series it becomes.
add_executable(broker_metrics_test ${CMAKE_CURRENT_SOURCE_DIR}/unit/broker_metrics_test.cpp)
target_link_libraries(broker_metrics_test PRIVATE intentq_broker_lib GTest::gtest_main)
gtest_discover_tests(broker_metrics_test PROPERTIES TIMEOUT 60)
intentq_test_labels(broker_metrics_test unit broker metrics)

# Historical-class services (issue 20): IB's historical pacing per gateway, fair shares and
# priority, and the rules one request is counted by (common/historical_rules).
foreach(name historical_core historical_budget)
  add_executable(broker_${name}_test ${CMAKE_CURRENT_SOURCE_DIR}/unit/broker_${name}_test.cpp)
  target_link_libraries(broker_${name}_test PRIVATE intentq_broker_lib GTest::gtest_main)
  gtest_discover_tests(broker_${name}_test PROPERTIES TIMEOUT 60)
  intentq_test_labels(broker_${name}_test unit broker)
endforeach()
add_executable(historical_broker_test ${CMAKE_CURRENT_SOURCE_DIR}/integration/historical_broker_test.cpp)
target_link_libraries(historical_broker_test PRIVATE intentq_test_cluster GTest::gtest_main)
add_dependencies(historical_broker_test intentq-broker intentq)
gtest_discover_tests(historical_broker_test PROPERTIES TIMEOUT 60)
intentq_test_labels(historical_broker_test integration broker)
# mmi.cancel (issue 20 item 4): queued and running jobs, ownership, shared jobs, bad input.
add_executable(broker_cancel_test ${CMAKE_CURRENT_SOURCE_DIR}/unit/broker_cancel_test.cpp)
target_link_libraries(broker_cancel_test PRIVATE intentq_broker_lib GTest::gtest_main)
gtest_discover_tests(broker_cancel_test PROPERTIES TIMEOUT 60)
intentq_test_labels(broker_cancel_test unit broker)
