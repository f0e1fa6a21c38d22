# SPDX-License-Identifier: Apache-2.0
# What `cmake --install` puts where: the header, both libraries, the espi
# tool, a pkg-config file and a CMake package (find_package(espi) gives
# espi::espi and espi::static).
configure_file(${PROJECT_SOURCE_DIR}/cmake/espi.pc.in ${PROJECT_BINARY_DIR}/espi.pc @ONLY)
install(TARGETS espi_static espi_shared EXPORT espiTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(TARGETS espi RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(FILES ${PROJECT_SOURCE_DIR}/include/espi.h DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(FILES ${PROJECT_BINARY_DIR}/espi.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
set(ESPI_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/espi)
install(EXPORT espiTargets NAMESPACE espi:: DESTINATION ${ESPI_CMAKE_DIR})
include(CMakePackageConfigHelpers)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/espiConfigVersion.cmake
  COMPATIBILITY SameMajorVersion)
install(FILES ${PROJECT_SOURCE_DIR}/cmake/espiConfig.cmake
  ${PROJECT_BINARY_DIR}/espiConfigVersion.cmake DESTINATION ${ESPI_CMAKE_DIR})
