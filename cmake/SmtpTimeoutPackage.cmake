# SPDX-License-Identifier: GPL-2.0-or-later
# `cpack` in the build folder makes a .deb for the Wireshark version built
# against: it installs the plugin into that version's global plugin folder
# and depends on the matching libwireshark package (libwireshark16 for 4.0,
# libwireshark18 for 4.4, libwireshark19 for 4.6).
get_target_property(_epan_location epan IMPORTED_LOCATION_NONE)
if(NOT _epan_location)
  get_target_property(_epan_location epan LOCATION)
endif()
get_filename_component(_epan_real "${_epan_location}" REALPATH)
execute_process(COMMAND dpkg-query -S "${_epan_real}" OUTPUT_VARIABLE _owner ERROR_QUIET
                OUTPUT_STRIP_TRAILING_WHITESPACE)
string(REGEX REPLACE ":.*" "" SMTP_TIMEOUT_LIBWIRESHARK_PACKAGE "${_owner}")
if(NOT SMTP_TIMEOUT_LIBWIRESHARK_PACKAGE)
  set(SMTP_TIMEOUT_LIBWIRESHARK_PACKAGE libwireshark)
endif()
math(EXPR _next_minor "${Wireshark_MINOR_VERSION} + 1")

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME wireshark-plugin-smtp-timeout)
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_PACKAGE_CONTACT "smtp-timeout developers")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Wireshark plugin: SMTP timeouts, 421 replies and late resets explained")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_ARCHITECTURE amd64)
set(CPACK_DEBIAN_PACKAGE_DEPENDS
    "${SMTP_TIMEOUT_LIBWIRESHARK_PACKAGE} (>= ${WIRESHARK_XY}), ${SMTP_TIMEOUT_LIBWIRESHARK_PACKAGE} (<< ${Wireshark_MAJOR_VERSION}.${_next_minor})")
set(CPACK_PACKAGE_FILE_NAME "wireshark-plugin-smtp-timeout_${PROJECT_VERSION}_wireshark-${WIRESHARK_XY}_amd64")
include(CPack)
