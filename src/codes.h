/* codes.h - internals of the code tables (codes.c); the lookups themselves
 * are public (espi.h). */
#ifndef ESPI_CODES_H
#define ESPI_CODES_H

#include "espi.h"

/* The prefix for a power of ten ("k" for 3, "" for 0); NULL when none. */
const char *espi_si_prefix(int power);

#endif
