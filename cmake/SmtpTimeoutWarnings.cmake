# SPDX-License-Identifier: GPL-2.0-or-later
# Warnings for the project's own sources: a warning is an error.
set(SMTP_TIMEOUT_WARNINGS -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
    -Wformat=2 -Wvla)

# -DSMTP_TIMEOUT_SANITIZE=ON (preset "sanitize"): the plugin, the core and
# the unit tests with AddressSanitizer and UndefinedBehaviorSanitizer.  tshark
# is not built with them, so the tests preload the runtimes into it.
option(SMTP_TIMEOUT_SANITIZE "Build with -fsanitize=address,undefined" OFF)
if(SMTP_TIMEOUT_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
  execute_process(COMMAND ${CMAKE_C_COMPILER} -print-file-name=libasan.so OUTPUT_VARIABLE _asan
                  OUTPUT_STRIP_TRAILING_WHITESPACE)
  execute_process(COMMAND ${CMAKE_C_COMPILER} -print-file-name=libubsan.so OUTPUT_VARIABLE _ubsan
                  OUTPUT_STRIP_TRAILING_WHITESPACE)
  # Wireshark's own allocations at exit are not ours to judge: no leak check.
  set(SMTP_TIMEOUT_TOOL_ENV "LD_PRELOAD=${_asan}:${_ubsan}"
      "ASAN_OPTIONS=detect_leaks=0:abort_on_error=1:halt_on_error=1"
      "UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1")
endif()
