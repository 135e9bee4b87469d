# The one test kit (tests/support/), compiled once and linked by the unit, integration, ops and
# reliability suites and the bench: child processes with line-based readiness waits, the starters
# of the broker, workers and simulator, the readers of their stats (mmi.stats, /metrics, the
# simulator's counters, /proc), the cluster kits built on them (a broker, workers and a simulator
# on loopback), and bounded waits.
add_library(intentq_test_support STATIC
  ${CMAKE_CURRENT_SOURCE_DIR}/support/process.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/support/gwsim_stats.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/support/daemons.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/support/readers.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/support/e2e_cluster.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/support/intents_cluster.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/support/ops_support.cpp)
target_include_directories(intentq_test_support PUBLIC ${PROJECT_SOURCE_DIR})
target_link_libraries(intentq_test_support PUBLIC intentq_common nlohmann_json::nlohmann_json)
target_compile_definitions(intentq_test_support PRIVATE INTENTQ_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
