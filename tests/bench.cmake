# The benchmark: intentq-bench --quick --json runs every scenario small and writes every key of
# the figures file (issue 12); the test checks the file, and of the numbers only those that hold on
# any machine (the history scenario's rules: no violation through intentq). The bench target is
# defined after tests/ (bench/CMakeLists.txt), so it is named, not tested for, here.
intentq_gtest(bench_quick_test SOURCES integration/bench_quick_test.cpp
  LIBS intentq_common intentq_test_support DEPENDS intentq-bench TIMEOUT 360 LABELS bench)
