# SPDX-License-Identifier: Apache-2.0
# CMake package of libespi.
#
#   find_package(espi)                    espi::espi, the shared library, and
#                                         espi::static when its dependencies
#                                         are found
#   find_package(espi COMPONENTS static)  espi::static is required: an error
#                                         names what is missing
#
# espi::espi needs nothing else at build time: libespi.so carries its own
# dependencies. espi::static, libespi.a, needs the libraries it was built
# with (libxml-2.0, libxslt, yajl, libcrypto, libzip, zlib; on Debian
# libxml2-dev, libxslt1-dev, libyajl-dev, libssl-dev, libzip-dev, zlib1g-dev),
# found through pkg-config as the build found them; not libcurl, which the
# library opens with dlopen when a fetch needs it. They are looked for quietly, and only their absence
# hides espi::static: a program that links espi::espi configures without
# them. Paths are relative to this file, so a moved prefix still works.
include("${CMAKE_CURRENT_LIST_DIR}/espiTargets.cmake")
set(espi_shared_FOUND TRUE)

# _espi_static_deps(OUT): finds libespi.a's dependencies as the imported
# targets espiStaticTargets.cmake refers to (PkgConfig::LIBXML2, ...,
# reusing the caller's when it made them) and sets OUT to what is missing,
# in words; empty when nothing is.
function(_espi_static_deps out)
  set(missing "")
  find_package(PkgConfig QUIET)
  if(NOT PKG_CONFIG_FOUND)
    set(${out} "pkg-config is not installed" PARENT_SCOPE)
    return()
  endif()
  foreach(dep IN ITEMS "LIBXML2=libxml-2.0" "LIBXSLT=libxslt" "YAJL=yajl" "LIBCRYPTO=libcrypto" "LIBZIP=libzip"
                       "ZLIB=zlib")
    string(REPLACE "=" ";" dep "${dep}")
    list(GET dep 0 var)
    list(GET dep 1 module)
    if(NOT TARGET PkgConfig::${var})
      pkg_check_modules(${var} QUIET IMPORTED_TARGET ${module})
      if(NOT TARGET PkgConfig::${var})
        list(APPEND missing ${module})
      endif()
    endif()
  endforeach()
  if(missing)
    list(JOIN missing " " missing)
    set(missing "pkg-config finds no ${missing}")
  endif()
  set(${out} "${missing}" PARENT_SCOPE)
endfunction()

set(_espi_why "")
if(TARGET espi::static)
  set(espi_static_FOUND TRUE) # a second find_package(espi) in the same directory
else()
  _espi_static_deps(_espi_missing)
  if(_espi_missing STREQUAL "")
    include("${CMAKE_CURRENT_LIST_DIR}/espiStaticTargets.cmake")
    set(espi_static_FOUND TRUE)
  else()
    set(espi_static_FOUND FALSE)
    set(_espi_why "espi::static (libespi.a) is not available: ${_espi_missing} (on Debian:\
 apt install pkg-config libxml2-dev libxslt1-dev libyajl-dev libssl-dev libzip-dev zlib1g-dev);\
 espi::espi is available")
    if(NOT espi_FIND_REQUIRED_static AND NOT espi_FIND_QUIETLY)
      message(STATUS "espi: ${_espi_why}")
    endif()
  endif()
  unset(_espi_missing)
endif()

foreach(_espi_comp IN LISTS espi_FIND_COMPONENTS)
  if(NOT _espi_comp MATCHES "^(shared|static)$")
    set(espi_${_espi_comp}_FOUND FALSE)
    set(_espi_why "espi has no component \"${_espi_comp}\" (it has shared and static)")
  endif()
  if(espi_FIND_REQUIRED_${_espi_comp} AND NOT espi_${_espi_comp}_FOUND)
    set(espi_FOUND FALSE)
    set(espi_NOT_FOUND_MESSAGE "${_espi_why}")
  endif()
endforeach()
unset(_espi_comp)
unset(_espi_why)
