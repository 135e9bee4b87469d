# Tests of the security area: CURVE keys, the ZAP allowlist handler and the bind policy (unit),
# and the real broker, worker and CLI with CURVE keys, hostile peers and the bind policy
# (integration). gtest_add_tests (not discovery), as they always were.
intentq_gtest(curve_test SOURCES unit/curve_test.cpp LIBS intentq_common ADD_TESTS
  LABELS unit security threads)
intentq_gtest(security_test SOURCES integration/security_test.cpp
  LIBS intentq_test_support intentq_common DEPENDS intentq-broker intentq-worker intentq
  SOURCE_DIR ADD_TESTS TIMEOUT 120 LABELS integration security)
