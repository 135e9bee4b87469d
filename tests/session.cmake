# Client session (gateway/session.cpp, pacer, request table): unit tests without network, and the
# integration test against the simulator intentq-gwsim.
foreach(name session_pacer_test session_request_table_test gateway_request_specs_test)
  add_executable(${name} ${CMAKE_CURRENT_SOURCE_DIR}/unit/${name}.cpp)
  target_link_libraries(${name} PRIVATE intentq_gateway GTest::gtest_main)
  gtest_discover_tests(${name} PROPERTIES TIMEOUT 30 LABELS unit)
endforeach()

add_executable(session_test ${CMAKE_CURRENT_SOURCE_DIR}/integration/session_test.cpp)
target_link_libraries(session_test PRIVATE intentq_gateway intentq_test_support
  nlohmann_json::nlohmann_json GTest::gtest_main)
target_compile_definitions(session_test PRIVATE
  INTENTQ_SESSION_SCENARIO="${CMAKE_CURRENT_SOURCE_DIR}/data/session_scenario.json")
add_dependencies(session_test intentq-gwsim)
gtest_discover_tests(session_test PROPERTIES TIMEOUT 120 LABELS integration)

# The session's market-data requests against intentq-gwsim (uses the simulator's series for the
# expected bars).
add_executable(session_market_data_test
  ${CMAKE_CURRENT_SOURCE_DIR}/integration/session_market_data_test.cpp)
target_link_libraries(session_market_data_test PRIVATE intentq_gateway intentq_sim
  intentq_test_support nlohmann_json::nlohmann_json GTest::gtest_main)
add_dependencies(session_market_data_test intentq-gwsim)
gtest_discover_tests(session_market_data_test PROPERTIES TIMEOUT 120 LABELS integration)
