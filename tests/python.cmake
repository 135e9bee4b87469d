# The Python client (clients/python, the `intentq` package) and the FastAPI example
# (examples/fastapi): pytest against the real broker, workers, simulator and CLI built here
# (tests/python/), and mypy --strict over the package and the example. Debian packages:
# python3-pytest, python3-pytest-asyncio, python3-fastapi, python3-uvicorn, python3-httpx,
# python3-mypy, python3-setuptools, python3-pip, python3-venv (scripts/setup.sh).
add_test(NAME python_client
  COMMAND /usr/bin/python3 -m pytest -q ${CMAKE_CURRENT_SOURCE_DIR}/python
  WORKING_DIRECTORY ${CMAKE_CURRENT_SOURCE_DIR}/python)
set_tests_properties(python_client PROPERTIES TIMEOUT 300 LABELS "python;integration"
  ENVIRONMENT "INTENTQ_BIN_DIR=${CMAKE_BINARY_DIR}/bin;PYTHONPATH=${PROJECT_SOURCE_DIR}/clients/python;PYTHONDONTWRITEBYTECODE=1")

# The cache lives in the build tree so the checkout stays clean.
add_test(NAME python_client_mypy
  COMMAND /usr/bin/python3 -m mypy --config-file ${PROJECT_SOURCE_DIR}/clients/python/pyproject.toml
    --cache-dir ${CMAKE_BINARY_DIR}/mypy-cache
    ${PROJECT_SOURCE_DIR}/clients/python/intentq ${PROJECT_SOURCE_DIR}/examples/fastapi/app.py
  WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}/clients/python)
set_tests_properties(python_client_mypy PROPERTIES TIMEOUT 300 LABELS "python;lint"
  ENVIRONMENT "PYTHONPATH=${PROJECT_SOURCE_DIR}/clients/python")
