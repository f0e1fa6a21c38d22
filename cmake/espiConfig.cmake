# SPDX-License-Identifier: Apache-2.0
# CMake package of libespi: find_package(espi) defines espi::espi (shared)
# and espi::static. The static library's dependencies are found again here,
# the same way the build found them.
include(CMakeFindDependencyMacro)
find_dependency(PkgConfig)
pkg_check_modules(LIBXML2 REQUIRED IMPORTED_TARGET libxml-2.0)
pkg_check_modules(YAJL REQUIRED IMPORTED_TARGET yajl)
pkg_check_modules(LIBCRYPTO REQUIRED IMPORTED_TARGET libcrypto)
pkg_check_modules(LIBZIP REQUIRED IMPORTED_TARGET libzip)
include("${CMAKE_CURRENT_LIST_DIR}/espiTargets.cmake")
