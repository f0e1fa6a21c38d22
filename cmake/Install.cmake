# SPDX-License-Identifier: Apache-2.0
# What `cmake --install` puts where: the header, both libraries, the espi
# tool, a pkg-config file and a CMake package (find_package(espi) gives
# espi::espi and, when its dependencies are there, espi::static).
#
# Every path follows GNUInstallDirs, so a multiarch libdir
# (-DCMAKE_INSTALL_LIBDIR=lib/x86_64-linux-gnu, what Debian's
# dh_auto_configure passes) works, and both the pkg-config file and the
# CMake package find the prefix from their own location: a prefix installed
# with DESTDIR, or moved elsewhere as a whole, still works.

option(ESPI_RELOCATABLE_PC
  "espi.pc finds its prefix from its own location (\${pcfiledir}); OFF writes the configured prefix, as a distribution package wants"
  ON)

# espi_install_path(OUT DIR): DIR (a GNUInstallDirs value, relative to the
# prefix or absolute) as an absolute, normalized path under the configured
# prefix, the way install(... DESTINATION DIR) resolves it.
function(espi_install_path out dir)
  if(IS_ABSOLUTE "${dir}")
    set(path "${dir}")
  else()
    set(path "${CMAKE_INSTALL_PREFIX}/${dir}")
  endif()
  cmake_path(SET path NORMALIZE "${path}")
  string(REGEX REPLACE "(.)/$" "\\1" path "${path}")
  set(${out} "${path}" PARENT_SCOPE)
endfunction()

# espi_pc_dir(OUT DIR): DIR for espi.pc: "${prefix}/..." when it lies in the
# prefix, else the absolute path.
function(espi_pc_dir out dir prefix_full)
  espi_install_path(full "${dir}")
  cmake_path(IS_PREFIX prefix_full "${full}" NORMALIZE inside)
  if(inside)
    file(RELATIVE_PATH rel "${prefix_full}" "${full}")
    string(REGEX REPLACE "/$" "" rel "${rel}")
    if(rel STREQUAL "")
      set(${out} "\${prefix}" PARENT_SCOPE)
    else()
      set(${out} "\${prefix}/${rel}" PARENT_SCOPE)
    endif()
  else()
    set(${out} "${full}" PARENT_SCOPE)
  endif()
endfunction()

set(ESPI_PC_INSTALL_DIR ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
espi_install_path(ESPI_PREFIX_FULL ".")
espi_install_path(ESPI_PC_DIR_FULL "${ESPI_PC_INSTALL_DIR}")
cmake_path(IS_PREFIX ESPI_PREFIX_FULL "${ESPI_PC_DIR_FULL}" NORMALIZE ESPI_PC_IN_PREFIX)
if(ESPI_RELOCATABLE_PC AND ESPI_PC_IN_PREFIX)
  # lib/x86_64-linux-gnu/pkgconfig -> ${pcfiledir}/../../..
  file(RELATIVE_PATH ESPI_PC_UP "${ESPI_PC_DIR_FULL}" "${ESPI_PREFIX_FULL}")
  string(REGEX REPLACE "/$" "" ESPI_PC_UP "${ESPI_PC_UP}") # "../../" -> "../.."
  set(ESPI_PC_PREFIX "\${pcfiledir}/${ESPI_PC_UP}")
else()
  set(ESPI_PC_PREFIX "${ESPI_PREFIX_FULL}")
endif()
espi_pc_dir(ESPI_PC_LIBDIR "${CMAKE_INSTALL_LIBDIR}" "${ESPI_PREFIX_FULL}")
espi_pc_dir(ESPI_PC_INCLUDEDIR "${CMAKE_INSTALL_INCLUDEDIR}" "${ESPI_PREFIX_FULL}")
# libespi.a's libraries that have no pkg-config module: libdl (dlopen, for
# libcurl) and libm
set(ESPI_PC_LIBS_PRIVATE "")
foreach(lib IN LISTS CMAKE_DL_LIBS ITEMS m)
  string(APPEND ESPI_PC_LIBS_PRIVATE " -l${lib}")
endforeach()
string(STRIP "${ESPI_PC_LIBS_PRIVATE}" ESPI_PC_LIBS_PRIVATE)
configure_file(${PROJECT_SOURCE_DIR}/cmake/espi.pc.in ${PROJECT_BINARY_DIR}/espi.pc @ONLY)

# The shared library alone in one export set, the static one in another:
# espiConfig.cmake loads espiStaticTargets.cmake only when the libraries
# libespi.a needs are found, so a program that links espi::espi configures
# without their -dev packages.
install(TARGETS espi_shared EXPORT espiTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(TARGETS espi_static EXPORT espiStaticTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(TARGETS espi RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(FILES ${PROJECT_SOURCE_DIR}/include/espi.h DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(FILES ${PROJECT_BINARY_DIR}/espi.pc DESTINATION ${ESPI_PC_INSTALL_DIR})
set(ESPI_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/espi)
install(EXPORT espiTargets NAMESPACE espi:: DESTINATION ${ESPI_CMAKE_DIR})
install(EXPORT espiStaticTargets NAMESPACE espi:: DESTINATION ${ESPI_CMAKE_DIR})
include(CMakePackageConfigHelpers)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/espiConfigVersion.cmake
  COMPATIBILITY SameMajorVersion)
install(FILES ${PROJECT_SOURCE_DIR}/cmake/espiConfig.cmake
  ${PROJECT_BINARY_DIR}/espiConfigVersion.cmake DESTINATION ${ESPI_CMAKE_DIR})
