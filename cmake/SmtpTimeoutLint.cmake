# SPDX-License-Identifier: GPL-2.0-or-later
# Static analysis of the project's own sources, as ctest tests (label lint),
# where the tools are installed: clang-tidy with plugin/.clang-tidy, and
# cppcheck with the suppressions in cmake/cppcheck-suppressions.txt; and,
# everywhere, the shape the sources keep (function and file lengths, the
# top level: plugin/tests/check_shape.py).
find_program(CLANG_TIDY_EXECUTABLE NAMES clang-tidy clang-tidy-14 clang-tidy-19)
find_program(CPPCHECK_EXECUTABLE cppcheck)
file(GLOB SMTP_TIMEOUT_LINT_SOURCES ${PROJECT_SOURCE_DIR}/plugin/*.c ${PROJECT_SOURCE_DIR}/plugin/core/*.c)
if(TARGET smtp-timeout-read)
  # Built only where libpcap is: its compile commands are there too.
  file(GLOB _native_sources ${PROJECT_SOURCE_DIR}/plugin/native/*.c)
  list(APPEND SMTP_TIMEOUT_LINT_SOURCES ${_native_sources})
endif()
if(CLANG_TIDY_EXECUTABLE)
  add_test(NAME lint.clang_tidy
    COMMAND ${CLANG_TIDY_EXECUTABLE} --quiet -p ${PROJECT_BINARY_DIR} ${SMTP_TIMEOUT_LINT_SOURCES})
  set_tests_properties(lint.clang_tidy PROPERTIES LABELS lint FAIL_REGULAR_EXPRESSION "warning:|error:")
endif()
if(CPPCHECK_EXECUTABLE)
  add_test(NAME lint.cppcheck
    COMMAND ${CPPCHECK_EXECUTABLE} --error-exitcode=1 --enable=warning,performance,portability --inline-suppr
            --std=c11 --quiet --suppressions-list=${PROJECT_SOURCE_DIR}/cmake/cppcheck-suppressions.txt
            -I ${PROJECT_SOURCE_DIR}/plugin ${SMTP_TIMEOUT_LINT_SOURCES})
  set_tests_properties(lint.cppcheck PROPERTIES LABELS lint)
endif()
add_test(NAME lint.shape
  COMMAND ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/plugin/tests/check_shape.py ${PROJECT_SOURCE_DIR})
set_tests_properties(lint.shape PROPERTIES LABELS lint)
