# Tests of the intents area: when_all, params validation, result mapping, and (once the worker,
# broker and simulator exist) end-to-end tests of every intent through broker -> worker -> gwsim.

add_executable(when_all_test ${CMAKE_CURRENT_SOURCE_DIR}/unit/when_all_test.cpp)
target_link_libraries(when_all_test PRIVATE intentq_common GTest::gtest_main)
gtest_discover_tests(when_all_test PROPERTIES TIMEOUT 60 LABELS unit)
