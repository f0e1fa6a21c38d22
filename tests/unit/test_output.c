/* SPDX-License-Identifier: Apache-2.0 */
/* test_output.c - atomic output: a file appears whole or not at all, an
 * existing file survives a failure, nothing temporary is left behind. */
#include "testutil.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct fixture {
    char dir[64];
    char path[128];
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    snprintf(f->dir, sizeof f->dir, "/tmp/espi-output-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->path, sizeof f->path, "%s/feed.xml", f->dir);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    unlink(f->path);
    rmdir(f->dir);
    free(f);
    return 0;
}

static void write_file(const char *path, const char *text)
{
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
}

static char *slurp(const char *path)
{
    static char buf[256];
    FILE *fp = fopen(path, "r");
    if (fp == NULL)
        return NULL;
    size_t n = fread(buf, 1, sizeof buf - 1, fp);
    buf[n] = '\0';
    fclose(fp);
    return buf;
}

static void test_commit_renames(void **state)
{
    fixture *f = *state;
    espi_output *o;
    espi_error err;
    assert_int_equal(espi_output_open(&o, f->path, &err), 0);
    /* the temporary file sits beside the target, and the target is not there yet */
    const char *temp = espi_output_temp_path(o);
    assert_int_equal(strncmp(temp, f->dir, strlen(f->dir)), 0);
    assert_int_equal(access(f->path, F_OK), -1);
    fputs("<feed/>\n", espi_output_stream(o));
    assert_int_equal(espi_output_commit(o, NULL, &err), 0);
    assert_string_equal(slurp(f->path), "<feed/>\n");
    assert_int_equal(test_dir_entries(f->dir), 1);
    /* a new file gets the umask's permissions, not mkstemp's 0600 */
    mode_t mask = umask(022);
    umask(mask);
    struct stat st;
    assert_int_equal(stat(f->path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0666 & ~mask);
}

static void test_abort_leaves_existing_file(void **state)
{
    fixture *f = *state;
    write_file(f->path, "old\n");
    chmod(f->path, 0640);
    espi_output *o;
    espi_error err;
    assert_int_equal(espi_output_open(&o, f->path, &err), 0);
    fputs("half a feed", espi_output_stream(o));
    espi_output_abort(o);
    assert_string_equal(slurp(f->path), "old\n");
    assert_int_equal(test_dir_entries(f->dir), 1);
    espi_output_abort(NULL);
    /* a replaced file keeps its permissions */
    assert_int_equal(espi_output_open(&o, f->path, &err), 0);
    fputs("new\n", espi_output_stream(o));
    assert_int_equal(espi_output_commit(o, NULL, &err), 0);
    struct stat st;
    assert_int_equal(stat(f->path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0640);
    assert_string_equal(slurp(f->path), "new\n");
}

static void test_bad_targets(void **state)
{
    fixture *f = *state;
    espi_output *o = NULL;
    espi_error err;
    assert_int_equal(espi_output_open(&o, f->dir, &err), ESPI_E_IO);
    assert_null(o);
    assert_non_null(strstr(err.message, "Is a directory"));
    char missing[160];
    snprintf(missing, sizeof missing, "%s/no/such/dir/feed.xml", f->dir);
    assert_int_equal(espi_output_open(&o, missing, &err), ESPI_E_IO);
    assert_string_equal(err.file, missing);
    assert_int_equal(test_dir_entries(f->dir), 0);
}

/* Output for stdout waits in a temporary file until commit copies it. */
static void test_commit_to_stream(void **state)
{
    fixture *f = *state;
    setenv("TMPDIR", f->dir, 1);
    espi_output *o;
    espi_error err;
    assert_int_equal(espi_output_open(&o, NULL, &err), 0);
    fputs("<feed/>\n", espi_output_stream(o));
    assert_int_equal(test_dir_entries(f->dir), 1);
    FILE *dest = fopen(f->path, "w");
    assert_non_null(dest);
    assert_int_equal(espi_output_commit(o, dest, &err), 0);
    fclose(dest);
    assert_string_equal(slurp(f->path), "<feed/>\n");
    assert_int_equal(test_dir_entries(f->dir), 1); /* the temporary file is gone */
    FILE *full = fopen("/dev/full", "w");
    if (full != NULL) {
        assert_int_equal(espi_output_open(&o, NULL, &err), 0);
        fputs("<feed/>\n", espi_output_stream(o));
        assert_int_equal(espi_output_commit(o, full, &err), ESPI_E_IO);
        assert_non_null(strstr(err.message, "No space left"));
        fclose(full);
        assert_int_equal(test_dir_entries(f->dir), 1);
    }
    unsetenv("TMPDIR");
}

/* A symbolic link is followed: the file it names is replaced, the link kept. */
static void test_symlink_followed(void **state)
{
    fixture *f = *state;
    char target[160], link_path[160];
    snprintf(target, sizeof target, "%s/target.xml", f->dir);
    snprintf(link_path, sizeof link_path, "%s/link.xml", f->dir);
    write_file(target, "old\n");
    assert_int_equal(symlink("target.xml", link_path), 0);
    espi_output *o;
    espi_error err;
    assert_int_equal(espi_output_open(&o, link_path, &err), 0);
    fputs("new\n", espi_output_stream(o));
    assert_int_equal(espi_output_commit(o, NULL, &err), 0);
    struct stat st;
    assert_int_equal(lstat(link_path, &st), 0);
    assert_true(S_ISLNK(st.st_mode));
    assert_string_equal(slurp(target), "new\n");
    assert_int_equal(test_dir_entries(f->dir), 2);
    /* a link to nothing is refused, and nothing is created */
    unlink(target);
    assert_int_equal(espi_output_open(&o, link_path, &err), ESPI_E_IO);
    assert_non_null(strstr(err.message, "symbolic link"));
    assert_int_equal(test_dir_entries(f->dir), 1);
    unlink(link_path);
}

/* A FIFO (like a device such as /dev/null) is written to, never replaced. */
static void test_fifo_written_not_replaced(void **state)
{
    fixture *f = *state;
    assert_int_equal(mkfifo(f->path, 0600), 0);
    int reader = open(f->path, O_RDONLY | O_NONBLOCK);
    assert_true(reader >= 0);
    espi_output *o;
    espi_error err;
    assert_int_equal(espi_output_open(&o, f->path, &err), 0);
    fputs("<feed/>\n", espi_output_stream(o));
    assert_int_equal(espi_output_commit(o, NULL, &err), 0);
    char buf[32] = "";
    assert_int_equal(read(reader, buf, sizeof buf - 1), 8);
    assert_string_equal(buf, "<feed/>\n");
    close(reader);
    struct stat st;
    assert_int_equal(lstat(f->path, &st), 0);
    assert_true(S_ISFIFO(st.st_mode));
    assert_int_equal(test_dir_entries(f->dir), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_commit_renames, setup, teardown),
        cmocka_unit_test_setup_teardown(test_abort_leaves_existing_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_targets, setup, teardown),
        cmocka_unit_test_setup_teardown(test_commit_to_stream, setup, teardown),
        cmocka_unit_test_setup_teardown(test_symlink_followed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fifo_written_not_replaced, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
