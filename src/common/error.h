/* error.h - internal helpers to fill espi_error and emit espi_diag. */
#ifndef ESPI_ERROR_H
#define ESPI_ERROR_H

#include "espi.h"

#include <stdarg.h>

#if defined(__GNUC__)
#define ESPI_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define ESPI_PRINTF(fmt, args)
#endif

/* Where a finding is: file, line, column and an optional entry/field path. */
typedef struct espi_loc {
    const char *file;
    unsigned long line;
    unsigned long column;
    const char *where;
} espi_loc;

/* Sets err (when not NULL) and returns status, so callers can write
 * `return espi_fail(err, ESPI_E_INPUT, "code", &loc, "...", ...);`. */
int espi_fail(espi_error *err, espi_status status, const char *code, const espi_loc *loc,
              const char *fmt, ...) ESPI_PRINTF(5, 6);

int espi_vfail(espi_error *err, espi_status status, const char *code, const espi_loc *loc,
               const char *fmt, va_list ap) ESPI_PRINTF(5, 0);

/* Sends one diagnostic to fn (when not NULL). Readers wrap it in a warn()
 * that fills in their file and line: they pass their arguments on with
 * espi_vemit rather than formatting the message twice. */
void espi_vemit(espi_diag_fn fn, void *ctx, espi_severity sev, const char *code,
                const espi_loc *loc, const char *fmt, va_list ap) ESPI_PRINTF(6, 0);

/* Sends one diagnostic to fn (when not NULL). */
void espi_emit(espi_diag_fn fn, void *ctx, espi_severity sev, const char *code, const espi_loc *loc,
               const char *fmt, ...) ESPI_PRINTF(6, 7);

/* Thread-safe strerror into buf. */
void espi_strerror(int errnum, char *buf, size_t size);

/* Bounded copy that always terminates dst (when size > 0); returns strlen(src). */
size_t espi_strlcpy(char *dst, const char *src, size_t size);

/* Bounded formatted append at *len into buf of size; keeps buf terminated and
 * *len at most size - 1. */
void espi_bufprintf(char *buf, size_t size, size_t *len, const char *fmt, ...) ESPI_PRINTF(4, 5);

#endif
