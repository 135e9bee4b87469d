# Tests of the broker area: envelopes and MDP helpers (unit), the broker's logic (unit), the
# real intentq-broker process (integration) and stock Majordomo peers in Python (interop).
add_executable(envelope_test ${CMAKE_CURRENT_SOURCE_DIR}/unit/envelope_test.cpp)
target_link_libraries(envelope_test PRIVATE intentq_common GTest::gtest_main)
gtest_discover_tests(envelope_test PROPERTIES TIMEOUT 60 LABELS unit)
