# TWS API codec (gateway/wire.*, gateway/messages*): unit tests, no network.
if(TARGET intentq_gateway)
  foreach(name gateway_wire_test gateway_messages_test gateway_open_order_test
               gateway_samples_test)
    if(EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/unit/${name}.cpp)
      add_executable(${name} ${CMAKE_CURRENT_SOURCE_DIR}/unit/${name}.cpp)
      target_link_libraries(${name} PRIVATE intentq_gateway GTest::gtest_main)
      gtest_discover_tests(${name} PROPERTIES TIMEOUT 60 LABELS "unit;gateway")
    endif()
  endforeach()
endif()
