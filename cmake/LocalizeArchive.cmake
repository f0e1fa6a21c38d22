# SPDX-License-Identifier: Apache-2.0
# Makes the installed static library export what the shared one does: the
# functions of include/espi.h and nothing else. The archive's objects are
# linked into one relocatable object (so calls between them are resolved
# inside it), its hidden symbols are made local, and the archive is written
# again holding that one object.
# Run as: cmake -DARCHIVE=libespi.a -DAR=ar -DLINKER=ld -DOBJCOPY=objcopy -P LocalizeArchive.cmake
set(merged "${ARCHIVE}.merged.o")
execute_process(COMMAND "${LINKER}" -r --whole-archive "${ARCHIVE}" -o "${merged}"
  RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "ld -r of ${ARCHIVE} failed")
endif()
execute_process(COMMAND "${OBJCOPY}" --localize-hidden "${merged}" RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "objcopy --localize-hidden failed")
endif()
file(REMOVE "${ARCHIVE}")
execute_process(COMMAND "${AR}" qc "${ARCHIVE}" "${merged}" RESULT_VARIABLE rc)
file(REMOVE "${merged}")
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "ar of ${ARCHIVE} failed")
endif()
