# Tests of the gateway simulator (intentq-gwsim): unit tests of its pieces, process-level tests of
# the binary, and the conformance test with the independent IB client @stoqey/ib (node).
file(GLOB SIM_UNIT_TESTS CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/unit/sim_*_test.cpp)
# The process-level tests of the intentq-gwsim binary.
set(SIM_PROCESS_TESTS ${CMAKE_CURRENT_SOURCE_DIR}/integration/sim_gwsim_test.cpp
                      ${CMAKE_CURRENT_SOURCE_DIR}/integration/sim_gwsim_market_data_test.cpp
                      ${CMAKE_CURRENT_SOURCE_DIR}/integration/sim_gwsim_historical_pacing_test.cpp)
# Process-level tests start build/bin/intentq-gwsim (built first); tests read the example
# scenarios from the source tree.
foreach(test_source ${SIM_UNIT_TESTS} ${SIM_PROCESS_TESTS})
  get_filename_component(test_name ${test_source} NAME_WE)
  set(kind unit)
  if(test_source IN_LIST SIM_PROCESS_TESTS)
    set(kind integration)
  endif()
  intentq_gtest(${test_name} SOURCES ${test_source} LIBS intentq_sim intentq_test_support
    DEPENDS intentq-gwsim SOURCE_DIR TIMEOUT 120 ENV "INTENTQ_BIN_DIR=${CMAKE_BINARY_DIR}/bin"
    LABELS ${kind} sim)
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

