# Tests of the security area: CURVE keys, the ZAP allowlist handler and the bind policy (unit).
add_executable(curve_test ${CMAKE_CURRENT_SOURCE_DIR}/unit/curve_test.cpp)
target_link_libraries(curve_test PRIVATE intentq_common GTest::gtest_main)
gtest_discover_tests(curve_test PROPERTIES TIMEOUT 60 LABELS "unit;security")
