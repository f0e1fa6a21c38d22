/* SPDX-License-Identifier: Apache-2.0 */
/* input.c - espi_input: what a user's path holds, as the inputs every
 * command reads. The first bytes tell plain data from gzip (inflated as it
 * is read, gz_input.c) and from a ZIP archive (its .xml members, one after
 * the other, zip_input.c); a missing file, a directory and a file that
 * cannot be read get one wording. Each input's first bytes are kept, and
 * its stream gives them again, so a caller can tell its format
 * (espi_format_detect) and still read it whole. */
#define _GNU_SOURCE /* fopencookie */
#include "common/error.h"
#include "common/gz_input.h"
#include "common/replay.h"
#include "common/zip_input.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct espi_input {
    espi_input_options opts;
    char *name; /* the path, or "<stdin>" */
    FILE *file;
    bool owned; /* file was opened here */
    gz_input *gz;
    zip_input *zip;
    size_t member; /* the next ZIP member */
    bool given;    /* a single input was handed out */
    unsigned char *head;
    /* the current input: its head, then the rest (rp.rest); rp.read_errno
     * when that failed to read (not gzip or ZIP damage) */
    replay rp;
    FILE *stream; /* over rp, or file itself (replay_rewind) */
    off_t start;  /* where file's head began (ftello) */
};

void espi_input_options_init(espi_input_options *opts)
{
    memset(opts, 0, sizeof *opts);
    opts->max_unpacked = ESPI_INPUT_MAX_UNPACKED;
}

static int cannot_read(const char *name, int errnum, espi_error *err)
{
    char reason[128];
    err_strerror(errnum, reason, sizeof reason);
    return err_fail(err, ESPI_E_IO, "io", &(err_loc){name, 0, 0, NULL}, "cannot read: %s", reason);
}

/* Up to ESPI_INPUT_HEAD_BYTES of f into in->head; the rest is f's. */
static bool read_head(espi_input *in, FILE *f)
{
    return replay_fill(&in->rp, in->head, ESPI_INPUT_HEAD_BYTES, f);
}

/* The error of a stream that failed to read: gzip's or the ZIP member's
 * own reason when there is one. */
static int read_failure(const espi_input *in, espi_error *err)
{
    if (in->gz && gz_input_check(in->gz, err) != 0)
        return err->status;
    if (in->zip && zip_input_check(in->zip, err) != 0)
        return err->status;
    return cannot_read(in->zip ? zip_input_name(in->zip) : in->name,
                       in->rp.read_errno ? in->rp.read_errno : EIO, err);
}

/* ------------------------------------------------------------------ */
/* The current input: its head, then the rest                          */
/* ------------------------------------------------------------------ */

static int hand_out(espi_input *in, FILE **stream, espi_error *err)
{
    if (!in->gz && !in->zip && replay_rewind(&in->rp, in->start)) {
        *stream = in->stream = in->file;
        return 0;
    }
    in->stream = replay_open(&in->rp);
    if (in->stream == NULL)
        return err_fail(err, ESPI_E_NOMEM, "nomem", NULL, "out of memory");
    *stream = in->stream;
    return 0;
}

/* ------------------------------------------------------------------ */
/* Opening                                                             */
/* ------------------------------------------------------------------ */

/* What the first bytes say: gzip is inflated, and what it holds looked
 * at again; a ZIP is opened as an archive. */
static int look_inside(espi_input *in, espi_error *err)
{
    in->start = ftello(in->file);
    if (!read_head(in, in->file))
        return cannot_read(in->name, in->rp.read_errno, err);
    if (gz_input_sniff(in->head, in->rp.len)) {
        int rc = gz_input_open(&in->gz, in->file, in->head, in->rp.len, in->name,
                               in->opts.max_unpacked, err);
        if (rc != 0)
            return rc;
        if (!read_head(in, gz_input_stream(in->gz)))
            return read_failure(in, err);
    }
    if (zip_input_sniff(in->head, in->rp.len)) {
        int rc = zip_input_open_archive(&in->zip, in->rp.rest, in->head, in->rp.len, in->name,
                                        in->opts.max_unpacked, err);
        if (rc != 0 && in->gz && gz_input_check(in->gz, NULL) != 0)
            rc = gz_input_check(in->gz, err); /* the gzip data were the trouble */
        return rc;
    }
    return 0;
}

static int make(espi_input **out, FILE *f, bool owned, const char *name,
                const espi_input_options *opts, espi_error *err)
{
    *out = NULL;
    espi_input *in = calloc(1, sizeof *in);
    if (in == NULL || (in->name = strdup(name)) == NULL ||
        (in->head = malloc(ESPI_INPUT_HEAD_BYTES)) == NULL) {
        if (in)
            free(in->name);
        free(in);
        if (owned)
            fclose(f);
        return err_fail(err, ESPI_E_NOMEM, "nomem", NULL, "out of memory");
    }
    in->file = f;
    in->owned = owned;
    if (opts)
        in->opts = *opts;
    else
        espi_input_options_init(&in->opts);
    if (in->opts.max_unpacked == 0)
        in->opts.max_unpacked = ESPI_INPUT_MAX_UNPACKED;
    int rc = look_inside(in, err);
    if (rc != 0) {
        espi_input_close(in);
        return rc;
    }
    *out = in;
    return 0;
}

int espi_input_open_stream(espi_input **out, FILE *in, const char *name,
                           const espi_input_options *opts, espi_error *err)
{
    return make(out, in, false, name ? name : "<input>", opts, err);
}

/* "dir" of "dir/" and "dir//", for the example of what to give instead. */
static int is_directory(const char *path, espi_error *err)
{
    size_t n = strlen(path);
    while (n > 1 && path[n - 1] == '/')
        n--;
    return err_fail(err, ESPI_E_IO, "io", &(err_loc){path, 0, 0, NULL},
                    "is a directory; give the files in it, e.g. %.*s/*.xml", (int)n, path);
}

int espi_input_open(espi_input **out, const char *path, const espi_input_options *opts,
                    espi_error *err)
{
    *out = NULL;
    if (strcmp(path, "-") == 0)
        return make(out, stdin, false, "<stdin>", opts, err);
    struct stat st;
    if (stat(path, &st) != 0 && (errno == ENOENT || errno == ENOTDIR))
        return err_fail(err, ESPI_E_IO, "io", &(err_loc){path, 0, 0, NULL}, "no such file");
    FILE *f = fopen(path, "rb");
    if (f == NULL && errno == EISDIR)
        return is_directory(path, err);
    if (f == NULL)
        return cannot_read(path, errno, err);
    if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
        fclose(f);
        return is_directory(path, err);
    }
    return make(out, f, true, path, opts, err);
}

/* ------------------------------------------------------------------ */
/* The inputs, one after the other                                     */
/* ------------------------------------------------------------------ */

static void close_current(espi_input *in)
{
    if (in->stream && in->stream != in->file)
        fclose(in->stream);
    in->stream = NULL;
}

static int next_member(espi_input *in, FILE **stream, const char **name, espi_error *err)
{
    if (in->member >= zip_input_members(in->zip))
        return 0;
    int rc = zip_input_member(in->zip, in->member++, err);
    *name = zip_input_name(in->zip);
    if (rc != 0)
        return rc;
    if (!read_head(in, zip_input_stream(in->zip)))
        return read_failure(in, err);
    return hand_out(in, stream, err);
}

int espi_input_next(espi_input *in, FILE **stream, const char **name, espi_error *err)
{
    *stream = NULL;
    *name = in->name;
    close_current(in);
    if (in->zip)
        return next_member(in, stream, name, err);
    if (in->given)
        return 0;
    in->given = true;
    return hand_out(in, stream, err);
}

void espi_input_head(const espi_input *in, const unsigned char **head, size_t *n)
{
    *head = in->head;
    *n = in->stream ? in->rp.len : 0;
}

int espi_input_check(const espi_input *in, espi_error *err)
{
    espi_error scratch;
    if (err == NULL)
        err = &scratch;
    if ((in->gz && gz_input_check(in->gz, NULL) != 0) ||
        (in->zip && zip_input_check(in->zip, NULL) != 0) || in->rp.read_errno != 0 ||
        (in->stream == in->file && in->file != NULL && ferror(in->file)))
        return read_failure(in, err);
    return 0;
}

void espi_input_close(espi_input *in)
{
    if (in == NULL)
        return;
    close_current(in);
    zip_input_close(in->zip);
    gz_input_close(in->gz);
    if (in->owned)
        fclose(in->file);
    free(in->head);
    free(in->name);
    free(in);
}
