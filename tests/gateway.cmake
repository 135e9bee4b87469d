# TWS API codec (gateway/wire.*, gateway/messages*): unit tests, no network.
foreach(name gateway_wire_test gateway_messages_test gateway_open_order_test
             gateway_samples_test gateway_market_data_test
             gateway_market_data_requests_test)
  add_executable(${name} ${CMAKE_CURRENT_SOURCE_DIR}/unit/${name}.cpp)
  target_link_libraries(${name} PRIVATE intentq_gateway GTest::gtest_main)
  # Prefixed so `ctest -R '^gateway\.'` runs just the codec tests.
  gtest_discover_tests(${name} TEST_PREFIX "gateway." PROPERTIES TIMEOUT 60)
  intentq_test_labels(${name} unit gateway)
endforeach()
