# The reliability suite of issue 7 (tests/reliability/, docs/reliability.md): one program that
# drives the real broker, workers, simulator and clients. ctest runs its quick mode (label
# `reliability`); the full mode is run by hand: build/bin/intentq-reliability.
set(reliability_sources main scenarios driver cluster hostile round2 raw_zmtp netns)
list(TRANSFORM reliability_sources PREPEND ${CMAKE_CURRENT_SOURCE_DIR}/reliability/)
list(TRANSFORM reliability_sources APPEND .cpp)
add_executable(intentq-reliability ${reliability_sources})
target_link_libraries(intentq-reliability PRIVATE intentq_common intentq_gateway intentq_test_support
  CLI11::CLI11)
target_compile_definitions(intentq-reliability PRIVATE INTENTQ_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
add_dependencies(intentq-reliability intentq-broker intentq-worker intentq-gwsim)
add_test(NAME reliability_quick COMMAND intentq-reliability --quick --only 1,2,3,4,5,6)
# RUN_SERIAL: its timing figures (workers back within 2 s) must not share the cores with
# other tests.
set_tests_properties(reliability_quick PROPERTIES TIMEOUT 300 LABELS "reliability;slow" RUN_SERIAL TRUE
  ENVIRONMENT "INTENTQ_BIN_DIR=${CMAKE_BINARY_DIR}/bin")
# Scenario 7 (issue 16), the second hostile-peer round: six attacks of 4 s each (about 30 s),
# each asserting the broker's peak RSS under 512 MiB and every honest job answered. Serial: its
# attacks saturate loopback and a core.
add_test(NAME reliability_round2 COMMAND intentq-reliability --quick --only 7)
set_tests_properties(reliability_round2 PROPERTIES TIMEOUT 120 LABELS "reliability;slow" RUN_SERIAL TRUE
  ENVIRONMENT "INTENTQ_BIN_DIR=${CMAKE_BINARY_DIR}/bin")
