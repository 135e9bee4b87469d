# TWS API codec (gateway/wire.*, gateway/messages*): unit tests, no network.
if(TARGET intentq_gateway)
  foreach(name gateway_wire_test gateway_messages_test gateway_open_order_test
               gateway_samples_test)
    if(EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/unit/${name}.cpp)
      add_executable(${name} ${CMAKE_CURRENT_SOURCE_DIR}/unit/${name}.cpp)
      target_link_libraries(${name} PRIVATE intentq_gateway GTest::gtest_main)
      # Prefixed so `ctest -R '^gateway\.'` runs just the codec tests (a second label would
      # not survive gtest_discover_tests' property list).
      gtest_discover_tests(${name} TEST_PREFIX "gateway." PROPERTIES TIMEOUT 60 LABELS unit)
    endif()
  endforeach()
endif()
