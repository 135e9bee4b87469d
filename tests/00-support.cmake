# Shared test support: child processes with line-based readiness waits, the simulator's counters.
add_library(intentq_test_support STATIC ${CMAKE_CURRENT_SOURCE_DIR}/support/process.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/support/gwsim_stats.cpp)
target_include_directories(intentq_test_support PUBLIC ${PROJECT_SOURCE_DIR})
target_link_libraries(intentq_test_support PUBLIC nlohmann_json::nlohmann_json)
