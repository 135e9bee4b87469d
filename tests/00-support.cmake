# The one test kit (tests/support/), compiled once and linked by the unit, integration, ops and
# reliability suites and the bench: child processes with line-based readiness waits, the starters
# of the broker, workers and simulator, the readers of their stats (mmi.stats, /metrics, the
# simulator's counters, /proc), the cluster kits built on them (a broker, workers and a simulator
# on loopback), and bounded waits.
set(support_sources process gwsim_stats daemons readers e2e_cluster intents_cluster ops_support)
list(TRANSFORM support_sources PREPEND ${CMAKE_CURRENT_SOURCE_DIR}/support/)
list(TRANSFORM support_sources APPEND .cpp)
add_library(intentq_test_support STATIC ${support_sources})
target_include_directories(intentq_test_support PUBLIC ${PROJECT_SOURCE_DIR})
target_link_libraries(intentq_test_support PUBLIC intentq_common nlohmann_json::nlohmann_json)
target_compile_definitions(intentq_test_support PRIVATE INTENTQ_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
