# Tests of the intents area: when_all, params validation, result mapping, and (once the worker,
# broker and simulator exist) end-to-end tests of every intent through broker -> worker -> gwsim.

add_executable(when_all_test ${CMAKE_CURRENT_SOURCE_DIR}/unit/when_all_test.cpp)
target_link_libraries(when_all_test PRIVATE intentq_common GTest::gtest_main)
gtest_discover_tests(when_all_test PROPERTIES TIMEOUT 60 LABELS unit)

# Params validation, result mapping and gateway error mapping. They link the worker library (which
# holds worker/intents/*) once it exists; until then the test target is simply not defined.
if(TARGET intentq_worker_lib)
  foreach(name intents_params_test intents_results_test intents_gateway_job_test)
    add_executable(${name} ${CMAKE_CURRENT_SOURCE_DIR}/unit/${name}.cpp)
    target_link_libraries(${name} PRIVATE intentq_worker_lib GTest::gtest_main)
    gtest_discover_tests(${name} PROPERTIES TIMEOUT 60 LABELS unit)
  endforeach()
endif()
