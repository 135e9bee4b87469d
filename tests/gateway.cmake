# TWS API codec (gateway/wire.*, gateway/messages*): unit tests, no network.
foreach(name gateway_wire_test gateway_messages_test gateway_open_order_test
             gateway_samples_test gateway_market_data_test
             gateway_market_data_requests_test)
  # Prefixed so `ctest -R '^gateway\.'` runs just the codec tests.
  intentq_gtest(${name} SOURCES unit/${name}.cpp LIBS intentq_gateway PREFIX "gateway."
    LABELS unit gateway)
endforeach()
