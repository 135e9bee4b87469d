# intentq-http (docs/http.md): Python tests (Debian python3, python3-selenium) against real
# processes: broker, simulator, workers and the HTTP front on 127.0.0.1 with free ports.
set(HTTP_TEST_DIR ${CMAKE_CURRENT_SOURCE_DIR}/http)

# Every route and status mapping, wait/no-wait, cancel, the results stream, limits, bad HTTP.
add_test(NAME http_api
  COMMAND /usr/bin/python3 -W ignore::ResourceWarning ${HTTP_TEST_DIR}/api_test.py
    --bin $<TARGET_FILE_DIR:intentq-http>)
set_tests_properties(http_api PROPERTIES TIMEOUT 300 LABELS "integration;http")

# The dashboard in headless Chromium (chromium, chromium-driver, python3-selenium). The
# screenshot it saves is the one docs/operations.md shows (docs/img/dashboard.png).
add_test(NAME http_dashboard_browser
  COMMAND /usr/bin/python3 -W ignore::ResourceWarning ${HTTP_TEST_DIR}/dashboard_test.py
    --bin $<TARGET_FILE_DIR:intentq-http> --screenshot ${CMAKE_CURRENT_BINARY_DIR}/dashboard.png)
set_tests_properties(http_dashboard_browser PROPERTIES TIMEOUT 180 LABELS "integration;http;browser")

# Tokens, TLS, public-bind refusal; slowloris, a 10,000-request burst, garbage, a slow stream
# reader; memory bounded throughout.
add_test(NAME http_hostile
  COMMAND /usr/bin/python3 -W ignore::ResourceWarning ${HTTP_TEST_DIR}/hostile_test.py
    --bin $<TARGET_FILE_DIR:intentq-http>)
set_tests_properties(http_hostile PROPERTIES TIMEOUT 300 LABELS "integration;http;security")

# The pieces without sockets: job bodies and status mapping, the job store, tokens.
intentq_gtest(http_unit_tests SOURCES unit/http_test.cpp LIBS intentq_http_lib LABELS unit http)

# DELETE /v1/jobs/{id} (mmi.cancel) with two token callers: own jobs cancelled, others' not.
add_test(NAME http_cancel
  COMMAND /usr/bin/python3 -W ignore::ResourceWarning ${HTTP_TEST_DIR}/cancel_test.py
    --bin $<TARGET_FILE_DIR:intentq-http>)
set_tests_properties(http_cancel PROPERTIES TIMEOUT 180 LABELS "integration;http")
