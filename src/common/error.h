/* SPDX-License-Identifier: Apache-2.0 */
/* error.h - internal helpers to fill espi_error and emit espi_diag. */
#ifndef ERROR_H
#define ERROR_H

#include "espi.h"

#include <stdarg.h>

#if defined(__GNUC__)
#define ATTR_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define ATTR_PRINTF(fmt, args)
#endif

/* Where a finding is: file, line, column and an optional entry/field path. */
typedef struct err_loc {
    const char *file;
    unsigned long line;
    unsigned long column;
    const char *where;
} err_loc;

/* Sets err (when not NULL) and returns status, so callers can write
 * `return err_fail(err, ESPI_E_INPUT, "code", &loc, "...", ...);`. */
int err_fail(espi_error *err, espi_status status, const char *code, const err_loc *loc,
             const char *fmt, ...) ATTR_PRINTF(5, 6);

int err_vfail(espi_error *err, espi_status status, const char *code, const err_loc *loc,
              const char *fmt, va_list ap) ATTR_PRINTF(5, 0);

/* Sends one diagnostic to fn (when not NULL). Readers wrap it in a warn()
 * that fills in their file and line: they pass their arguments on with
 * diag_vemit rather than formatting the message twice. */
void diag_vemit(espi_diag_fn fn, void *ctx, espi_severity sev, const char *code, const err_loc *loc,
                const char *fmt, va_list ap) ATTR_PRINTF(6, 0);

/* Sends one diagnostic to fn (when not NULL). */
void diag_emit(espi_diag_fn fn, void *ctx, espi_severity sev, const char *code, const err_loc *loc,
               const char *fmt, ...) ATTR_PRINTF(6, 7);

/* Thread-safe strerror into buf. */
void err_strerror(int errnum, char *buf, size_t size);

/* Bounded copy that always terminates dst (when size > 0); returns strlen(src). */
size_t str_lcpy(char *dst, const char *src, size_t size);

/* Bounded formatted append at *len into buf of size; keeps buf terminated and
 * *len at most size - 1. */
void str_bufprintf(char *buf, size_t size, size_t *len, const char *fmt, ...) ATTR_PRINTF(4, 5);

#endif
