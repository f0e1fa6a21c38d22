# SPDX-License-Identifier: Apache-2.0
# cmake -DESPI=path/to/espi -DWHAT=man|bash-completion|zsh-completion
#       [-DCMD=convert] -DOUTPUT=file -P generate.cmake
# Runs `espi --generate WHAT [COMMAND]` and keeps its output in OUTPUT only
# when it succeeded, so that a failed run leaves no half-written page.
set(args --generate ${WHAT})
if(CMD)
  list(APPEND args ${CMD})
endif()
execute_process(COMMAND ${ESPI} ${args} OUTPUT_FILE ${OUTPUT}.tmp RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  file(REMOVE ${OUTPUT}.tmp)
  message(FATAL_ERROR "espi ${args} failed: ${rc}")
endif()
file(RENAME ${OUTPUT}.tmp ${OUTPUT})
