# Client session (gateway/session.cpp, pacer, request table): unit tests without network, and the
# integration test against the simulator intentq-gwsim.
if(TARGET intentq_gateway)
  foreach(name session_pacer_test session_request_table_test)
    add_executable(${name} ${CMAKE_CURRENT_SOURCE_DIR}/unit/${name}.cpp)
    target_link_libraries(${name} PRIVATE intentq_gateway GTest::gtest_main)
    gtest_discover_tests(${name} PROPERTIES TIMEOUT 30 LABELS "unit;session")
  endforeach()
endif()
