/* SPDX-License-Identifier: Apache-2.0 */
/* pool.c - -j N: jobs on worker threads, their output given out in order.
 *
 * A job writes its stdout to a temporary file in $TMPDIR (a dump may be
 * large) and its stderr to memory; the calling thread waits for the jobs in
 * order and copies each one's output to the real streams, so the bytes and
 * their order are those of a run in one thread. At most 2N jobs are started
 * and not yet given out, which bounds the temporary files and the memory
 * held. A job whose streams cannot be made is run by the calling thread in
 * its turn, and when no thread can be started every job is: the output is
 * the same, only slower. */
#include "pool.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* One job's streams and result, from its start until it is given out. */
typedef struct job_slot {
    FILE *out;
    FILE *err;
    char *err_text;
    size_t err_len;
    int code;
    bool done;
    bool deferred; /* its streams could not be made: run when its turn comes */
} job_slot;

typedef struct pool_state {
    const cli_pool *p;
    const cli_io *io;
    pthread_mutex_t lock;
    pthread_cond_t changed;
    size_t next;    /* the next job to start */
    size_t emitted; /* jobs given out */
    size_t window;  /* slots: jobs started and not given out, at most */
    job_slot *slots;
    bool stop; /* the output failed: no job is started any more */
} pool_state;

/* The progress line: shown on a terminal, rewritten at most every 200 ms. */
typedef struct progress {
    bool on;
    bool shown;
    double start, last;
} progress;

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void progress_clear(const cli_io *io, progress *pr)
{
    if (!pr->shown)
        return;
    fputs("\r\033[K", io->err);
    pr->shown = false;
}

/* "espi: 1200/40000 outputs, 35.2/s, 18m 24s left" */
static void progress_draw(const cli_io *io, progress *pr, size_t done, size_t total,
                          const char *what)
{
    double t = now_seconds();
    if (!pr->on || done == total || (pr->shown && t - pr->last < 0.2))
        return;
    double rate = (double)done / (t - pr->start > 1e-3 ? t - pr->start : 1e-3);
    long long left = rate > 0 ? (long long)((double)(total - done) / rate + 0.5) : 0;
    fprintf(io->err, "\r\033[Kespi: %zu/%zu %s, %.1f/s, ", done, total, what, rate);
    if (left >= 3600)
        fprintf(io->err, "%lldh %02lldm left", left / 3600, left / 60 % 60);
    else
        fprintf(io->err, "%lldm %02llds left", left / 60, left % 60);
    pr->shown = true;
    pr->last = t;
}

/* A job's stdout: a file in $TMPDIR (tmpfile() would not look there),
 * unlinked at once; NULL when it cannot be made. */
static FILE *spool_open(void)
{
    const char *dir = getenv("TMPDIR");
    char path[4096];
    int n = snprintf(path, sizeof path, "%s/espi-job.XXXXXX", dir && dir[0] ? dir : "/tmp");
    if (n < 0 || (size_t)n >= sizeof path)
        return NULL;
    int fd = mkstemp(path);
    if (fd < 0)
        return NULL;
    unlink(path);
    FILE *f = fdopen(fd, "w+");
    if (f == NULL)
        close(fd);
    return f;
}

/* A job's own streams; false when they cannot be made. */
static bool slot_open(job_slot *s)
{
    s->out = spool_open();
    s->err = s->out ? open_memstream(&s->err_text, &s->err_len) : NULL;
    return s->err != NULL;
}

static void slot_close(job_slot *s)
{
    if (s->out)
        fclose(s->out);
    if (s->err)
        fclose(s->err);
    free(s->err_text);
    *s = (job_slot){0};
}

static void run_job(pool_state *st, size_t index, job_slot *s)
{
    if (!slot_open(s)) {
        /* run by the calling thread in its turn, straight to the real
         * streams, as with -j 1 */
        slot_close(s);
        s->deferred = true;
        return;
    }
    cli_io io = {s->out, s->err, st->io->prog};
    s->code = st->p->run(st->p->ctx, index, &io);
}

static void *worker(void *arg)
{
    pool_state *st = arg;
    pthread_mutex_lock(&st->lock);
    for (;;) {
        while (!st->stop && st->next < st->p->njobs && st->next >= st->emitted + st->window)
            pthread_cond_wait(&st->changed, &st->lock);
        if (st->stop || st->next >= st->p->njobs)
            break;
        size_t index = st->next++;
        job_slot *s = &st->slots[index % st->window];
        pthread_mutex_unlock(&st->lock);
        run_job(st, index, s);
        pthread_mutex_lock(&st->lock);
        s->done = true;
        pthread_cond_broadcast(&st->changed);
    }
    pthread_mutex_unlock(&st->lock);
    return NULL;
}

/* Copies a job's stdout (its temporary file) to the real one; false when
 * either fails. */
static bool copy_out(FILE *from, FILE *to)
{
    char buf[65536];
    if (fflush(from) != 0 || fseek(from, 0, SEEK_SET) != 0)
        return false;
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, from)) > 0)
        if (fwrite(buf, 1, n, to) != n)
            return false;
    return !ferror(from) && fflush(to) == 0;
}

/* Gives out job index's output; false when stdout cannot be written (said). */
static bool emit(pool_state *st, job_slot *s, progress *pr)
{
    const cli_io *io = st->io;
    progress_clear(io, pr);
    bool ok = s->out == NULL || copy_out(s->out, io->out);
    int errnum = errno;
    if (s->err != NULL && fflush(s->err) == 0 && s->err_len > 0)
        fwrite(s->err_text, 1, s->err_len, io->err);
    if (!ok)
        fprintf(io->err, "%s: error: write: cannot write %s: %s\n",
                st->p->out_name ? st->p->out_name : "<stdout>",
                st->p->out_written ? st->p->out_written : "the output", strerror(errnum));
    return ok;
}

/* Blocks the signals a person or a system sends while the workers are made,
 * so that they are delivered to the calling thread, whose handler removes
 * the temporary files (the faults a thread causes itself stay its own). */
static void block_signals(sigset_t *old)
{
    sigset_t all;
    sigfillset(&all);
    static const int own[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGTRAP, SIGSYS};
    for (size_t i = 0; i < sizeof own / sizeof own[0]; i++)
        sigdelset(&all, own[i]);
    pthread_sigmask(SIG_BLOCK, &all, old);
}

/* The calling thread: each job's output in order, then its done. */
static int gather(pool_state *st, progress *pr)
{
    const cli_pool *p = st->p;
    int worst = CLI_OK;
    for (size_t i = 0; i < p->njobs; i++) {
        job_slot *s = &st->slots[i % st->window];
        pthread_mutex_lock(&st->lock);
        while (!s->done)
            pthread_cond_wait(&st->changed, &st->lock);
        pthread_mutex_unlock(&st->lock);
        bool ok = true;
        if (s->deferred) {
            progress_clear(st->io, pr);
            s->code = p->run(p->ctx, i, st->io);
        } else {
            ok = emit(st, s, pr);
        }
        int code = s->code;
        slot_close(s);
        worst = code > worst ? code : worst;
        if (p->done)
            p->done(p->ctx, i, code);
        pthread_mutex_lock(&st->lock);
        st->emitted++;
        st->stop = !ok;
        pthread_cond_broadcast(&st->changed);
        pthread_mutex_unlock(&st->lock);
        if (!ok)
            return CLI_IO;
        progress_draw(st->io, pr, i + 1, p->njobs, p->what);
    }
    return worst;
}

/* The jobs on worker threads; -1 when not one thread could be started
 * (nothing is done then). */
static int run_threads(const cli_io *io, const cli_pool *p, progress *pr)
{
    pool_state st = {.p = p, .io = io, .window = 2 * (size_t)p->workers};
    st.slots = calloc(st.window, sizeof *st.slots);
    pthread_t *threads = calloc(p->workers, sizeof *threads);
    if (st.slots == NULL || threads == NULL) {
        free(st.slots);
        free(threads);
        return -1;
    }
    pthread_mutex_init(&st.lock, NULL);
    pthread_cond_init(&st.changed, NULL);
    sigset_t old;
    block_signals(&old);
    unsigned started = 0;
    while (started < p->workers && pthread_create(&threads[started], NULL, worker, &st) == 0)
        started++;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    int code = -1;
    if (started > 0) {
        code = gather(&st, pr);
        pthread_mutex_lock(&st.lock);
        st.stop = true; /* after an output failure: the waiting ones end */
        pthread_cond_broadcast(&st.changed);
        pthread_mutex_unlock(&st.lock);
    }
    for (unsigned i = 0; i < started; i++)
        pthread_join(threads[i], NULL);
    for (size_t i = 0; i < st.window; i++)
        slot_close(&st.slots[i]); /* started, not given out: after a failure */
    pthread_cond_destroy(&st.changed);
    pthread_mutex_destroy(&st.lock);
    free(threads);
    free(st.slots);
    return code;
}

/* -j 1: each job in this thread, printing as it goes. */
static int run_inline(const cli_io *io, const cli_pool *p, progress *pr)
{
    int worst = CLI_OK;
    for (size_t i = 0; i < p->njobs; i++) {
        progress_clear(io, pr);
        int code = p->run(p->ctx, i, io);
        worst = code > worst ? code : worst;
        if (p->done)
            p->done(p->ctx, i, code);
        progress_draw(io, pr, i + 1, p->njobs, p->what);
    }
    return worst;
}

int cli_pool_run(const cli_io *io, const cli_pool *p)
{
    progress pr = {p->progress, false, now_seconds(), 0};
    int code = p->workers <= 1 || p->njobs <= 1 ? -1 : run_threads(io, p, &pr);
    if (code < 0) /* one thread, or none could be started (a process limit) */
        code = run_inline(io, p, &pr);
    progress_clear(io, &pr);
    return code;
}

static unsigned cores(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > CLI_POOL_MAX_WORKERS ? CLI_POOL_MAX_WORKERS : (unsigned)n;
}

/* -j N as given (NULL: the cores), at most CLI_POOL_MAX_WORKERS. */
static int parse_workers(const cli_io *io, const char *command, const char *text, unsigned *out)
{
    *out = cores();
    if (text == NULL)
        return CLI_OK;
    char *end;
    errno = 0;
    uintmax_t n = strtoumax(text, &end, 10);
    if (end == text || *end != '\0' || text[0] == '-' || text[0] == '+' || n == 0 || errno)
        return cli_usage(io, command, "-j '%s': expected a number of worker threads, 1 or more",
                         text);
    *out = n > CLI_POOL_MAX_WORKERS ? CLI_POOL_MAX_WORKERS : (unsigned)n;
    return CLI_OK;
}

int cli_pool_workers(const cli_io *io, const char *command, const char *text, char **files,
                     int nfiles, unsigned *out)
{
    int code = parse_workers(io, command, text, out);
    int dashes = 0;
    for (int i = 0; i < nfiles; i++)
        dashes += strcmp(files[i], "-") == 0;
    if (dashes > 1) /* the second - reads what the first left, as in one thread */
        *out = 1;
    return code;
}

bool cli_pool_progress_wanted(const cli_io *io)
{
    const char *term = getenv("TERM");
    return isatty(fileno(io->err)) && !(term && strcmp(term, "dumb") == 0);
}
