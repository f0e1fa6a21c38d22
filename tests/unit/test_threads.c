/* SPDX-License-Identifier: Apache-2.0 */
/* test_threads.c - the library on several threads at once, each with its
 * own objects (what espi convert/validate/dump -j N do).
 *
 * The first test starts from a cold library: its worker threads make the
 * process's first calls into espi, at the same moment, so libxml2's and
 * libxslt's set-up races if it is not done once. Each thread converts a
 * SmartHub poll and repairs a Green Button file (through espi_output, the
 * result checked with espi_validate before commit), validates a file with
 * findings, dumps one, reports one through the bundled stylesheet, and has
 * a broken stylesheet of its own refused; several rounds. Every result must
 * equal what one thread alone makes afterwards, byte for byte, and each
 * stylesheet error must name that thread's own mistake (libxslt's message
 * handler is process-wide). Run under ThreadSanitizer by tests/threads/tsan.sh.
 *
 * The other tests: more outputs open at once than the temporary-file list
 * holds are refused with ESPI_E_LIMIT, never left untracked;
 * espi_output_remove_pending removes every tracked file; outputs opened and
 * committed on several threads all give their slot back. */
#include "testutil.h"

#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define THREADS 4
#define ROUNDS 3
#define PATH_SIZE 512
/* The temporary files espi_output tracks at once, as documented (not the
 * macro, so a change to it is noticed). */
#define OUTPUTS_MAX 64

typedef struct fixtures {
    char poll[PATH_SIZE];     /* SmartHub poll JSON */
    char repair[PATH_SIZE];   /* Green Button XML that the converter repairs */
    char findings[PATH_SIZE]; /* Green Button XML with validation findings */
    char dump[PATH_SIZE];     /* Green Button XML to dump and report */
    char dir[64];             /* outputs and stylesheets */
} fixtures;

/* What one pass makes: the bytes of each job, or why it failed. */
typedef struct results {
    char *bytes[5];
    size_t len[5];
    char stylesheet_error[2][512]; /* BAD_COMPILE, BAD_RUN */
} results;

enum { JOB_CONVERT, JOB_REPAIR, JOB_VALIDATE, JOB_DUMP, JOB_REPORT };
static const char *const job_names[] = {"convert", "repair", "validate", "dump", "report"};

typedef struct worker {
    int id;
    const fixtures *fx;
    pthread_barrier_t *start;
    results first; /* round 0 */
    bool failed;
    char why[512];
} worker;

static bool job_failed(char *why, const char *what, const espi_error *err)
{
    snprintf(why, 512, "%.20s: %.400s (%.40s)", what, err ? err->message : "",
             err ? err->code : "");
    return false;
}

static bool slurp(const char *path, char **bytes, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return false;
    char *buf = NULL;
    size_t n = 0;
    FILE *m = open_memstream(&buf, &n);
    char chunk[8192];
    size_t k;
    while (m && (k = fread(chunk, 1, sizeof chunk, f)) > 0)
        fwrite(chunk, 1, k, m);
    fclose(f);
    if (m == NULL || fclose(m) != 0)
        return false;
    *bytes = buf;
    *len = n;
    return true;
}

/* The converter over one input, written through espi_output to out_path,
 * checked by espi_validate before commit, as espi convert does. */
static bool convert(const char *input, const char *out_path, char **bytes, size_t *len, char *why)
{
    espi_error err;
    espi_tz *tz = NULL;
    espi_converter *c = NULL;
    espi_feed *feed = NULL;
    espi_output *o = NULL;
    bool ok = false;
    if (espi_tz_load(&tz, "America/Los_Angeles", &err) != 0)
        return job_failed(why, "tz", &err);
    espi_convert_options co;
    espi_convert_options_init(&co);
    co.tz = tz;
    FILE *in = fopen(input, "rb");
    if (in == NULL || espi_converter_new(&c, &co, &err) != 0 ||
        espi_converter_add(c, in, "input", ESPI_FORMAT_AUTO, &err) != 0 ||
        espi_converter_finish(c, &feed, &err) != 0) {
        job_failed(why, "convert", &err);
        goto done;
    }
    if (espi_output_open(&o, out_path, &err) != 0 ||
        espi_feed_write_xml(espi_output_stream(o), "feed", feed, NULL, &err) != 0 ||
        fflush(espi_output_stream(o)) != 0) {
        job_failed(why, "write", &err);
        goto done;
    }
    FILE *check = fopen(espi_output_temp_path(o), "rb");
    espi_validate_summary sum;
    int rc = check ? espi_validate(&sum, check, "feed", NULL, &err) : ESPI_E_IO;
    if (check)
        fclose(check);
    if (rc != 0 || sum.warnings != 0) {
        job_failed(why, "self-check", &err);
        goto done;
    }
    rc = espi_output_commit(o, NULL, &err);
    o = NULL;
    if (rc != 0) {
        job_failed(why, "commit", &err);
        goto done;
    }
    ok = slurp(out_path, bytes, len) || job_failed(why, "read back", NULL);
done:
    espi_output_abort(o);
    espi_feed_free(feed);
    espi_converter_free(c);
    if (in)
        fclose(in);
    espi_tz_free(tz);
    return ok;
}

typedef enum sink_kind { SINK_VALIDATE, SINK_DUMP, SINK_REPORT } sink_kind;

/* One file through a validator, dumper or reporter into memory. */
static bool run_sink(sink_kind kind, const char *input, const char *stylesheet, char **bytes,
                     size_t *len, char *why)
{
    espi_error err = {0};
    char *buf = NULL;
    size_t n = 0;
    FILE *dest = open_memstream(&buf, &n);
    FILE *in = fopen(input, "rb");
    int rc = dest && in ? 0 : ESPI_E_IO;
    if (rc == 0 && kind == SINK_VALIDATE) {
        espi_validator_options vo;
        espi_validator_options_init(&vo);
        vo.format = ESPI_VALIDATOR_JSON;
        espi_validator *v = NULL;
        bool valid;
        rc = espi_validator_new(&v, dest, &vo, &err);
        if (rc == 0)
            rc = espi_validator_add(&valid, v, in, "findings.xml", NULL, &err);
        if (rc == 0)
            rc = espi_validator_finish(v, &err);
        espi_validator_free(v);
    } else if (rc == 0 && kind == SINK_DUMP) {
        espi_dumper *d = NULL;
        rc = espi_dumper_new(&d, dest, NULL, &err);
        if (rc == 0)
            rc = espi_dumper_add(d, in, "dump.xml", &err);
        if (rc == 0)
            rc = espi_dumper_finish(d, &err);
        espi_dumper_free(d);
    } else if (rc == 0) {
        espi_report_options ro;
        espi_report_options_init(&ro);
        ro.validate = true;
        ro.stylesheet = stylesheet;
        espi_reporter *r = NULL;
        rc = espi_reporter_new(&r, dest, &ro, &err);
        if (rc == 0)
            rc = espi_reporter_add(r, in, "dump.xml", &err);
        if (rc == 0)
            rc = espi_reporter_finish(r, &err);
        espi_reporter_free(r);
    }
    if (in)
        fclose(in);
    if (dest)
        fclose(dest);
    *bytes = buf;
    *len = n;
    if (rc != 0) {
        snprintf(why, 512, "%s", err.message);
        return false;
    }
    return true;
}

/* Stylesheets with a mistake that names the thread, "mistake-N": one that
 * libxslt refuses as it compiles it, one that fails when it runs. */
enum { BAD_COMPILE, BAD_RUN };

static void bad_stylesheet_path(char *buf, size_t size, const fixtures *fx, int kind, int id)
{
    snprintf(buf, size, "%s/bad-%d-%d.xsl", fx->dir, kind, id);
}

static void write_bad_stylesheet(const fixtures *fx, int kind, int id)
{
    char path[PATH_SIZE];
    bad_stylesheet_path(path, sizeof path, fx, kind, id);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("<xsl:stylesheet version=\"1.0\" "
          "xmlns:xsl=\"http://www.w3.org/1999/XSL/Transform\">\n  ",
          f);
    if (kind == BAD_COMPILE)
        fprintf(f, "<xsl:template match=\"mistake-%d[\"/>", id);
    else
        fprintf(f,
                "<xsl:template match=\"/\"><xsl:call-template name=\"mistake-%d\"/>"
                "</xsl:template>",
                id);
    fputs("\n</xsl:stylesheet>\n", f);
    fclose(f);
}

/* Every job once; out names this pass's output files. */
static bool run_jobs(const fixtures *fx, int id, int round, results *out, char *why)
{
    char path[PATH_SIZE];
    memset(out, 0, sizeof *out);
    snprintf(path, sizeof path, "%s/t%d-r%d-poll.xml", fx->dir, id, round);
    if (!convert(fx->poll, path, &out->bytes[JOB_CONVERT], &out->len[JOB_CONVERT], why))
        return false;
    snprintf(path, sizeof path, "%s/t%d-r%d-repair.xml", fx->dir, id, round);
    if (!convert(fx->repair, path, &out->bytes[JOB_REPAIR], &out->len[JOB_REPAIR], why))
        return false;
    if (!run_sink(SINK_VALIDATE, fx->findings, NULL, &out->bytes[JOB_VALIDATE],
                  &out->len[JOB_VALIDATE], why) ||
        !run_sink(SINK_DUMP, fx->dump, NULL, &out->bytes[JOB_DUMP], &out->len[JOB_DUMP], why) ||
        !run_sink(SINK_REPORT, fx->dump, NULL, &out->bytes[JOB_REPORT], &out->len[JOB_REPORT], why))
        return false;
    /* refused, with this thread's own mistake in the message */
    for (int kind = BAD_COMPILE; kind <= BAD_RUN; kind++) {
        char *ignored = NULL;
        size_t n;
        bad_stylesheet_path(path, sizeof path, fx, kind, id);
        bool ran = run_sink(SINK_REPORT, fx->dump, path, &ignored, &n, out->stylesheet_error[kind]);
        free(ignored);
        if (ran) {
            snprintf(why, 512, "a broken stylesheet was accepted: %.400s", path);
            return false;
        }
    }
    return true;
}

static void results_free(results *r)
{
    for (int j = 0; j < 5; j++)
        free(r->bytes[j]);
}

/* Where a differs from b, or NULL. */
static const char *differs(const results *a, const results *b)
{
    for (int j = 0; j < 5; j++)
        if (a->len[j] != b->len[j] || memcmp(a->bytes[j], b->bytes[j], a->len[j]) != 0)
            return job_names[j];
    return NULL;
}

static void *work(void *arg)
{
    worker *w = arg;
    pthread_barrier_wait(w->start); /* all four make their first call at once */
    for (int round = 0; round < ROUNDS && !w->failed; round++) {
        results r;
        if (!run_jobs(w->fx, w->id, round, round == 0 ? &w->first : &r, w->why)) {
            w->failed = true;
            break;
        }
        if (round == 0)
            continue;
        const char *job = differs(&w->first, &r);
        if (job)
            snprintf(w->why, sizeof w->why, "round %d: %s differs from round 0", round, job);
        w->failed = job != NULL;
        results_free(&r);
    }
    return NULL;
}

static void remove_tree(const char *dir)
{
    DIR *d = opendir(dir);
    if (d == NULL)
        return;
    struct dirent *e;
    char path[PATH_SIZE];
    while ((e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
            snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
            unlink(path);
        }
    closedir(d);
    rmdir(dir);
}

/* Must run first: nothing in this process has called espi before. */
static void test_cold_start_threads_match_serial(void **state)
{
    (void)state;
    fixtures fx;
    snprintf(fx.poll, sizeof fx.poll, "%s",
             test_fixture("smarthub/valid_15min_netmeter_cost_week.json"));
    snprintf(fx.repair, sizeof fx.repair, "%s",
             test_fixture("espi/repair/repair_broken_links.xml"));
    snprintf(fx.findings, sizeof fx.findings, "%s", test_fixture("validate/mixed_findings.xml"));
    snprintf(fx.dump, sizeof fx.dump, "%s", test_fixture("espi/valid_dump_dst_days.xml"));
    snprintf(fx.dir, sizeof fx.dir, "/tmp/espi-threads-XXXXXX");
    assert_non_null(mkdtemp(fx.dir));
    for (int i = 0; i <= THREADS; i++) {
        write_bad_stylesheet(&fx, BAD_COMPILE, i);
        write_bad_stylesheet(&fx, BAD_RUN, i);
    }

    pthread_barrier_t start;
    assert_int_equal(pthread_barrier_init(&start, NULL, THREADS), 0);
    worker w[THREADS];
    pthread_t t[THREADS];
    for (int i = 0; i < THREADS; i++) {
        w[i] = (worker){.id = i, .fx = &fx, .start = &start};
        assert_int_equal(pthread_create(&t[i], NULL, work, &w[i]), 0);
    }
    for (int i = 0; i < THREADS; i++)
        assert_int_equal(pthread_join(t[i], NULL), 0);
    pthread_barrier_destroy(&start);

    /* the same jobs on this thread alone: what every thread must have made */
    results serial;
    char why[512] = "";
    bool ok = run_jobs(&fx, THREADS, 0, &serial, why);
    if (!ok)
        print_error("serial run: %s\n", why);
    assert_true(ok);
    assert_true(serial.len[JOB_CONVERT] > 1000 && serial.len[JOB_REPAIR] > 1000);
    assert_non_null(strstr(serial.bytes[JOB_VALIDATE], "\"errors\""));
    assert_null(strstr(serial.bytes[JOB_VALIDATE], "\"errors\": 0"));
    assert_non_null(strstr(serial.bytes[JOB_REPORT], "<html"));
    for (int i = 0; i < THREADS; i++) {
        if (w[i].failed)
            print_error("thread %d: %s\n", i, w[i].why);
        assert_false(w[i].failed);
        const char *job = differs(&serial, &w[i].first);
        if (job)
            print_error("thread %d: %s differs from the serial run\n", i, job);
        assert_null(job);
        /* libxslt's message reached the thread that raised it, and only it */
        for (int kind = BAD_COMPILE; kind <= BAD_RUN; kind++) {
            const char *said = w[i].first.stylesheet_error[kind];
            char mine[32];
            snprintf(mine, sizeof mine, "mistake-%d", i);
            if (strstr(said, mine) == NULL)
                print_error("thread %d: stylesheet error: %s\n", i, said);
            assert_non_null(strstr(said, mine));
            for (int k = 0; k <= THREADS; k++) {
                char other[32];
                snprintf(other, sizeof other, "mistake-%d", k);
                if (k != i)
                    assert_null(strstr(said, other));
            }
        }
        results_free(&w[i].first);
    }
    results_free(&serial);
    remove_tree(fx.dir);
}

/* More outputs at once than can be tracked: refused, not left untracked;
 * then espi_output_remove_pending removes every tracked temporary file. */
static void test_output_limit_and_remove_pending(void **state)
{
    (void)state;
    char dir[64], path[PATH_SIZE];
    snprintf(dir, sizeof dir, "/tmp/espi-pending-XXXXXX");
    assert_non_null(mkdtemp(dir));
    espi_output *o[OUTPUTS_MAX];
    espi_error err;
    for (int i = 0; i < OUTPUTS_MAX; i++) {
        snprintf(path, sizeof path, "%s/out-%d.xml", dir, i);
        assert_int_equal(espi_output_open(&o[i], path, &err), 0);
        fputs("<feed/>\n", espi_output_stream(o[i]));
    }
    assert_int_equal(test_dir_entries(dir), OUTPUTS_MAX);

    espi_output *extra = NULL;
    snprintf(path, sizeof path, "%s/one-too-many.xml", dir);
    assert_int_equal(espi_output_open(&extra, path, &err), ESPI_E_LIMIT);
    assert_null(extra);
    assert_string_equal(err.code, "output-limit");
    assert_string_equal(err.file, path);
    assert_int_equal(ESPI_OUTPUT_MAX_OPEN, OUTPUTS_MAX);
    assert_non_null(strstr(err.message, "64"));
    assert_int_equal(test_dir_entries(dir), OUTPUTS_MAX); /* nothing made for it */

    /* the handler's report: one line per removed file */
    char report[PATH_SIZE];
    snprintf(report, sizeof report, "%s.report", dir);
    int fd = open(report, O_CREAT | O_TRUNC | O_WRONLY, 0600);
    assert_true(fd >= 0);
    espi_output_remove_pending(fd);
    close(fd);
    assert_int_equal(test_dir_entries(dir), 0);
    char *said = NULL;
    size_t n = 0;
    assert_true(slurp(report, &said, &n));
    size_t lines = 0;
    for (size_t k = 0; k < n; k++)
        lines += said[k] == '\n';
    assert_int_equal(lines, OUTPUTS_MAX);
    assert_non_null(strstr(said, "/out-63.xml: error: interrupted: nothing was written"));
    free(said);
    unlink(report);

    /* a second call finds nothing left to remove */
    fd = open(report, O_CREAT | O_TRUNC | O_WRONLY, 0600);
    espi_output_remove_pending(fd);
    struct stat st;
    assert_int_equal(fstat(fd, &st), 0);
    assert_int_equal(st.st_size, 0);
    close(fd);
    unlink(report);

    /* the owners free their outputs; every slot is free again */
    for (int i = 0; i < OUTPUTS_MAX; i++)
        espi_output_abort(o[i]);
    for (int i = 0; i < OUTPUTS_MAX; i++) {
        snprintf(path, sizeof path, "%s/again-%d.xml", dir, i);
        assert_int_equal(espi_output_open(&o[i], path, &err), 0);
    }
    for (int i = 0; i < OUTPUTS_MAX; i++)
        espi_output_abort(o[i]);
    assert_int_equal(test_dir_entries(dir), 0);
    rmdir(dir);
}

typedef struct churn {
    const char *dir;
    int id;
    int failures;
} churn;

#define CHURN_ROUNDS 200

static void *open_commit_many(void *arg)
{
    churn *c = arg;
    char path[PATH_SIZE];
    espi_error err;
    for (int i = 0; i < CHURN_ROUNDS; i++) {
        espi_output *o;
        snprintf(path, sizeof path, "%s/t%d-%d.xml", c->dir, c->id, i % 3);
        if (espi_output_open(&o, path, &err) != 0) {
            c->failures++;
            continue;
        }
        fprintf(espi_output_stream(o), "<feed n=\"%d\"/>\n", i);
        if (i % 4 == 3)
            espi_output_abort(o);
        else if (espi_output_commit(o, NULL, &err) != 0)
            c->failures++;
    }
    return NULL;
}

/* Outputs opened, committed and aborted on several threads at once all
 * give their slot back: afterwards the full count opens again. */
static void test_outputs_on_threads(void **state)
{
    (void)state;
    char dir[64], path[PATH_SIZE];
    snprintf(dir, sizeof dir, "/tmp/espi-churn-XXXXXX");
    assert_non_null(mkdtemp(dir));
    pthread_t t[THREADS];
    churn c[THREADS];
    for (int i = 0; i < THREADS; i++) {
        c[i] = (churn){dir, i, 0};
        assert_int_equal(pthread_create(&t[i], NULL, open_commit_many, &c[i]), 0);
    }
    for (int i = 0; i < THREADS; i++) {
        assert_int_equal(pthread_join(t[i], NULL), 0);
        assert_int_equal(c[i].failures, 0);
    }
    assert_int_equal(test_dir_entries(dir), THREADS * 3); /* the targets, no temporary file */
    espi_output *o[OUTPUTS_MAX];
    espi_error err;
    for (int i = 0; i < OUTPUTS_MAX; i++) {
        snprintf(path, sizeof path, "%s/full-%d.xml", dir, i);
        assert_int_equal(espi_output_open(&o[i], path, &err), 0);
    }
    for (int i = 0; i < OUTPUTS_MAX; i++)
        espi_output_abort(o[i]);
    remove_tree(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        /* first: it needs a library no thread has used yet */
        cmocka_unit_test(test_cold_start_threads_match_serial),
        cmocka_unit_test(test_output_limit_and_remove_pending),
        cmocka_unit_test(test_outputs_on_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
