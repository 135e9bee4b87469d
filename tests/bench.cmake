# The benchmark: intentq-bench --quick --json runs every scenario small and writes every key of
# the figures file (issue 12); the test checks the file, and of the numbers only those that hold on
# any machine (the history scenario's rules: no violation through intentq). The bench target is
# defined after tests/ (bench/CMakeLists.txt), so it is named, not tested for, here.
add_executable(bench_quick_test ${CMAKE_CURRENT_SOURCE_DIR}/integration/bench_quick_test.cpp)
target_link_libraries(bench_quick_test PRIVATE intentq_common intentq_test_support
  GTest::gtest_main)
add_dependencies(bench_quick_test intentq-bench)
gtest_discover_tests(bench_quick_test PROPERTIES TIMEOUT 360 LABELS bench)
