# Tests of the broker area: envelopes and MDP helpers (unit), the broker's logic (unit), the
# real intentq-broker process (integration) and stock Majordomo peers in Python (interop).
intentq_gtest(envelope_test SOURCES unit/envelope_test.cpp LIBS intentq_common LABELS unit)
intentq_gtest(mdp_test SOURCES unit/mdp_test.cpp LIBS intentq_common LABELS unit)
intentq_gtest(broker_process_test SOURCES integration/broker_process_test.cpp
  LIBS intentq_test_support DEPENDS intentq-broker LABELS integration)

# Stock Majordomo peers in Python (RFC 7, no intentq knowledge) against the real broker. Slow on
# purpose: a stock worker must survive 20 s of idleness at its 2.5 s heartbeat pace.
add_test(NAME broker_interop_python
  COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/interop/interop_test.py
    --broker $<TARGET_FILE:intentq-broker>)
set_tests_properties(broker_interop_python PROPERTIES TIMEOUT 120 LABELS "interop;slow")

# The broker's logic without processes: its core (queues, heartbeats), the gateway budget window,
# reuse cache, canonical params, the byte bounds of the outbound and subscription paths, fail fast
# (GATEWAY_UNREACHABLE / NO_WORKER) (issues 10, 11, 16 and 18), what it reports for metrics
# (JobObserver), historical-class services (issue 20: IB's historical pacing per gateway, fair
# shares and priority) and mmi.cancel (issue 20 item 4).
intentq_gtest(broker_core_test SOURCES unit/broker_core_test.cpp LIBS intentq_broker_lib
  LABELS unit)
intentq_gtest(broker_gateway_core_test SOURCES unit/broker_gateway_core_test.cpp
  LIBS intentq_broker_lib LABELS unit)
foreach(name gateway_budget reuse_cache canonical_params bounds failfast metrics historical_core
             historical_budget cancel)
  set(labels unit broker)
  if(name STREQUAL "metrics")
    list(APPEND labels metrics)
  endif()
  intentq_gtest(broker_${name}_test SOURCES unit/broker_${name}_test.cpp LIBS intentq_broker_lib
    LABELS ${labels})
endforeach()
# The property test compares the broker's sharing key with the worker's parsed request.
target_link_libraries(broker_canonical_params_test PRIVATE intentq_worker_lib)
target_compile_definitions(broker_canonical_params_test PRIVATE INTENTQ_HAVE_WORKER_LIB)
# The params schema the broker and the worker share (common/params_schema).
intentq_gtest(params_schema_test SOURCES unit/params_schema_test.cpp LIBS intentq_common
  LABELS unit broker)
# The real broker's historical pacing (issue 20).
intentq_gtest(historical_broker_test SOURCES integration/historical_broker_test.cpp
  LIBS intentq_test_support DEPENDS intentq-broker intentq LABELS integration broker)
