/* SPDX-License-Identifier: Apache-2.0 */
/* inputs.c - the FILE arguments of convert, validate and dump, read the same
 * way: espi_input_open tells a file from gzip and a ZIP's XML files, and
 * words a missing file, a directory and an unreadable file alike (exit 3);
 * dump and validate name SmartHub data for what they are and the command
 * that reads them. */
#include "cli.h"

#include "espi.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static void set_error(espi_error *err, espi_status status, const char *code, const char *file)
{
    memset(err, 0, sizeof *err);
    err->status = status;
    snprintf(err->code, sizeof err->code, "%s", code);
    snprintf(err->file, sizeof err->file, "%s", file);
}

/* arg as one shell word: as it is when it needs no quoting. */
static void shell_word(char *buf, size_t size, const char *arg)
{
    if (arg[0] != '\0' && strspn(arg, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                      "0123456789._/:@%+=,-") == strlen(arg)) {
        snprintf(buf, size, "%s", arg);
        return;
    }
    size_t len = 0;
    buf[len++] = '\'';
    for (const char *p = arg; *p && len + 5 < size; p++) {
        if (*p == '\'') { /* ' as '\'' */
            memcpy(buf + len, "'\\''", 4);
            len += 4;
        } else {
            buf[len++] = *p;
        }
    }
    buf[len++] = '\'';
    buf[len] = '\0';
}

typedef struct kind_text {
    espi_format format;
    const char *what;
    bool alone; /* converts on its own (account data need usage data too) */
} kind_text;

static const kind_text kinds[] = {
    {ESPI_FORMAT_SMARTHUB_JSON, "SmartHub usage JSON", true},
    {ESPI_FORMAT_SMARTHUB_CSV, "a SmartHub CSV export", true},
    {ESPI_FORMAT_HAR, "a browser HAR file", true},
    {ESPI_FORMAT_SMARTHUB_ACCOUNT, "SmartHub account JSON (user-data or billing)", false},
};

int cli_input_green_button(const cli_input *in, espi_error *err)
{
    espi_format format;
    espi_error ignored;
    if (espi_format_detect(&format, in->head, in->head_len, in->name, &ignored) != 0)
        return 0; /* nothing espi knows: the XML reader says what is wrong */
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        if (kinds[i].format != format)
            continue;
        char word[300];
        shell_word(word, sizeof word, in->arg);
        set_error(err, ESPI_E_INPUT, "input", in->name);
        snprintf(err->message, sizeof err->message,
                 kinds[i].alone
                     ? "this is %s, not Green Button XML; convert it with: espi convert %s"
                     : "this is %s, not Green Button XML; espi convert reads it with "
                       "usage data: espi convert usage.json %s",
                 kinds[i].what, word);
        return ESPI_E_INPUT;
    }
    return 0;
}

static int worse(int a, int b)
{
    return a > b ? a : b;
}

static int fail(const cli_inputs *ci, const espi_error *err, bool read)
{
    cli_print_error(ci->io, err);
    if (ci->failed)
        ci->failed(ci->ctx, err->file, err, read);
    return cli_exit_code(err->status);
}

/* One input: refused when it is SmartHub data and only Green Button XML
 * is read; else read, the input layer's reason replacing the reader's
 * when the stream failed under it. */
static int read_one(const cli_inputs *ci, espi_input *inputs, cli_input *in)
{
    espi_input_head(inputs, &in->head, &in->head_len);
    espi_error err;
    if (ci->green_button_only && cli_input_green_button(in, &err) != 0)
        return fail(ci, &err, false);
    int rc = ci->read(ci->ctx, in, &err);
    espi_error why;
    bool write_failed = rc != 0 && strcmp(err.code, "write") == 0;
    if (!write_failed && espi_input_check(inputs, &why) != 0) {
        err = why;
        rc = why.status;
    }
    return rc == 0 ? CLI_OK : fail(ci, &err, true);
}

int cli_read_inputs(const cli_inputs *ci, const char *arg)
{
    espi_input *inputs = NULL;
    espi_error err;
    if (espi_input_open(&inputs, arg, NULL, &err) != 0)
        return fail(ci, &err, false);
    int code = CLI_OK;
    for (;;) {
        cli_input in = {arg, NULL, NULL, NULL, 0};
        int rc = espi_input_next(inputs, &in.stream, &in.name, &err);
        int c = rc != 0 ? fail(ci, &err, false) : in.stream ? read_one(ci, inputs, &in) : CLI_OK;
        code = worse(code, c);
        if ((rc == 0 && in.stream == NULL) || (c != CLI_OK && ci->stop_at_error))
            break;
    }
    espi_input_close(inputs);
    return code;
}

/* ------------------------------------------------------------------ */
/* Inputs into one output                                              */
/* ------------------------------------------------------------------ */

int cli_unit_and_zone(const cli_io *io, const char *command, const char *unit, const char *zone,
                      espi_tz **tz)
{
    int power;
    const char *symbol;
    *tz = NULL;
    if (unit && !espi_unit_parse(&power, &symbol, unit))
        return cli_usage(io, command,
                         "unknown --unit '%s': expected an ESPI unit such as Wh, W, VArh, m3 or "
                         "therm, with an SI prefix or none (kWh, MWh, kW)",
                         unit);
    espi_error err;
    if (zone && espi_tz_load(tz, zone, &err) != 0)
        return cli_usage(io, command, "--tz: %s", err.message);
    return CLI_OK;
}

/* ------------------------------------------------------------------ */

typedef struct sinking {
    const cli_sink *sink;
    void *obj;
    cli_inputs *ci;
    const char *target;
    bool output_failed;
    size_t failed;
} sinking;

static int sink_input(void *ctx, const cli_input *in, espi_error *err)
{
    sinking *s = ctx;
    int rc = s->sink->add(s->obj, in->stream, in->name, err);
    if (rc != 0)
        cli_name_output(err, s->target);
    if (rc == ESPI_E_IO && strcmp(err->code, "write") == 0) {
        s->output_failed = true;
        s->ci->stop_at_error = true;
    }
    return rc;
}

static void sink_failed(void *ctx, const char *name, const espi_error *err, bool read)
{
    (void)name;
    (void)err;
    (void)read;
    sinking *s = ctx;
    s->failed++;
}

int cli_run_sink(const cli_io *io, const cli_sink *sink, const void *opts, const char *output,
                 char **files, int nfiles)
{
    espi_error err;
    espi_output *out = NULL;
    const char *target = output && strcmp(output, "-") != 0 ? output : NULL;
    if (target && espi_output_open(&out, target, &err) != 0) {
        cli_print_error(io, &err);
        return cli_exit_code(err.status);
    }
    sinking s = {.sink = sink, .target = target};
    cli_inputs ci = {io, sink_input, sink_failed, &s, true, false};
    s.ci = &ci;
    int code = CLI_OK;
    if (sink->make(&s.obj, out ? espi_output_stream(out) : io->out, opts, &err) != 0) {
        cli_print_error(io, &err);
        code = err.status == ESPI_E_ARG ? CLI_USAGE : cli_exit_code(err.status);
    }
    for (int i = 0; s.obj && i < nfiles && !s.output_failed; i++) {
        int c = cli_read_inputs(&ci, files[i]);
        code = c > code ? c : code;
    }
    if (s.obj && !s.output_failed && sink->finish(s.obj, &err) != 0) {
        cli_name_output(&err, target);
        cli_print_error(io, &err);
        s.output_failed = true;
        code = cli_exit_code(err.status); /* 3 when the output failed, 1 a stylesheet */
    }
    bool keep = out && s.obj && !s.output_failed && s.failed == 0;
    if (s.obj)
        sink->destroy(s.obj);
    if (keep && espi_output_commit(out, NULL, &err) != 0) {
        cli_print_error(io, &err);
        code = cli_exit_code(err.status);
    } else if (out && !keep) {
        espi_output_abort(out);
        if (s.failed > 0)
            fprintf(io->err, "espi: wrote nothing to %s: %zu input%s could not be read\n", target,
                    s.failed, s.failed == 1 ? "" : "s");
    }
    return code;
}

/* ------------------------------------------------------------------ */
/* --files-from                                                        */
/* ------------------------------------------------------------------ */

/* The whole list, NUL-terminated; NULL with errno on failure. */
static char *slurp(FILE *f, size_t *len)
{
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        n += fread(buf + n, 1, cap - n - 1, f);
        if (ferror(f)) {
            free(buf);
            return NULL;
        }
        if (feof(f))
            break;
        char *g = realloc(buf, cap * 2);
        if (g == NULL) {
            free(buf);
            return NULL;
        }
        buf = g;
        cap *= 2;
    }
    if (buf) {
        buf[n] = '\0';
        *len = n;
    }
    return buf;
}

/* Splits text in place; returns how many paths, storing them when v. */
static int split_paths(char *text, size_t len, bool nul, char **v)
{
    int n = 0;
    char sep = nul ? '\0' : '\n';
    for (size_t i = 0; i < len;) {
        size_t k = i;
        while (k < len && text[k] != sep)
            k++;
        size_t end = k;
        if (!nul && end > i && text[end - 1] == '\r')
            end--;
        if (end > i) {
            if (v) {
                text[end] = '\0';
                v[n] = text + i;
            }
            n++;
        }
        i = k + 1;
    }
    return n;
}

int cli_files_gather(const cli_io *io, const char *command, char **pos, int npos, const char *list,
                     bool nul, cli_files *out)
{
    memset(out, 0, sizeof *out);
    size_t len = 0;
    if (nul && list == NULL)
        return cli_usage(io, command, "-0 tells how --files-from LIST is separated: give a LIST");
    if (list) {
        bool from_stdin = strcmp(list, "-") == 0;
        for (int i = 0; from_stdin && i < npos; i++)
            if (strcmp(pos[i], "-") == 0)
                return cli_usage(io, command,
                                 "--files-from - reads the list from stdin, so - cannot be an "
                                 "input too");
        FILE *f = from_stdin ? stdin : fopen(list, "rb");
        out->text = f ? slurp(f, &len) : NULL;
        int err_no = errno;
        if (f && !from_stdin)
            fclose(f);
        if (out->text == NULL) {
            fprintf(io->err, "%s: error: io: cannot read the list of inputs: %s\n",
                    from_stdin ? "<stdin>" : list, strerror(err_no));
            return CLI_IO;
        }
    }
    int listed = out->text ? split_paths(out->text, len, nul, NULL) : 0;
    out->v = calloc((size_t)npos + (size_t)listed + 1, sizeof *out->v);
    if (out->v == NULL) {
        cli_files_free(out);
        fprintf(io->err, "espi: out of memory\n");
        return CLI_IO;
    }
    for (int i = 0; i < npos; i++)
        out->v[out->n++] = pos[i];
    if (out->text)
        out->n += split_paths(out->text, len, nul, out->v + npos);
    if (out->n == 0) {
        cli_files_free(out);
        return cli_usage(io, command,
                         list ? "no input file: the list %s names none"
                              : "no input file (give paths, --files-from LIST, or - for stdin)",
                         list ? list : "");
    }
    return CLI_OK;
}

void cli_files_free(cli_files *f)
{
    free(f->v);
    free(f->text);
    memset(f, 0, sizeof *f);
}
