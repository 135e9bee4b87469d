# Tests of the gateway simulator (intentq-gwsim): unit tests of its pieces, process-level tests of
# the binary, and the conformance test with the independent IB client @stoqey/ib (node).
file(GLOB SIM_UNIT_TESTS CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/unit/sim_*_test.cpp)
# The process-level tests of the intentq-gwsim binary.
set(SIM_PROCESS_TESTS ${CMAKE_CURRENT_SOURCE_DIR}/integration/sim_gwsim_test.cpp
                      ${CMAKE_CURRENT_SOURCE_DIR}/integration/sim_gwsim_market_data_test.cpp
                      ${CMAKE_CURRENT_SOURCE_DIR}/integration/sim_gwsim_historical_pacing_test.cpp)
foreach(test_source ${SIM_UNIT_TESTS} ${SIM_PROCESS_TESTS})
  get_filename_component(test_name ${test_source} NAME_WE)
  add_executable(${test_name} ${test_source})
  target_link_libraries(${test_name} PRIVATE intentq_sim intentq_test_support GTest::gtest_main)
  # Process-level tests start build/bin/intentq-gwsim: build it first.
  add_dependencies(${test_name} intentq-gwsim)
  # Tests read the example scenarios from the source tree.
  target_compile_definitions(${test_name} PRIVATE INTENTQ_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
  gtest_discover_tests(${test_name}
    PROPERTIES TIMEOUT 120 ENVIRONMENT "INTENTQ_BIN_DIR=${CMAKE_BINARY_DIR}/bin")
  if(test_source IN_LIST SIM_PROCESS_TESTS)
    intentq_test_labels(${test_name} integration sim)
  else()
    intentq_test_labels(${test_name} unit sim)
  endif()
endforeach()

# intentq's side of the market-data conformance check: the gateway session's decoded answers as
# JSON, compared by gwsim_conformance.mjs with what @stoqey/ib decoded.
add_executable(gw_market_data_probe ${CMAKE_CURRENT_SOURCE_DIR}/conformance/gw_market_data_probe.cpp)
target_link_libraries(gw_market_data_probe PRIVATE intentq_gateway nlohmann_json::nlohmann_json)
# With the market-data intents in the worker library, the probe also prints the worker's result
# maps (see the probe's header).
if(TARGET intentq_worker_lib AND EXISTS ${PROJECT_SOURCE_DIR}/worker/intents/market_data_results.hpp)
  target_link_libraries(gw_market_data_probe PRIVATE intentq_worker_lib)
  target_compile_definitions(gw_market_data_probe PRIVATE INTENTQ_PROBE_WORKER_RESULTS=1)
endif()

find_program(NODE_EXECUTABLE node)
if(NODE_EXECUTABLE)
  add_test(NAME sim_conformance_stoqey_ib
    COMMAND ${NODE_EXECUTABLE} ${CMAKE_CURRENT_SOURCE_DIR}/conformance/gwsim_conformance.mjs
            $<TARGET_FILE:intentq-gwsim> $<TARGET_FILE:gw_market_data_probe>)
  # 77 = @stoqey/ib not installed (scripts/test.sh runs `npm ci` first, so CI never skips).
  set_tests_properties(sim_conformance_stoqey_ib PROPERTIES
    TIMEOUT 120 SKIP_RETURN_CODE 77 LABELS "sim;conformance")
else()
  message(STATUS "node not found: the @stoqey/ib conformance test of intentq-gwsim is not registered")
endif()

