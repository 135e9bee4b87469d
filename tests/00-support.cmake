# Shared test support: child processes with line-based readiness waits, the simulator's counters.
add_library(intentq_test_support STATIC ${CMAKE_CURRENT_SOURCE_DIR}/support/process.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/support/gwsim_stats.cpp)
target_include_directories(intentq_test_support PUBLIC ${PROJECT_SOURCE_DIR})
target_link_libraries(intentq_test_support PUBLIC nlohmann_json::nlohmann_json)

# The process kits of the integration tests, the reliability suite and the bench (a broker,
# workers and a simulator on loopback): compiled once here instead of once per test program.
add_library(intentq_test_cluster STATIC ${CMAKE_CURRENT_SOURCE_DIR}/integration/e2e_cluster.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/integration/intents_cluster.cpp)
target_link_libraries(intentq_test_cluster PUBLIC intentq_test_support intentq_common)
target_compile_definitions(intentq_test_cluster PRIVATE INTENTQ_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
