# Tests of the test setup and packaging themselves: the labels the README names select the right
# tests, and `cmake --install` lays out programs, units and docs.
add_test(NAME suite_readme_labels_select_their_tests
  COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/suite/check_labels.sh ${PROJECT_SOURCE_DIR}/README.md
  WORKING_DIRECTORY ${CMAKE_BINARY_DIR})
set_tests_properties(suite_readme_labels_select_their_tests PROPERTIES TIMEOUT 60 LABELS suite)

add_test(NAME suite_install_layout
  COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/suite/check_install.sh ${CMAKE_COMMAND}
    ${CMAKE_BINARY_DIR})
set_tests_properties(suite_install_layout PROPERTIES TIMEOUT 120 LABELS suite)

add_test(NAME suite_docs_match_the_programs
  COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/suite/check_docs.sh ${PROJECT_SOURCE_DIR})
set_tests_properties(suite_docs_match_the_programs PROPERTIES TIMEOUT 60 LABELS suite)
