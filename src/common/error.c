/* SPDX-License-Identifier: Apache-2.0 */
/* error.c - status texts, error filling and diagnostic formatting. */
#include "common/error.h"

#include <stdio.h>
#include <string.h>

const char *espi_status_text(espi_status status)
{
    switch (status) {
    case ESPI_OK: return "ok";
    case ESPI_E_INPUT: return "invalid input";
    case ESPI_E_IO: return "I/O error";
    case ESPI_E_NOMEM: return "out of memory";
    case ESPI_E_ARG: return "invalid argument";
    case ESPI_E_LIMIT: return "limit exceeded";
    }
    return "unknown status";
}

void err_strerror(int errnum, char *buf, size_t size)
{
    if (size == 0)
        return;
    if (strerror_r(errnum, buf, size) != 0)
        snprintf(buf, size, "error %d", errnum);
}

size_t str_lcpy(char *dst, const char *src, size_t size)
{
    size_t n = strlen(src);
    if (size > 0) {
        size_t k = n < size - 1 ? n : size - 1;
        memcpy(dst, src, k);
        dst[k] = '\0';
    }
    return n;
}

void str_bufprintf(char *buf, size_t size, size_t *len, const char *fmt, ...)
{
    if (*len + 1 >= size)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf + *len, size - *len, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    *len += (size_t)n;
    if (*len >= size)
        *len = size - 1;
}

int err_vfail(espi_error *err, espi_status status, const char *code, const err_loc *loc,
              const char *fmt, va_list ap)
{
    if (err == NULL)
        return status;
    memset(err, 0, sizeof *err);
    err->status = status;
    str_lcpy(err->code, code ? code : "", sizeof err->code);
    if (loc != NULL) {
        str_lcpy(err->file, loc->file ? loc->file : "", sizeof err->file);
        err->line = loc->line;
        err->column = loc->column;
        str_lcpy(err->where, loc->where ? loc->where : "", sizeof err->where);
    }
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    return status;
}

int err_fail(espi_error *err, espi_status status, const char *code, const err_loc *loc,
             const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = err_vfail(err, status, code, loc, fmt, ap);
    va_end(ap);
    return rc;
}

void diag_vemit(espi_diag_fn fn, void *ctx, espi_severity sev, const char *code, const err_loc *loc,
                const char *fmt, va_list ap)
{
    if (fn == NULL)
        return;
    char message[512];
    vsnprintf(message, sizeof message, fmt, ap);
    espi_diag d = {
        .severity = sev,
        .code = code,
        .file = loc ? loc->file : NULL,
        .line = loc ? loc->line : 0,
        .column = loc ? loc->column : 0,
        .where = loc ? loc->where : NULL,
        .message = message,
    };
    fn(&d, ctx);
}

void diag_emit(espi_diag_fn fn, void *ctx, espi_severity sev, const char *code, const err_loc *loc,
               const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    diag_vemit(fn, ctx, sev, code, loc, fmt, ap);
    va_end(ap);
}

static const char *severity_text(espi_severity sev)
{
    switch (sev) {
    case ESPI_SEV_INFO: return "info";
    case ESPI_SEV_WARNING: return "warning";
    case ESPI_SEV_ERROR: return "error";
    }
    return "error";
}

size_t espi_diag_format(char *buf, size_t size, const espi_diag *d)
{
    const char *file = d->file && d->file[0] ? d->file : "espi";
    const char *where = d->where && d->where[0] ? d->where : NULL;
    char pos[48] = "";
    if (d->line > 0 && d->column > 0)
        snprintf(pos, sizeof pos, "%lu:%lu:", d->line, d->column);
    else if (d->line > 0)
        snprintf(pos, sizeof pos, "%lu:", d->line);
    const char *code = d->code && d->code[0] ? d->code : NULL;
    int n = snprintf(buf, size, "%s:%s %s: %s%s%s%s%s%s", file, pos, severity_text(d->severity),
                     code ? code : "", code ? ": " : "", d->message ? d->message : "",
                     where ? " [" : "", where ? where : "", where ? "]" : "");
    return n < 0 ? 0 : (size_t)n;
}

size_t espi_error_format(char *buf, size_t size, const espi_error *err)
{
    espi_diag d = {
        .severity = ESPI_SEV_ERROR,
        .code = err->code,
        .file = err->file,
        .line = err->line,
        .column = err->column,
        .where = err->where,
        .message = err->message[0] ? err->message : espi_status_text(err->status),
    };
    return espi_diag_format(buf, size, &d);
}
