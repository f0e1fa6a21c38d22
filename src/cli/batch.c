/* SPDX-License-Identifier: Apache-2.0 */
/* batch.c - espi convert --output-dir: the outputs planned and named, each
 * converted as a job of the -j pool, a status line and a count for each. */
#include "batch.h"

#include "pool.h"
#include "status.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

void batch_remember(batch_outcome *oc, espi_severity severity, const char *line)
{
    bool error = severity == ESPI_SEV_ERROR;
    if (oc->message[0] != '\0' && (oc->message_is_error || !error))
        return;
    snprintf(oc->message, sizeof oc->message, "%s", line);
    oc->message_is_error = error;
}

void batch_note(batch_outcome *oc, espi_severity severity, const char *line)
{
    if (oc == NULL || severity == ESPI_SEV_INFO)
        return;
    if (severity == ESPI_SEV_ERROR)
        oc->errors++;
    else
        oc->warnings++;
    batch_remember(oc, severity, line);
}

/* What one job came to, from its worker to the status line. */
typedef struct batch_result {
    batch_outcome oc;
    const char *status;
    bool skipped;
    long long ms;
} batch_result;

typedef struct batch {
    const cli_io *io;
    const batch_options *bo;
    batch_item *items;
    size_t n;
    batch_result **results; /* a job's, from its end until its status line */
    FILE *status;           /* NULL: no --status */
    size_t ok, invalid, errors, skipped;
} batch;

static int out_of_memory(const cli_io *io)
{
    fprintf(io->err, "espi: out of memory\n");
    return CLI_IO;
}

static const char *plural(size_t n)
{
    return n == 1 ? "" : "s";
}

/* ------------------------------------------------------------------ */
/* The plan: each output's name and FILEs                              */
/* ------------------------------------------------------------------ */

/* NAME of FILE's output: its base name without ".gz" and then one more
 * extension ("usage.json.gz" -> "usage"); a leading dot stays (".usage"). */
size_t batch_output_stem(const char *arg, const char **stem)
{
    const char *slash = strrchr(arg, '/');
    const char *base = slash ? slash + 1 : arg;
    size_t len = strlen(base);
    if (len > 3 && strcasecmp(base + len - 3, ".gz") == 0)
        len -= 3;
    for (size_t i = len; i > 1; i--)
        if (base[i - 1] == '.') {
            len = i - 1;
            break;
        }
    *stem = base;
    return len;
}

/* DIR/NAME.xml, DIR without the slashes it ends in; NULL when out of memory. */
char *batch_output_path(const char *dir, const char *stem, size_t len, size_t *name_at)
{
    size_t dlen = strlen(dir);
    while (dlen > 1 && dir[dlen - 1] == '/')
        dlen--;
    bool root = dlen == 1 && dir[0] == '/';
    size_t size = dlen + 1 + len + sizeof ".xml";
    char *path = malloc(size);
    if (path == NULL)
        return NULL;
    snprintf(path, size, "%.*s%s%.*s.xml", (int)dlen, dir, root ? "" : "/", (int)len, stem);
    *name_at = dlen + (root ? 0 : 1);
    return path;
}

static int by_name(const void *a, const void *b)
{
    const batch_item *x = *(const batch_item *const *)a, *y = *(const batch_item *const *)b;
    int c = strcasecmp(x->name, y->name);
    return c != 0 ? c : (x->index > y->index) - (x->index < y->index);
}

/* Two groups with the same NAME (in any case: one file on some systems)
 * would write one output: refused before anything is done. */
static int refuse_collisions(const batch *b)
{
    const batch_item **sorted = malloc(b->n * sizeof *sorted);
    if (sorted == NULL)
        return out_of_memory(b->io);
    for (size_t i = 0; i < b->n; i++)
        sorted[i] = &b->items[i];
    qsort(sorted, b->n, sizeof *sorted, by_name);
    const batch_item *first = NULL, *second = NULL;
    for (size_t i = 1; i < b->n; i++) {
        if (strcasecmp(sorted[i - 1]->name, sorted[i]->name) != 0)
            continue;
        if (first == NULL || sorted[i]->index < second->index) {
            first = sorted[i - 1];
            second = sorted[i];
        }
    }
    free(sorted);
    if (first == NULL)
        return CLI_OK;
    bool accounts = b->bo->group && strcmp(b->bo->group, "account") == 0;
    return cli_usage(b->io, "convert",
                     "%s and %s would both be written to %s (%s); rename one, or convert them "
                     "in separate runs",
                     first->args[0], second->args[0], second->path,
                     accounts ? "--group account names an output after its account and location, "
                                "one without an account after its file, without the extension"
                              : "--output-dir names an output after its file, without the "
                                "extension");
}

/* An output that is one of its own FILEs (--output-dir the FILE's folder,
 * and a .xml FILE) would replace the file it is read from: refused. */
static int refuse_self(const batch *b)
{
    for (size_t i = 0; i < b->n; i++) {
        struct stat out;
        if (stat(b->items[i].path, &out) != 0)
            continue;
        for (size_t k = 0; k < b->items[i].nargs; k++) {
            struct stat in;
            if (stat(b->items[i].args[k], &in) == 0 && in.st_dev == out.st_dev &&
                in.st_ino == out.st_ino)
                return cli_usage(b->io, "convert",
                                 "%s would be replaced by its own output %s; give another "
                                 "--output-dir",
                                 b->items[i].args[k], b->items[i].path);
        }
    }
    return CLI_OK;
}

/* --group input: each FILE an output of its own. Refuses stdin and a FILE
 * without a name. */
static int plan_inputs(batch *b, char **inputs, int ninputs)
{
    b->items = calloc((size_t)ninputs, sizeof *b->items);
    if (b->items == NULL)
        return out_of_memory(b->io);
    for (int i = 0; i < ninputs; i++) {
        const char *stem;
        size_t len = batch_output_stem(inputs[i], &stem), at = 0;
        if (strcmp(inputs[i], "-") == 0)
            return cli_usage(b->io, "convert",
                             "- (stdin) has no name to give its output in --output-dir; give "
                             "files, or convert stdin on its own with -o");
        if (len == 0)
            return cli_usage(b->io, "convert",
                             "'%s' has no file name to name its output in --output-dir", inputs[i]);
        batch_item *it = &b->items[b->n];
        it->args = &inputs[i];
        it->nargs = 1;
        it->index = (size_t)i;
        it->path = batch_output_path(b->bo->dir, stem, len, &at);
        if (it->path == NULL)
            return out_of_memory(b->io);
        it->name = it->path + at;
        b->n++;
    }
    return CLI_OK;
}

/* Names every output; refuses names that cannot be made or that collide,
 * and an output that is its own input. */
static int plan(batch *b, char **inputs, int ninputs)
{
    int code = b->bo->group && strcmp(b->bo->group, "account") == 0
                   ? batch_plan_accounts(b->io, b->bo, inputs, ninputs, &b->items, &b->n)
                   : plan_inputs(b, inputs, ninputs);
    if (code == CLI_OK)
        code = refuse_collisions(b);
    return code == CLI_OK ? refuse_self(b) : code;
}

/* DIR, made when it does not exist (its parent must). */
static int make_dir(const cli_io *io, const char *dir)
{
    struct stat st;
    if (stat(dir, &st) == 0 && S_ISDIR(st.st_mode))
        return CLI_OK;
    if (stat(dir, &st) == 0) {
        fprintf(io->err, "%s: error: io: is not a directory; --output-dir needs a folder\n", dir);
        return CLI_IO;
    }
    if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
        fprintf(io->err, "%s: error: io: cannot make the folder: %s\n", dir, strerror(errno));
        return CLI_IO;
    }
    return CLI_OK;
}

/* ------------------------------------------------------------------ */
/* The jobs                                                            */
/* ------------------------------------------------------------------ */

static bool later(const struct timespec *a, const struct timespec *b)
{
    return a->tv_sec > b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec > b->tv_nsec);
}

/* --skip-existing: the output is a file newer than every one of its FILEs. */
static bool up_to_date(const batch_item *it)
{
    struct stat out, in;
    if (stat(it->path, &out) != 0 || !S_ISREG(out.st_mode))
        return false;
    for (size_t i = 0; i < it->nargs; i++)
        if (stat(it->args[i], &in) != 0 || !later(&out.st_mtim, &in.st_mtim))
            return false;
    return true;
}

/* One output, on a worker: kept (--skip-existing), or converted as
 * -o PATH FILE... would. */
static int run_item(void *ctx, size_t index, const cli_io *io)
{
    batch *b = ctx;
    const batch_item *it = &b->items[index];
    long long start = cli_now_ms();
    batch_result *r = calloc(1, sizeof *r);
    if (r == NULL)
        return out_of_memory(io);
    int code = CLI_OK;
    if (it->noted != NULL) /* --group account: what planning said of it */
        r->oc = *it->noted;
    r->skipped = it->failed == CLI_OK && b->bo->skip_existing && up_to_date(it);
    if (it->failed != CLI_OK) { /* its FILE could not be read, said when planned */
        r->status = "error";
        code = it->failed;
    } else if (r->skipped) {
        r->status = "skipped";
        if (!b->bo->quiet)
            fprintf(io->err, "espi: kept %s: newer than %s%s (--skip-existing)\n", it->path,
                    it->args[0], it->nargs > 1 ? " and the others of its group" : "");
    } else {
        code = b->bo->convert(b->bo->ctx, io, it->path, it->args, (int)it->nargs, it->account,
                              it->location, &r->oc);
        /* invalid: written with errors that remain, kept all the same */
        r->status = code == CLI_OK ? "ok" : r->oc.written ? "invalid" : "error";
    }
    r->ms = cli_now_ms() - start;
    b->results[index] = r;
    return code;
}

/* In order, on the calling thread: the count and the status line. */
static void item_done(void *ctx, size_t index, int code)
{
    (void)code;
    batch *b = ctx;
    batch_result *r = b->results[index];
    b->results[index] = NULL;
    batch_result none = {.status = "error", .oc.errors = 1, .oc.message = "out of memory"};
    if (r == NULL) /* said */
        r = &none;
    const char *s = r->status;
    size_t *count = strcmp(s, "ok") == 0        ? &b->ok
                    : strcmp(s, "invalid") == 0 ? &b->invalid
                    : strcmp(s, "skipped") == 0 ? &b->skipped
                                                : &b->errors;
    (*count)++;
    if (b->status) {
        const batch_item *it = &b->items[index];
        cli_status_line line = {it->path,
                                it->args,
                                it->nargs,
                                s,
                                r->skipped ? -1 : (long long)r->oc.readings,
                                r->oc.warnings,
                                r->oc.errors,
                                r->oc.message,
                                r->ms};
        cli_status_put(b->status, &line);
    }
    if (r != &none)
        free(r);
}

static void say_totals(const batch *b)
{
    fprintf(b->io->err, "espi: %zu output%s: %zu ok, %zu invalid, %zu error%s, %zu skipped\n", b->n,
            plural(b->n), b->ok, b->invalid, b->errors, plural(b->errors), b->skipped);
}

static int run_all(batch *b)
{
    b->results = calloc(b->n ? b->n : 1, sizeof *b->results);
    if (b->results == NULL)
        return out_of_memory(b->io);
    cli_pool pool = {.njobs = b->n,
                     .workers = b->bo->workers,
                     .run = run_item,
                     .done = item_done,
                     .ctx = b,
                     .progress = !b->bo->quiet && cli_pool_progress_wanted(b->io),
                     .what = "outputs"};
    int code = cli_pool_run(b->io, &pool);
    int closed = cli_status_close(b->io, b->bo->status, &b->status);
    say_totals(b);
    for (size_t i = 0; i < b->n; i++)
        free(b->results[i]); /* those a failed output left */
    free(b->results);
    return closed > code ? closed : code;
}

int batch_run(const cli_io *io, const batch_options *bo, char **inputs, int ninputs)
{
    batch b = {.io = io, .bo = bo};
    int code = plan(&b, inputs, ninputs);
    if (code == CLI_OK)
        code = make_dir(io, bo->dir);
    if (code == CLI_OK)
        code = cli_status_open(io, bo->status, &b.status);
    if (code == CLI_OK)
        code = run_all(&b);
    for (size_t i = 0; i < b.n; i++)
        batch_item_free(&b.items[i]);
    free(b.items);
    return code;
}
