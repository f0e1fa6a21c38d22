/* embedded.h - files compiled into the library (the bundled schemas). */
#ifndef ESPI_EMBEDDED_H
#define ESPI_EMBEDDED_H

#include <stddef.h>

typedef struct espi_embedded_file {
    const char *name;          /* file name, e.g. "espi.xsd" */
    const unsigned char *data; /* NUL-terminated */
    size_t size;               /* without the NUL */
} espi_embedded_file;

/* Terminated by an entry whose name is NULL. */
extern const espi_embedded_file espi_embedded_files[];

#endif
