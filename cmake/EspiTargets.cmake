# SPDX-License-Identifier: Apache-2.0
# espi_target_defaults(target): the warning set and sanitizer flags every
# target of this project gets, in one place.
function(espi_target_defaults target)
  target_compile_features(${target} PRIVATE c_std_11)
  set_target_properties(${target} PROPERTIES C_EXTENSIONS OFF)
  if(CMAKE_C_COMPILER_ID MATCHES "GNU|Clang")
    target_compile_options(${target} PRIVATE
      -Wall -Wextra -Wshadow -Wconversion -Wstrict-prototypes -Wmissing-prototypes
      -Wformat=2 -Wundef -Wcast-qual -Wpointer-arith)
    if(ESPI_WERROR)
      target_compile_options(${target} PRIVATE -Werror)
    endif()
    if(ESPI_SANITIZE)
      target_compile_options(${target} PRIVATE
        -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
      target_link_options(${target} PRIVATE -fsanitize=address,undefined)
    endif()
  endif()
  target_compile_definitions(${target} PRIVATE _XOPEN_SOURCE=700)
endfunction()
