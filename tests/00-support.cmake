# Shared test support: child processes with line-based readiness waits.
add_library(intentq_test_support STATIC ${CMAKE_CURRENT_SOURCE_DIR}/support/process.cpp)
target_include_directories(intentq_test_support PUBLIC ${PROJECT_SOURCE_DIR})
