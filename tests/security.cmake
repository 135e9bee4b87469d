# Tests of the security area: CURVE keys, the ZAP allowlist handler and the bind policy (unit),
# and the real broker, worker and CLI with CURVE keys, hostile peers and the bind policy
# (integration). gtest_add_tests (not discovery) so that each test gets both of its labels: a
# list value does not survive gtest_discover_tests' PROPERTIES.
add_executable(curve_test ${CMAKE_CURRENT_SOURCE_DIR}/unit/curve_test.cpp)
target_link_libraries(curve_test PRIVATE intentq_common GTest::gtest_main)
gtest_add_tests(TARGET curve_test TEST_LIST curve_tests)
set_tests_properties(${curve_tests} PROPERTIES TIMEOUT 60 LABELS "unit;security;threads")

add_executable(security_test ${CMAKE_CURRENT_SOURCE_DIR}/integration/security_test.cpp)
target_link_libraries(security_test PRIVATE intentq_test_cluster intentq_common
  GTest::gtest_main)
target_compile_definitions(security_test PRIVATE INTENTQ_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
add_dependencies(security_test intentq-broker intentq-worker intentq)
gtest_add_tests(TARGET security_test TEST_LIST security_tests)
set_tests_properties(${security_tests} PROPERTIES TIMEOUT 120 LABELS "integration;security")
