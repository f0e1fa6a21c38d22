/* SPDX-License-Identifier: Apache-2.0 */
/* self_check.c - espi convert's check of the feed it writes, as espi
 * validate would check it, before the temporary file is kept: while the
 * feed is written where two cores are free, else after. */
#define _GNU_SOURCE /* fopencookie: the self-check reads what is being written */
#include "cli.h"

#include "espi.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CHECK_MAX_RULES 160 /* rules tallied; the catalogue has fewer */

/* The findings of one rule in the output: how many, and the first. */
typedef struct rule_tally {
    char code[48];
    espi_severity severity;
    size_t count;
    unsigned long line, column;
} rule_tally;

typedef struct check_run {
    cli_check *check;
    rule_tally rules[CHECK_MAX_RULES];
    size_t nrules;
    bool bug;       /* the document itself is broken: espi's writer is wrong */
    bool hold_bugs; /* say nothing of it: the check is run again to say it */
} check_run;

/* Rules a feed espi wrote can only break through a bug of its writer: the
 * document and its schema, not the data. */
static bool writer_bug(const char *code)
{
    static const char *const bugs[] = {"schema",        "xml-syntax",  "xml-entity",
                                       "xml-namespace", "limit-depth", "limit-attributes",
                                       "limit-text",    "not-a-feed"};
    for (size_t i = 0; i < sizeof bugs / sizeof bugs[0]; i++)
        if (strcmp(code, bugs[i]) == 0)
            return true;
    return false;
}

static bool earlier(unsigned long line, unsigned long column, const rule_tally *t)
{
    if (line == 0)
        return false;
    return t->line == 0 || line < t->line || (line == t->line && column < t->column);
}

/* Each finding is counted by rule, with its first place; infos are not
 * counted (they break no rule). */
static void tally_finding(const espi_diag *d, void *ctx)
{
    check_run *c = ctx;
    const char *code = d->code ? d->code : "";
    if (writer_bug(code)) {
        c->bug = true;
        if (c->check->on_diag && !c->hold_bugs)
            c->check->on_diag(d, c->check->ctx);
        return;
    }
    if (d->severity == ESPI_SEV_INFO)
        return;
    rule_tally *t = NULL;
    for (size_t i = 0; i < c->nrules && t == NULL; i++)
        if (strcmp(c->rules[i].code, code) == 0)
            t = &c->rules[i];
    if (t == NULL && c->nrules < CHECK_MAX_RULES) {
        t = &c->rules[c->nrules++];
        memset(t, 0, sizeof *t);
        snprintf(t->code, sizeof t->code, "%s", code);
        t->severity = d->severity;
    }
    if (d->severity == ESPI_SEV_ERROR)
        c->check->errors++;
    else
        c->check->warnings++;
    if (t == NULL)
        return;
    if (d->severity == ESPI_SEV_ERROR)
        t->severity = ESPI_SEV_ERROR;
    if (t->count++ == 0 || earlier(d->line, d->column, t)) {
        t->line = d->line;
        t->column = d->column;
    }
}

/* Errors first, then warnings; each in the order of its first place. */
static int by_severity_place(const void *a, const void *b)
{
    const rule_tally *x = a, *y = b;
    if (x->severity != y->severity)
        return x->severity == ESPI_SEV_ERROR ? -1 : 1;
    if (x->line != y->line)
        return x->line < y->line ? -1 : 1;
    return (x->column > y->column) - (x->column < y->column);
}

static const char *plural_s(size_t n)
{
    return n == 1 ? "" : "s";
}

/* "espi: out.xml: 3 findings remain after conversion (1 error, 2
 * warnings): cost-currency x1 (error, first at out.xml:33:7), ...". */
static void print_remaining(const cli_io *io, const char *shown, bool to_file, check_run *c)
{
    cli_check *k = c->check;
    qsort(c->rules, c->nrules, sizeof c->rules[0], by_severity_place);
    fprintf(io->err,
            "espi: %s: %zu finding%s remain%s after %s (%zu error%s, %zu warning%s):", shown,
            k->errors + k->warnings, plural_s(k->errors + k->warnings),
            k->errors + k->warnings == 1 ? "s" : "", k->after ? k->after : "conversion", k->errors,
            plural_s(k->errors), k->warnings, plural_s(k->warnings));
    for (size_t i = 0; i < c->nrules; i++) {
        const rule_tally *t = &c->rules[i];
        fprintf(io->err, "%s %s x%zu (%s", i ? "," : "", t->code, t->count,
                t->severity == ESPI_SEV_ERROR ? "error" : "warning");
        if (t->line > 0 && t->column > 0)
            fprintf(io->err, ", first at %s:%lu:%lu)", shown, t->line, t->column);
        else if (t->line > 0)
            fprintf(io->err, ", first at %s:%lu)", shown, t->line);
        else
            fprintf(io->err, ")");
    }
    if (to_file)
        fprintf(io->err, "; run espi validate %s for all\n", shown);
    else
        fprintf(io->err, "; run espi validate on the output for all\n");
}

static int check_fail(espi_error *err, int status, const char *code, const char *shown,
                      const char *why)
{
    memset(err, 0, sizeof *err);
    err->status = (espi_status)status;
    snprintf(err->code, sizeof err->code, "%s", code);
    snprintf(err->file, sizeof err->file, "%s", shown);
    snprintf(err->message, sizeof err->message, "cannot read back the feed written: %s", why);
    return status;
}

/* espi validate's checks (schema and rules, one pass) on in: the ESPI 3.3
 * schema set, which requires what 4.0 does and a type on every link, and
 * the families inferred from the file, as espi validate infers them.
 * Returns 0, ESPI_E_INPUT for a writer bug, or the status of a failure to
 * read it. Lists nothing: check_report does, on the caller's thread. */
static int check_stream(check_run *c, FILE *in, const char *shown, espi_error *err)
{
    espi_validate_options vo;
    espi_validate_options_init(&vo);
    vo.set = ESPI_SCHEMA_ESPI_33;
    vo.threads = cli_cores_to_spare() ? 0 : 1; /* the schema on a second thread, when free */
    vo.on_finding = tally_finding;
    vo.finding_ctx = c;
    espi_validate_summary sum;
    int rc = espi_validate(&sum, in, shown, &vo, err);
    if (rc == ESPI_E_INPUT)
        rc = 0; /* the findings say it; the tally counts them */
    if (rc == 0 && c->bug)
        rc = ESPI_E_INPUT;
    return rc;
}

/* The findings that remain, once the check has passed. */
static void check_report(const cli_io *io, const char *shown, bool to_file, check_run *c)
{
    cli_check *check = c->check;
    if (check->errors > 0 || (check->warnings > 0 && !check->quiet))
        print_remaining(io, shown, to_file, c);
}

/* The check after the write, on the temporary file: when the cores are
 * busy or no thread can be started, and when the checks run while it was
 * written found something to say. */
static int self_check_after(const cli_io *io, espi_output *out, const char *shown, bool to_file,
                            cli_check *check, espi_error *err)
{
    check->errors = check->warnings = 0;
    check_run *c = calloc(1, sizeof *c);
    FILE *in = NULL;
    if (c == NULL)
        return check_fail(err, ESPI_E_NOMEM, "nomem", shown, "out of memory");
    c->check = check;
    int rc = 0;
    if (fflush(espi_output_stream(out)) != 0 ||
        (in = fopen(espi_output_temp_path(out), "rb")) == NULL)
        rc = check_fail(err, ESPI_E_IO, "io", shown, strerror(errno));
    if (rc == 0)
        rc = check_stream(c, in, shown, err);
    if (rc == 0)
        check_report(io, shown, to_file, c);
    if (in != NULL)
        fclose(in);
    free(c);
    return rc;
}

/* ------------------------------------------------------------------ */
/* The self-check while the feed is written                            */
/* ------------------------------------------------------------------ */

/* The writer writes through a FILE whose every byte goes to the temporary
 * file and then into a bounded ring, which the check reads on a thread of
 * its own: espi_validate, whose schema check takes a third (schema_relay.h
 * in the library). The parse and the rules, the schema, and the writer
 * share the two cores; memory stays at the ring's size whatever the
 * feed's.
 *
 * When the check finds a writer bug or fails, it runs again on the
 * temporary file, as it did before the overlap, so that what is said then
 * is said exactly so. */
#define RING_SIZE (1024 * 1024)
#define RING_READ (64 * 1024) /* the check's reads: its FILE buffer */
#define READERS 1
#define WRITEBACK (4 * 1024 * 1024)

typedef struct overlap overlap;

typedef struct ring_reader {
    overlap *v;
    bool gone;      /* stopped reading: the writer does not wait for it */
    uint64_t pos;   /* bytes it has read */
    int rc;         /* its check's status */
    espi_error err; /* ... and error */
} ring_reader;

struct overlap {
    pthread_mutex_t lock;
    pthread_cond_t readable; /* bytes were put, or the ring was closed */
    pthread_cond_t writable; /* room was made, or a reader left */
    int readers_waiting;
    bool writer_waiting;
    char *ring;
    uint64_t tail;         /* bytes put in the ring: a reader's are tail - pos */
    bool closed;           /* no more bytes: the check reads the end of the file */
    FILE *file;            /* the temporary file */
    bool durable;          /* it becomes the output: synced, then renamed */
    uint64_t written_back; /* bytes of it the disk was asked to take (start_writeback) */
    FILE *tee;             /* what the writer writes to */
    ring_reader readers[READERS];
    check_run run; /* the findings */
    const char *shown;
};

/* The bytes the slowest reader still has to read. */
static uint64_t ring_held(const overlap *v)
{
    uint64_t held = 0;
    for (int i = 0; i < READERS; i++)
        if (!v->readers[i].gone && v->tail - v->readers[i].pos > held)
            held = v->tail - v->readers[i].pos;
    return held;
}

/* Hands n bytes to the checks, waiting while the ring is full for one that
 * still reads. */
static void ring_put(overlap *v, const char *buf, size_t n)
{
    pthread_mutex_lock(&v->lock);
    while (n > 0) {
        uint64_t room = RING_SIZE - ring_held(v);
        if (room == 0) {
            v->writer_waiting = true;
            pthread_cond_wait(&v->writable, &v->lock);
            v->writer_waiting = false;
            continue;
        }
        size_t at = (size_t)(v->tail % RING_SIZE);
        size_t k = n < RING_SIZE - at ? n : RING_SIZE - at;
        if (k > room)
            k = (size_t)room;
        memcpy(v->ring + at, buf, k);
        v->tail += k;
        buf += k;
        n -= k;
        if (v->readers_waiting > 0)
            pthread_cond_broadcast(&v->readable);
    }
    pthread_mutex_unlock(&v->lock);
}

/* The disk is asked to take what was written every WRITEBACK bytes, without
 * waiting for it: the writer only ends when the checks nearly have, and
 * the sync before the rename then found the whole feed still to write
 * (20 to 25 ms for 32 MB here, on the conversion's path). */
static void start_writeback(overlap *v)
{
    if (!v->durable || v->tail - v->written_back < WRITEBACK || fflush(v->file) != 0)
        return;
    (void)sync_file_range(fileno(v->file), (off64_t)v->written_back,
                          (off64_t)(v->tail - v->written_back), SYNC_FILE_RANGE_WRITE);
    v->written_back = v->tail;
}

/* fopencookie write: the temporary file first (its errors are the
 * writer's, errno kept), then the checks' copy. */
static ssize_t tee_write(void *cookie, const char *buf, size_t n)
{
    overlap *v = cookie;
    if (fwrite(buf, 1, n, v->file) != n)
        return -1;
    int saved = errno;
    ring_put(v, buf, n);
    start_writeback(v);
    errno = saved;
    return (ssize_t)n;
}

/* fopencookie read: what the ring holds for this reader, waiting for more
 * until it is closed. */
static ssize_t ring_read(void *cookie, char *buf, size_t size)
{
    ring_reader *r = cookie;
    overlap *v = r->v;
    pthread_mutex_lock(&v->lock);
    while (v->tail == r->pos && !v->closed) {
        v->readers_waiting++;
        pthread_cond_wait(&v->readable, &v->lock);
        v->readers_waiting--;
    }
    size_t n = 0;
    while (n < size && r->pos < v->tail) {
        size_t at = (size_t)(r->pos % RING_SIZE);
        uint64_t left = v->tail - r->pos;
        size_t k = RING_SIZE - at < size - n ? RING_SIZE - at : size - n;
        if (k > left)
            k = (size_t)left;
        memcpy(buf + n, v->ring + at, k);
        r->pos += k;
        n += k;
    }
    /* the writer is woken once a quarter of the ring is free, not for each read */
    if (v->writer_waiting && RING_SIZE - ring_held(v) >= RING_SIZE / 4)
        pthread_cond_signal(&v->writable);
    pthread_mutex_unlock(&v->lock);
    return (ssize_t)n;
}

/* The check on the ring: espi validate's, its findings tallied. */
static int run_check(ring_reader *r, FILE *in)
{
    return check_stream(&r->v->run, in, r->v->shown, &r->err);
}

static void *check_thread(void *arg)
{
    ring_reader *r = arg;
    overlap *v = r->v;
    cookie_io_functions_t io = {.read = ring_read};
    FILE *in = fopencookie(r, "rb", io);
    if (in == NULL || setvbuf(in, NULL, _IOFBF, RING_READ) != 0)
        r->rc = check_fail(&r->err, ESPI_E_NOMEM, "nomem", v->shown, "out of memory");
    else
        r->rc = run_check(r, in);
    pthread_mutex_lock(&v->lock);
    r->gone = true; /* the writer must not wait for a reader that left */
    pthread_cond_signal(&v->writable);
    pthread_mutex_unlock(&v->lock);
    if (in != NULL)
        fclose(in);
    return NULL;
}

static void overlap_free(overlap *v)
{
    pthread_cond_destroy(&v->readable);
    pthread_cond_destroy(&v->writable);
    pthread_mutex_destroy(&v->lock);
    free(v->ring);
    free(v);
}

/* Ends the write: the check reads the end of the file, and is waited for. */
static void overlap_close(overlap *v, pthread_t *threads, int started)
{
    pthread_mutex_lock(&v->lock);
    v->closed = true;
    pthread_cond_broadcast(&v->readable);
    pthread_mutex_unlock(&v->lock);
    for (int i = 0; i < started; i++)
        pthread_join(threads[i], NULL);
}

/* Starts the checks on their threads; NULL when they cannot be (out of
 * memory, no thread to be had), and the check then runs after the write. */
static overlap *overlap_start(espi_output *out, const char *shown, bool durable, cli_check *check,
                              pthread_t *threads)
{
    overlap *v = calloc(1, sizeof *v);
    if (v == NULL)
        return NULL;
    if ((v->ring = malloc(RING_SIZE)) == NULL) {
        free(v);
        return NULL;
    }
    pthread_mutex_init(&v->lock, NULL);
    pthread_cond_init(&v->readable, NULL);
    pthread_cond_init(&v->writable, NULL);
    v->file = espi_output_stream(out);
    v->durable = durable;
    v->shown = shown;
    v->run.check = check;
    v->run.hold_bugs = true;
    check->errors = check->warnings = 0;
    cookie_io_functions_t io = {.write = tee_write};
    v->tee = fopencookie(v, "wb", io);
    /* unbuffered: the writer's 64 KiB blocks go straight through */
    int started = 0;
    if (v->tee != NULL && setvbuf(v->tee, NULL, _IONBF, 0) == 0)
        for (; started < READERS; started++) {
            v->readers[started] = (ring_reader){.v = v};
            if (pthread_create(&threads[started], NULL, check_thread, &v->readers[started]) != 0)
                break;
        }
    if (started == READERS)
        return v;
    overlap_close(v, threads, started);
    if (v->tee != NULL)
        fclose(v->tee);
    overlap_free(v);
    return NULL;
}

/* Ends the write (rc: the writer's status), then waits for the checks.
 * The writer's failure comes first, as it would have without the checks;
 * then one to flush the temporary file, as the check would have seen it.
 * 1: the checks cannot tell, and the check must run again after the write. */
static int overlap_finish(const cli_io *io, overlap *v, pthread_t *threads, int rc, bool to_file,
                          espi_error *err)
{
    fclose(v->tee); /* unbuffered: nothing left to write */
    if (rc == 0 && fflush(v->file) != 0)
        rc = check_fail(err, ESPI_E_IO, "io", v->shown, strerror(errno));
    /* The commit syncs the file before it renames it; synced now, while the
     * checks still run, the disk's wait is off the conversion's path and
     * the commit's sync finds little left to do. Its errors are the
     * commit's to say. */
    if (rc == 0 && v->durable)
        (void)fsync(fileno(v->file));
    overlap_close(v, threads, READERS);
    bool again = false;
    for (int i = 0; i < READERS; i++)
        again = again || v->readers[i].rc != 0;
    if (rc != 0) /* what the checks found in a feed cut short counts for nothing */
        v->run.check->errors = v->run.check->warnings = 0;
    else if (!again)
        check_report(io, v->shown, to_file, &v->run);
    overlap_free(v);
    return rc == 0 && again ? 1 : rc;
}

/* Jobs under way in this process: --output-dir -j N and validate -j N
 * run several at once. */
static atomic_int jobs_running;

void cli_job_begin(void)
{
    atomic_fetch_add(&jobs_running, 1);
}

void cli_job_end(void)
{
    atomic_fetch_sub(&jobs_running, 1);
}

/* A second thread for a job (the check while writing and its schema
 * thread, reading ahead) pays where each job under way has two cores to
 * itself, and costs where the cores are busy with other jobs: the schema's
 * events are recorded and replayed, and the reading thread scans the input
 * again. */
bool cli_cores_to_spare(void)
{
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    int running = atomic_load(&jobs_running);
    return cores > 1 && (long)(running > 1 ? running : 1) * 2 <= cores;
}

static void *warm_schema(void *arg)
{
    (void)arg;
    (void)espi_schema_load(ESPI_SCHEMA_ESPI_33, false, NULL); /* the check says any failure */
    return NULL;
}

bool cli_schema_warm_begin(pthread_t *thread)
{
    return cli_cores_to_spare() && pthread_create(thread, NULL, warm_schema, NULL) == 0;
}

int cli_write_feed_checked(const cli_io *io, const char *path, const espi_feed *feed,
                           const espi_write_options *wo, cli_check *check)
{
    espi_error err;
    espi_output *out = NULL;
    const char *shown = path ? path : "<stdout>";
    int rc = espi_output_open(&out, path, &err);
    bool checking = rc == 0 && check && check->run;
    /* the temporary file is synced and renamed over a regular file (or
     * a new one); for stdout, a FIFO or a device it is copied, then removed */
    struct stat st;
    bool durable = path != NULL && (stat(path, &st) != 0 || S_ISREG(st.st_mode));
    pthread_t threads[READERS];
    overlap *v = checking && cli_cores_to_spare()
                     ? overlap_start(out, shown, durable, check, threads)
                     : NULL;
    if (rc == 0)
        rc = espi_feed_write_xml(v ? v->tee : espi_output_stream(out), shown, feed, wo, &err);
    bool after = v == NULL;
    if (v != NULL && (rc = overlap_finish(io, v, threads, rc, path != NULL, &err)) == 1) {
        rc = 0;
        after = true;
    }
    bool bug = false;
    if (rc == 0 && checking && after) {
        rc = self_check_after(io, out, shown, path != NULL, check, &err);
        bug = rc == ESPI_E_INPUT;
    }
    if (bug) {
        fprintf(io->err,
                "%s: error: self-check: the generated feed does not pass the ESPI "
                "schema; this is a bug in espi, please report it with the input\n",
                shown);
        espi_output_abort(out);
        return CLI_IO;
    }
    if (rc == 0) {
        rc = espi_output_commit(out, io->out, &err);
        out = NULL;
    }
    espi_output_abort(out);
    if (rc != 0) {
        cli_print_error(io, &err);
        return cli_exit_code(rc);
    }
    return check && check->run && check->errors > 0 ? CLI_INVALID_INPUT : CLI_OK;
}
