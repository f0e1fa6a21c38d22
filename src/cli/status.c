/* SPDX-License-Identifier: Apache-2.0 */
/* status.c - the JSON lines of --status. */
#include "status.h"

#include <errno.h>
#include <string.h>
#include <time.h>

/* The length of the valid UTF-8 sequence at p, or 0. */
static size_t utf8_length(const unsigned char *p)
{
    unsigned char c = p[0];
    size_t n = c < 0x80                 ? 1
               : c >= 0xC2 && c <= 0xDF ? 2
               : c >= 0xE0 && c <= 0xEF ? 3
               : c >= 0xF0 && c <= 0xF4 ? 4
                                        : 0;
    unsigned char lo = c == 0xE0 ? 0xA0 : c == 0xF0 ? 0x90 : 0x80;
    unsigned char hi = c == 0xED ? 0x9F : c == 0xF4 ? 0x8F : 0xBF;
    for (size_t i = 1; i < n; i++) {
        unsigned char lo_i = i == 1 ? lo : 0x80, hi_i = i == 1 ? hi : 0xBF;
        if (p[i] < lo_i || p[i] > hi_i)
            return 0;
    }
    return n;
}

/* s as a JSON string; bytes that are not UTF-8 (a file name may hold
 * any) become U+FFFD. */
static void put_json_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p;) {
        size_t n = utf8_length(p);
        if (n == 0) {
            fputs("\\ufffd", f);
            p++;
        } else if (*p == '"' || *p == '\\') {
            fprintf(f, "\\%c", *p++);
        } else if (*p == '\n') {
            fputs("\\n", f);
            p++;
        } else if (*p == '\t') {
            fputs("\\t", f);
            p++;
        } else if (*p < 0x20 || *p == 0x7F) {
            fprintf(f, "\\u%04x", *p++);
        } else {
            fwrite(p, 1, n, f);
            p += n;
        }
    }
    fputc('"', f);
}

const char *cli_status_of_code(int code)
{
    return code == CLI_OK ? "ok" : code == CLI_INVALID_INPUT ? "invalid" : "error";
}

void cli_status_put(FILE *f, const cli_status_line *l)
{
    if (l->output != NULL) {
        fputs("{\"output\": ", f);
        put_json_string(f, l->output);
        fputs(", \"inputs\": [", f);
        for (size_t i = 0; i < l->ninputs; i++) {
            fputs(i ? ", " : "", f);
            put_json_string(f, l->inputs[i]);
        }
        fputs("]", f);
    } else {
        fputs("{\"input\": ", f);
        put_json_string(f, l->ninputs ? l->inputs[0] : "");
    }
    fprintf(f, ", \"status\": \"%s\", \"readings\": ", l->status);
    if (l->readings < 0) /* not read: what it holds is not known */
        fputs("null", f);
    else
        fprintf(f, "%lld", l->readings);
    fprintf(f, ", \"warnings\": %zu, \"errors\": %zu, \"message\": ", l->warnings, l->errors);
    if (l->message == NULL || l->message[0] == '\0')
        fputs("null", f);
    else
        put_json_string(f, l->message);
    fprintf(f, ", \"seconds\": %lld.%03lld}\n", l->ms / 1000, l->ms % 1000);
    fflush(f);
}

long long cli_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int cli_status_open(const cli_io *io, const char *path, FILE **f)
{
    *f = NULL;
    if (path == NULL)
        return CLI_OK;
    *f = strcmp(path, "-") == 0 ? io->out : fopen(path, "w");
    if (*f != NULL)
        return CLI_OK;
    fprintf(io->err, "%s: error: io: cannot write the status file: %s\n", path, strerror(errno));
    return CLI_IO;
}

int cli_status_close(const cli_io *io, const char *path, FILE **f)
{
    if (*f == NULL)
        return CLI_OK;
    bool failed = ferror(*f) != 0;
    errno = 0; /* the reason, when the flush gives one */
    if (*f == io->out)
        failed = fflush(*f) != 0 || failed;
    else
        failed = fclose(*f) != 0 || failed;
    *f = NULL;
    if (!failed)
        return CLI_OK;
    fprintf(io->err, "%s: error: io: cannot write the status file%s%s\n", path, errno ? ": " : "",
            errno ? strerror(errno) : "");
    return CLI_IO;
}
