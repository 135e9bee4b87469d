# Client session (gateway/session.cpp, pacer, request table): unit tests without network, and the
# integration test against the simulator intentq-gwsim.
foreach(name session_pacer_test session_request_table_test gateway_request_specs_test)
  intentq_gtest(${name} SOURCES unit/${name}.cpp LIBS intentq_gateway TIMEOUT 30 LABELS unit)
endforeach()

intentq_gtest(session_test SOURCES integration/session_test.cpp
  LIBS intentq_gateway intentq_test_support nlohmann_json::nlohmann_json
  DEFINES INTENTQ_SESSION_SCENARIO="${CMAKE_CURRENT_SOURCE_DIR}/data/session_scenario.json"
  DEPENDS intentq-gwsim TIMEOUT 120 LABELS integration)

# The session's market-data requests against intentq-gwsim (uses the simulator's series for the
# expected bars).
intentq_gtest(session_market_data_test SOURCES integration/session_market_data_test.cpp
  LIBS intentq_gateway intentq_sim intentq_test_support nlohmann_json::nlohmann_json
  DEPENDS intentq-gwsim TIMEOUT 120 LABELS integration)
