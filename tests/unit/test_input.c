/* SPDX-License-Identifier: Apache-2.0 */
/* test_input.c - espi_input, the one input layer of every command: a plain
 * file, gzip told by its magic bytes (whatever the name), each .xml member
 * of a ZIP an input of its own in archive order, a ZIP with no XML, damaged
 * and truncated gzip, the cap on what gzip and a ZIP member unpack to, a
 * pipe, and one wording for a missing file, a directory and a file that
 * cannot be read. The archives are made here, with zlib and libzip. */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zip.h>
#include <zlib.h>

typedef struct fixture {
    char dir[64];
    char path[160];
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    snprintf(f->dir, sizeof f->dir, "/tmp/espi-input-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    assert_int_equal(system(cmd), 0);
    free(f);
    return 0;
}

/* f->path = dir/name */
static const char *path_of(fixture *f, const char *name)
{
    snprintf(f->path, sizeof f->path, "%s/%s", f->dir, name);
    return f->path;
}

static void write_file(const char *path, const void *data, size_t n)
{
    FILE *out = fopen(path, "wb");
    assert_non_null(out);
    assert_int_equal(fwrite(data, 1, n, out), n);
    assert_int_equal(fclose(out), 0);
}

/* data gzip-compressed (one member), malloc'd; *n its size. */
static unsigned char *gzip_bytes(const void *data, size_t len, size_t *n)
{
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    assert_int_equal(deflateInit2(&zs, 9, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
    size_t cap = deflateBound(&zs, (uLong)len) + 64;
    unsigned char *out = malloc(cap);
    assert_non_null(out);
    zs.next_in = (Bytef *)(uintptr_t)data;
    zs.avail_in = (uInt)len;
    zs.next_out = out;
    zs.avail_out = (uInt)cap;
    assert_int_equal(deflate(&zs, Z_FINISH), Z_STREAM_END);
    *n = cap - zs.avail_out;
    deflateEnd(&zs);
    return out;
}

static void write_gzip(const char *path, const char *text)
{
    size_t n;
    unsigned char *gz = gzip_bytes(text, strlen(text), &n);
    write_file(path, gz, n);
    free(gz);
}

/* A ZIP at path with members name[i] holding text[i]. */
static void write_zip(const char *path, const char *const *names, const char *const *texts,
                      size_t n)
{
    int errorp;
    zip_t *za = zip_open(path, ZIP_CREATE | ZIP_TRUNCATE, &errorp);
    assert_non_null(za);
    for (size_t i = 0; i < n; i++) {
        zip_source_t *src = zip_source_buffer(za, texts[i], strlen(texts[i]), 0);
        assert_non_null(src);
        assert_true(zip_file_add(za, names[i], src, ZIP_FL_ENC_UTF_8) >= 0);
    }
    assert_int_equal(zip_close(za), 0);
}

/* Reads a stream to its end into buf (NUL-terminated); the bytes read. */
static size_t slurp(FILE *in, char *buf, size_t size)
{
    size_t n = 0, got;
    while (n + 1 < size && (got = fread(buf + n, 1, size - 1 - n, in)) > 0)
        n += got;
    buf[n] = '\0';
    return n;
}

/* The next input of in, which must hold want, named name. */
static void expect_input(espi_input *in, const char *name, const char *want)
{
    FILE *stream;
    const char *got_name;
    espi_error err;
    assert_int_equal(espi_input_next(in, &stream, &got_name, &err), 0);
    assert_non_null(stream);
    assert_string_equal(got_name, name);
    const unsigned char *head;
    size_t n;
    espi_input_head(in, &head, &n);
    assert_int_equal(n,
                     strlen(want) < ESPI_INPUT_HEAD_BYTES ? strlen(want) : ESPI_INPUT_HEAD_BYTES);
    assert_memory_equal(head, want, n);
    static char buf[4 << 20];
    assert_int_equal(slurp(stream, buf, sizeof buf), strlen(want));
    assert_string_equal(buf, want);
    assert_int_equal(espi_input_check(in, &err), 0);
}

static void expect_end(espi_input *in)
{
    FILE *stream = (FILE *)1;
    const char *name;
    espi_error err;
    assert_int_equal(espi_input_next(in, &stream, &name, &err), 0);
    assert_null(stream);
}

/* A ZIP of those members at f->path, opened (opts NULL: the defaults). */
static espi_input *open_zip(fixture *f, const char *file, const char *const *names,
                            const char *const *texts, size_t n, const espi_input_options *opts)
{
    write_zip(path_of(f, file), names, texts, n);
    espi_input *in = NULL;
    espi_error err;
    assert_int_equal(espi_input_open(&in, f->path, opts, &err), 0);
    return in;
}

/* The next input of in: the member of the ZIP at f->path, holding want. */
static void expect_member(espi_input *in, const fixture *f, const char *member, const char *want)
{
    char name[256];
    snprintf(name, sizeof name, "%s:%s", f->path, member);
    expect_input(in, name, want);
}

static const char feed_a[] = "<feed xmlns=\"http://www.w3.org/2005/Atom\"><id>a</id></feed>\n";
static const char feed_b[] = "<feed xmlns=\"http://www.w3.org/2005/Atom\"><id>b</id></feed>\n";
static const char feed_c[] = "<feed xmlns=\"http://www.w3.org/2005/Atom\"><id>c</id></feed>\n";

/* ------------------------------------------------------------------ */

static void test_plain_file(void **state)
{
    fixture *f = *state;
    write_file(path_of(f, "a.xml"), feed_a, strlen(feed_a));
    espi_input *in = NULL;
    espi_error err;
    assert_int_equal(espi_input_open(&in, f->path, NULL, &err), 0);
    expect_input(in, f->path, feed_a);
    expect_end(in);
    expect_end(in); /* and stays at the end */
    espi_input_close(in);
}

/* A head longer than ESPI_INPUT_HEAD_BYTES: the stream still gives all. */
static void test_large_plain_file(void **state)
{
    fixture *f = *state;
    size_t n = 3 * ESPI_INPUT_HEAD_BYTES + 17;
    char *text = malloc(n + 1);
    assert_non_null(text);
    for (size_t i = 0; i < n; i++)
        text[i] = (char)('a' + i % 26);
    text[n] = '\0';
    write_file(path_of(f, "big.txt"), text, n);
    espi_input *in = NULL;
    espi_error err;
    assert_int_equal(espi_input_open(&in, f->path, NULL, &err), 0);
    expect_input(in, f->path, text);
    expect_end(in);
    espi_input_close(in);
    free(text);
}

/* A regular file is handed out itself, wound back to its start: its
 * reader takes no copy through the replay, and sees a file it may read
 * ahead on another thread (fileno and fstat). A stream given at an offset
 * is handed back at that offset. */
static void test_plain_file_handed_out(void **state)
{
    fixture *f = *state;
    write_file(path_of(f, "a.xml"), feed_a, strlen(feed_a));
    espi_input *in = NULL;
    espi_error err;
    assert_int_equal(espi_input_open(&in, f->path, NULL, &err), 0);
    FILE *stream = NULL;
    const char *name = NULL;
    assert_int_equal(espi_input_next(in, &stream, &name, &err), 0);
    assert_non_null(stream);
    struct stat st;
    assert_true(fileno(stream) >= 0);
    assert_int_equal(fstat(fileno(stream), &st), 0);
    assert_true(S_ISREG(st.st_mode));
    assert_int_equal(ftello(stream), 0);
    espi_input_close(in);

    FILE *given = fopen(f->path, "rb");
    assert_non_null(given);
    assert_int_equal(fseek(given, 6, SEEK_SET), 0); /* past "<feed " */
    assert_int_equal(espi_input_open_stream(&in, given, "given", NULL, &err), 0);
    assert_int_equal(espi_input_next(in, &stream, &name, &err), 0);
    assert_ptr_equal(stream, given);
    char rest[256];
    size_t n = fread(rest, 1, sizeof rest - 1, stream);
    rest[n] = '\0';
    assert_string_equal(rest, feed_a + 6);
    assert_int_equal(espi_input_check(in, &err), 0);
    espi_input_close(in);
    assert_int_equal(fclose(given), 0); /* still the caller's */
}

/* gzip is told by its magic bytes, not the name ("a.xml", no .gz) */
static void test_gzip(void **state)
{
    fixture *f = *state;
    write_gzip(path_of(f, "a.xml"), feed_a);
    espi_input *in = NULL;
    espi_error err;
    assert_int_equal(espi_input_open(&in, f->path, NULL, &err), 0);
    expect_input(in, f->path, feed_a);
    expect_end(in);
    espi_input_close(in);
}

/* gzip -c a b > ab: one stream of both, as gunzip reads it */
static void test_gzip_concatenated(void **state)
{
    fixture *f = *state;
    size_t na, nb;
    unsigned char *a = gzip_bytes(feed_a, strlen(feed_a), &na);
    unsigned char *b = gzip_bytes(feed_b, strlen(feed_b), &nb);
    unsigned char *ab = malloc(na + nb);
    assert_non_null(ab);
    memcpy(ab, a, na);
    memcpy(ab + na, b, nb);
    write_file(path_of(f, "ab.gz"), ab, na + nb);
    espi_input *in = NULL;
    espi_error err;
    assert_int_equal(espi_input_open(&in, f->path, NULL, &err), 0);
    char both[256];
    snprintf(both, sizeof both, "%s%s", feed_a, feed_b);
    expect_input(in, f->path, both);
    espi_input_close(in);
    free(a);
    free(b);
    free(ab);
}

/* zeros after the gzip data (block padding) end them, as gunzip ignores
 * them; anything else after them is damage */
static void test_gzip_zero_padding(void **state)
{
    fixture *f = *state;
    size_t na;
    unsigned char *a = gzip_bytes(feed_a, strlen(feed_a), &na);
    size_t pad = 70000; /* more than one read of compressed bytes */
    unsigned char *padded = calloc(na + pad, 1);
    assert_non_null(padded);
    memcpy(padded, a, na);
    write_file(path_of(f, "padded.gz"), padded, na + pad);
    espi_input *in = NULL;
    espi_error err;
    assert_int_equal(espi_input_open(&in, f->path, NULL, &err), 0);
    expect_input(in, f->path, feed_a);
    assert_int_equal(espi_input_check(in, &err), 0);
    espi_input_close(in);
    padded[na + pad - 1] = 'x'; /* zeros, then garbage: found as the head is read */
    write_file(f->path, padded, na + pad);
    assert_int_equal(espi_input_open(&in, f->path, NULL, &err), ESPI_E_INPUT);
    assert_null(in);
    assert_string_equal(err.code, "gz-corrupt");
    free(a);
    free(padded);
}

static void test_zip_one_member(void **state)
{
    fixture *f = *state;
    const char *names[] = {"green_button_data_1.xml", "green_button_data_1_formatted.html"};
    const char *texts[] = {feed_a, "<html></html>"};
    espi_input *in = open_zip(f, "download.zip", names, texts, 2, NULL);
    expect_member(in, f, "green_button_data_1.xml", feed_a);
    expect_end(in);
    espi_input_close(in);
}

/* three XML members (one in a folder, one .XML), in archive order; the
 * rest skipped */
static void test_zip_three_members(void **state)
{
    fixture *f = *state;
    const char *names[] = {"c.xml", "notes.txt", "dir/a.XML", "b.xml"};
    const char *texts[] = {feed_c, "notes", feed_a, feed_b};
    espi_input *in = open_zip(f, "three.zip", names, texts, 4, NULL);
    expect_member(in, f, "c.xml", feed_c);
    expect_member(in, f, "dir/a.XML", feed_a);
    expect_member(in, f, "b.xml", feed_b);
    expect_end(in);
    espi_input_close(in);
}

/* a ZIP made by macOS's "Compress": the AppleDouble twins (__MACOSX/._a.xml,
 * resource-fork bytes) are no inputs */
static void test_zip_macos_twins(void **state)
{
    fixture *f = *state;
    const char *names[] = {"a.xml", "__MACOSX/._a.xml", "dir/._b.xml"};
    const char *texts[] = {feed_a, "\x05\x16\x07 Mac OS X", "\x05\x16\x07"};
    espi_input *in = open_zip(f, "mac.zip", names, texts, 3, NULL);
    expect_member(in, f, "a.xml", feed_a);
    expect_end(in);
    espi_input_close(in);
}

static void test_zip_no_xml(void **state)
{
    fixture *f = *state;
    const char *names[] = {"usage.json", "usage.csv"};
    const char *texts[] = {"{}", "a,b\n"};
    write_zip(path_of(f, "none.zip"), names, texts, 2);
    espi_input *in = NULL;
    espi_error err;
    assert_int_equal(espi_input_open(&in, f->path, NULL, &err), ESPI_E_INPUT);
    assert_null(in);
    assert_string_equal(err.code, "zip-members");
    assert_string_equal(err.file, f->path);
    assert_non_null(strstr(err.message, "no .xml file"));
    assert_non_null(strstr(err.message, "usage.json, usage.csv"));
}

/* a ZIP inside gzip: its members, named after the .gz */
static void test_zip_in_gzip(void **state)
{
    fixture *f = *state;
    const char *names[] = {"a.xml", "b.xml"};
    const char *texts[] = {feed_a, feed_b};
    write_zip(path_of(f, "two.zip"), names, texts, 2);
    FILE *z = fopen(f->path, "rb");
    assert_non_null(z);
    static char raw[65536];
    size_t n = fread(raw, 1, sizeof raw, z);
    fclose(z);
    size_t ngz;
    unsigned char *gz = gzip_bytes(raw, n, &ngz);
    write_file(path_of(f, "two.zip.gz"), gz, ngz);
    free(gz);
    espi_input *in = NULL;
    espi_error err;
    assert_int_equal(espi_input_open(&in, f->path, NULL, &err), 0);
    expect_member(in, f, "a.xml", feed_a);
    expect_member(in, f, "b.xml", feed_b);
    expect_end(in);
    espi_input_close(in);
}

/* A truncated or damaged gzip: reading fails, and the check says why. */
static void expect_gzip_failure(fixture *f, const unsigned char *data, size_t n, const char *code,
                                const char *words)
{
    write_file(path_of(f, "bad.gz"), data, n);
    espi_input *in = NULL;
    espi_error err;
    int rc = espi_input_open(&in, f->path, NULL, &err);
    if (rc == 0) { /* the damage lies after the first bytes */
        FILE *stream;
        const char *name;
        assert_int_equal(espi_input_next(in, &stream, &name, &err), 0);
        static char buf[1 << 20];
        slurp(stream, buf, sizeof buf);
        assert_true(ferror(stream));
        rc = espi_input_check(in, &err);
    }
    assert_int_equal(rc, ESPI_E_INPUT);
    assert_string_equal(err.code, code);
    assert_string_equal(err.file, f->path);
    if (strstr(err.message, words) == NULL)
        fail_msg("\"%s\" lacks \"%s\"", err.message, words);
    espi_input_close(in);
}

/* large enough that the damage is met after the head was read */
static char *big_text(size_t n)
{
    char *text = malloc(n + 1);
    assert_non_null(text);
    uint32_t x = 12345;
    for (size_t i = 0; i < n; i++) {
        x = x * 1103515245u + 12345u; /* little repetition: the gzip stays large */
        text[i] = (char)('a' + (x >> 16) % 26);
    }
    text[n] = '\0';
    return text;
}

static void test_gzip_truncated(void **state)
{
    fixture *f = *state;
    char *text = big_text(400000);
    size_t n;
    unsigned char *gz = gzip_bytes(text, strlen(text), &n);
    expect_gzip_failure(f, gz, n - 100, "gz-corrupt", "truncated");
    expect_gzip_failure(f, gz, 30, "gz-corrupt", "truncated"); /* within the head */
    free(gz);
    free(text);
}

static void test_gzip_damaged(void **state)
{
    fixture *f = *state;
    char *text = big_text(400000);
    size_t n;
    unsigned char *gz = gzip_bytes(text, strlen(text), &n);
    gz[n - 6] ^= 0xff; /* the CRC-32 */
    expect_gzip_failure(f, gz, n, "gz-corrupt", "incorrect data check");
    free(gz);
    free(text);
}

/* More than max_unpacked: a bomb, stopped as it is read. */
static void test_gzip_bomb_limit(void **state)
{
    fixture *f = *state;
    size_t len = 2 << 20;
    char *zeros = calloc(1, len + 1);
    assert_non_null(zeros);
    memset(zeros, '0', len);
    write_gzip(path_of(f, "bomb.xml"), zeros);
    espi_input_options opts;
    espi_input_options_init(&opts);
    assert_true(opts.max_unpacked == ESPI_INPUT_MAX_UNPACKED);
    opts.max_unpacked = 1 << 20;
    espi_input *in = NULL;
    espi_error err;
    assert_int_equal(espi_input_open(&in, f->path, &opts, &err), 0);
    FILE *stream;
    const char *name;
    assert_int_equal(espi_input_next(in, &stream, &name, &err), 0);
    static char buf[4 << 20];
    size_t got = slurp(stream, buf, sizeof buf);
    assert_true(got <= opts.max_unpacked);
    assert_true(ferror(stream));
    assert_int_equal(espi_input_check(in, &err), ESPI_E_INPUT);
    assert_string_equal(err.code, "gz-bomb");
    assert_non_null(strstr(err.message, "1048576 bytes"));
    espi_input_close(in);
    /* exactly at the cap is fine */
    opts.max_unpacked = len;
    assert_int_equal(espi_input_open(&in, f->path, &opts, &err), 0);
    expect_input(in, f->path, zeros);
    espi_input_close(in);
    free(zeros);
}

/* A ZIP member over max_unpacked is refused by its declared size; the
 * next member is still read. */
static void test_zip_member_limit(void **state)
{
    fixture *f = *state;
    char *big = big_text(5000);
    const char *names[] = {"big.xml", "small.xml"};
    const char *texts[] = {big, feed_a};
    espi_input_options opts;
    espi_input_options_init(&opts);
    opts.max_unpacked = 1000;
    espi_input *in = open_zip(f, "limit.zip", names, texts, 2, &opts);
    espi_error err;
    FILE *stream;
    const char *name;
    assert_int_equal(espi_input_next(in, &stream, &name, &err), ESPI_E_INPUT);
    assert_string_equal(err.code, "zip-bomb");
    assert_non_null(strstr(err.file, "limit.zip:big.xml"));
    expect_member(in, f, "small.xml", feed_a);
    expect_end(in);
    espi_input_close(in);
    free(big);
}

/* Members each under max_unpacked but over it together (an overlapping
 * zip bomb repeats one member): those past the cap are refused. */
static void test_zip_members_together(void **state)
{
    fixture *f = *state;
    char *part = big_text(600);
    const char *names[] = {"a.xml", "b.xml", "c.xml"};
    const char *texts[] = {part, part, feed_a};
    espi_input_options opts;
    espi_input_options_init(&opts);
    opts.max_unpacked = 1000;
    espi_input *in = open_zip(f, "together.zip", names, texts, 3, &opts);
    espi_error err;
    expect_member(in, f, "a.xml", part);
    FILE *stream;
    const char *name;
    assert_int_equal(espi_input_next(in, &stream, &name, &err), ESPI_E_INPUT);
    assert_string_equal(err.code, "zip-bomb");
    assert_non_null(strstr(err.file, "together.zip:b.xml"));
    assert_non_null(strstr(err.message, "together"));
    expect_member(in, f, "c.xml", feed_a);
    expect_end(in);
    espi_input_close(in);
    free(part);
}

/* A pipe: gzip through it, read as it comes. */
static void test_pipe(void **state)
{
    (void)state;
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    size_t n;
    unsigned char *gz = gzip_bytes(feed_b, strlen(feed_b), &n);
    assert_int_equal(write(fds[1], gz, n), (ssize_t)n); /* less than a pipe holds */
    close(fds[1]);
    free(gz);
    FILE *rd = fdopen(fds[0], "rb");
    assert_non_null(rd);
    espi_input *in = NULL;
    espi_error err;
    assert_int_equal(espi_input_open_stream(&in, rd, "<pipe>", NULL, &err), 0);
    expect_input(in, "<pipe>", feed_b);
    expect_end(in);
    espi_input_close(in);
    assert_int_equal(fclose(rd), 0); /* still the caller's */
}

/* "-" is stdin (here a pipe on file descriptor 0) */
static void test_stdin(void **state)
{
    (void)state;
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    assert_int_equal(write(fds[1], feed_c, strlen(feed_c)), (ssize_t)strlen(feed_c));
    close(fds[1]);
    int saved = dup(0);
    assert_true(saved >= 0);
    assert_int_equal(dup2(fds[0], 0), 0);
    close(fds[0]);
    clearerr(stdin);
    espi_input *in = NULL;
    espi_error err;
    assert_int_equal(espi_input_open(&in, "-", NULL, &err), 0);
    expect_input(in, "<stdin>", feed_c);
    expect_end(in);
    espi_input_close(in); /* stdin is not closed */
    assert_int_equal(dup2(saved, 0), 0);
    close(saved);
    clearerr(stdin);
}

static void expect_io(const char *path, const char *message)
{
    espi_input *in = (espi_input *)1;
    espi_error err;
    assert_int_equal(espi_input_open(&in, path, NULL, &err), ESPI_E_IO);
    assert_null(in);
    assert_string_equal(err.code, "io");
    assert_string_equal(err.file, path);
    assert_string_equal(err.message, message);
}

/* one wording for each */
static void test_unreadable(void **state)
{
    fixture *f = *state;
    expect_io(path_of(f, "missing.xml"), "no such file");
    write_file(path_of(f, "file"), "x", 1);
    expect_io(path_of(f, "file/below.xml"), "no such file");
    char dir[128], want[256];
    snprintf(dir, sizeof dir, "%s/", f->dir);
    snprintf(want, sizeof want, "is a directory; give the files in it, e.g. %s/*.xml", f->dir);
    expect_io(dir, want);
    expect_io(f->dir, want);
    /* opens, but reading fails (even for root): reading /proc/self/mem at 0 */
    expect_io("/proc/self/mem", "cannot read: Input/output error");
    if (geteuid() != 0) { /* root reads whatever the mode says */
        write_file(path_of(f, "secret.xml"), "x", 1);
        assert_int_equal(chmod(f->path, 0), 0);
        expect_io(f->path, "cannot read: Permission denied");
    }
}

static void test_empty(void **state)
{
    fixture *f = *state;
    write_file(path_of(f, "empty.xml"), "", 0);
    espi_input *in = NULL;
    espi_error err;
    assert_int_equal(espi_input_open(&in, f->path, NULL, &err), 0);
    expect_input(in, f->path, "");
    expect_end(in);
    espi_input_close(in);
    espi_input_close(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_plain_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_large_plain_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_plain_file_handed_out, setup, teardown),
        cmocka_unit_test_setup_teardown(test_gzip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_gzip_concatenated, setup, teardown),
        cmocka_unit_test_setup_teardown(test_zip_one_member, setup, teardown),
        cmocka_unit_test_setup_teardown(test_zip_three_members, setup, teardown),
        cmocka_unit_test_setup_teardown(test_zip_no_xml, setup, teardown),
        cmocka_unit_test_setup_teardown(test_zip_in_gzip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_gzip_truncated, setup, teardown),
        cmocka_unit_test_setup_teardown(test_gzip_damaged, setup, teardown),
        cmocka_unit_test_setup_teardown(test_zip_macos_twins, setup, teardown),
        cmocka_unit_test_setup_teardown(test_gzip_zero_padding, setup, teardown),
        cmocka_unit_test_setup_teardown(test_zip_members_together, setup, teardown),
        cmocka_unit_test_setup_teardown(test_gzip_bomb_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_zip_member_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pipe, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stdin, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unreadable, setup, teardown),
        cmocka_unit_test_setup_teardown(test_empty, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
