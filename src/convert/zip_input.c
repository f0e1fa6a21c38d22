/* SPDX-License-Identifier: Apache-2.0 */
/* zip_input.c - the one XML member of a ZIP archive as a FILE (fopencookie
 * over zip_fread, glibc). The archive is read into memory first: a ZIP's
 * directory is at its end, and the input may be a pipe. Every size is
 * bounded: the archive, the number of entries, the member's declared and
 * actual uncompressed size (which stops zip bombs). */
#define _GNU_SOURCE /* fopencookie */
#include "convert/zip_input.h"

#include "common/error.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <zip.h>

#define MAX_LISTED 8 /* member names shown when the choice fails */

struct zip_input {
    unsigned char *data;
    size_t size;
    zip_t *za;
    zip_file_t *zf;
    FILE *stream;
    uint64_t declared; /* the member's uncompressed size */
    uint64_t delivered;
    char *name;        /* "archive.zip(member.xml)" */
    char problem[256]; /* what went wrong while streaming; "" when nothing */
};

bool zip_input_sniff(const unsigned char *head, size_t n)
{
    return n >= 4 && memcmp(head, "PK\x03\x04", 4) == 0;
}

/* ------------------------------------------------------------------ */
/* The archive, in memory                                              */
/* ------------------------------------------------------------------ */

static int too_large(const char *name, espi_error *err)
{
    err_loc loc = {name, 0, 0, NULL};
    return err_fail(err, ESPI_E_LIMIT, "zip-too-large", &loc,
                    "the ZIP archive is larger than %zu MiB, more than any Green Button download; "
                    "unzip it and give the XML file instead",
                    ZIP_INPUT_MAX_ARCHIVE >> 20);
}

/* A regular file's size, when the stream has one (not a pipe, not a
 * stream the converter replays): -1 otherwise. */
static off_t known_size(FILE *in)
{
    struct stat st;
    int fd = fileno(in);
    return fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) ? st.st_size : -1;
}

static int slurp(zip_input *z, FILE *in, const unsigned char *head, size_t head_len,
                 const char *name, espi_error *err)
{
    size_t cap = 1 << 16;
    err_loc loc = {name, 0, 0, NULL};
    if (known_size(in) > (off_t)ZIP_INPUT_MAX_ARCHIVE)
        return too_large(name, err);
    z->data = malloc(cap);
    if (z->data == NULL)
        return err_fail(err, ESPI_E_NOMEM, "nomem", NULL, "out of memory");
    memcpy(z->data, head, head_len);
    z->size = head_len;
    for (;;) {
        if (z->size == cap) {
            if (cap > ZIP_INPUT_MAX_ARCHIVE)
                return too_large(name, err);
            size_t grown_cap =
                cap * 2 > ZIP_INPUT_MAX_ARCHIVE + 1 ? ZIP_INPUT_MAX_ARCHIVE + 1 : cap * 2;
            unsigned char *grown = realloc(z->data, grown_cap);
            if (grown == NULL)
                return err_fail(err, ESPI_E_NOMEM, "nomem", NULL, "out of memory");
            z->data = grown;
            cap = grown_cap;
        }
        size_t n = fread(z->data + z->size, 1, cap - z->size, in);
        z->size += n;
        if (n == 0)
            break;
    }
    if (ferror(in)) {
        char reason[128];
        err_strerror(errno, reason, sizeof reason);
        return err_fail(err, ESPI_E_IO, "io", &loc, "cannot read the input: %s", reason);
    }
    return 0;
}

static int open_archive(zip_input *z, const char *name, espi_error *err)
{
    zip_error_t ze;
    zip_error_init(&ze);
    zip_source_t *src = zip_source_buffer_create(z->data, z->size, 0, &ze);
    if (src != NULL) {
        z->za = zip_open_from_source(src, ZIP_RDONLY, &ze);
        if (z->za == NULL)
            zip_source_free(src);
    }
    int rc = 0;
    if (z->za == NULL) {
        err_loc loc = {name, 0, 0, NULL};
        rc = err_fail(err, ESPI_E_INPUT, "zip-corrupt", &loc,
                      "the input starts like a ZIP archive but cannot be opened as one: %s",
                      zip_error_strerror(&ze));
    }
    zip_error_fini(&ze);
    return rc;
}

/* ------------------------------------------------------------------ */
/* The member                                                          */
/* ------------------------------------------------------------------ */

static bool is_xml_name(const char *s)
{
    size_t n = strlen(s);
    return n > 4 && s[n - 1] != '/' && strcasecmp(s + n - 4, ".xml") == 0;
}

/* "a.xml, b.html, ..." into buf. */
static void list_members(zip_t *za, zip_int64_t n, char *buf, size_t size)
{
    size_t len = 0;
    buf[0] = '\0';
    for (zip_int64_t i = 0; i < n && i < MAX_LISTED; i++) {
        const char *m = zip_get_name(za, (zip_uint64_t)i, 0);
        str_bufprintf(buf, size, &len, "%s%s", i ? ", " : "", m ? m : "?");
    }
    if (n > MAX_LISTED)
        str_bufprintf(buf, size, &len, " and %lld more", (long long)(n - MAX_LISTED));
    if (n == 0)
        str_bufprintf(buf, size, &len, "nothing");
}

/* The index of the only .xml member. */
static int choose_member(zip_input *z, const char *name, zip_uint64_t *index, espi_error *err)
{
    err_loc loc = {name, 0, 0, NULL};
    zip_int64_t n = zip_get_num_entries(z->za, 0);
    if (n < 0 || n > ZIP_INPUT_MAX_ENTRIES)
        return err_fail(err, ESPI_E_INPUT, "zip-entries", &loc,
                        "the ZIP archive lists %lld entries; a Green Button download holds a "
                        "few",
                        (long long)n);
    zip_int64_t found = -1, count = 0;
    for (zip_int64_t i = 0; i < n; i++) {
        const char *m = zip_get_name(z->za, (zip_uint64_t)i, 0);
        if (m != NULL && is_xml_name(m)) {
            count++;
            found = found < 0 ? i : found;
        }
    }
    if (count == 1) {
        *index = (zip_uint64_t)found;
        return 0;
    }
    char members[400];
    list_members(z->za, n, members, sizeof members);
    return err_fail(err, ESPI_E_INPUT, "zip-members", &loc,
                    "the ZIP archive holds %s .xml file; expected exactly one Green Button "
                    "file (it holds: %s)",
                    count == 0 ? "no" : "more than one", members);
}

static int check_member(zip_input *z, zip_uint64_t index, const char *name, espi_error *err)
{
    zip_stat_t st;
    err_loc loc = {name, 0, 0, NULL};
    zip_stat_init(&st);
    if (zip_stat_index(z->za, index, 0, &st) != 0 || !(st.valid & ZIP_STAT_SIZE))
        return err_fail(err, ESPI_E_INPUT, "zip-corrupt", &loc,
                        "the ZIP entry %s cannot be read: %s", zip_input_name(z),
                        zip_strerror(z->za));
    if ((st.valid & ZIP_STAT_ENCRYPTION_METHOD) && st.encryption_method != ZIP_EM_NONE)
        return err_fail(err, ESPI_E_INPUT, "zip-encrypted", &loc,
                        "%s is encrypted; espi reads no password-protected archives (unzip it "
                        "and give the XML file)",
                        zip_input_name(z));
    if ((st.valid & ZIP_STAT_COMP_METHOD) && !zip_compression_method_supported(st.comp_method, 0))
        return err_fail(err, ESPI_E_INPUT, "zip-method", &loc,
                        "%s uses compression method %u, which espi cannot read (unzip it and "
                        "give the XML file)",
                        zip_input_name(z), st.comp_method);
    if (st.size > ZIP_INPUT_MAX_MEMBER)
        return err_fail(err, ESPI_E_INPUT, "zip-bomb", &loc,
                        "%s unpacks to %llu bytes, more than the %llu GiB espi accepts from an "
                        "archive (a zip bomb?)",
                        zip_input_name(z), (unsigned long long)st.size,
                        (unsigned long long)(ZIP_INPUT_MAX_MEMBER >> 30));
    z->declared = st.size;
    return 0;
}

/* ------------------------------------------------------------------ */
/* The stream                                                          */
/* ------------------------------------------------------------------ */

static ssize_t cookie_read(void *ctx, char *buf, size_t size)
{
    zip_input *z = ctx;
    if (z->problem[0] != '\0') {
        errno = EIO;
        return -1;
    }
    zip_int64_t n = zip_fread(z->zf, buf, size);
    if (n < 0) {
        snprintf(z->problem, sizeof z->problem, "%s", zip_file_strerror(z->zf));
    } else if ((uint64_t)n > z->declared - z->delivered) {
        snprintf(z->problem, sizeof z->problem,
                 "it unpacks to more than the %llu bytes it declares (a zip bomb?)",
                 (unsigned long long)z->declared);
    } else {
        z->delivered += (uint64_t)n;
        return (ssize_t)n;
    }
    errno = EIO;
    return -1;
}

static int cookie_close(void *ctx)
{
    (void)ctx; /* zip_input_close frees */
    return 0;
}

static char *member_name(const char *name, const char *member)
{
    size_t n = strlen(name) + strlen(member) + 3;
    char *s = malloc(n);
    if (s != NULL)
        snprintf(s, n, "%s(%s)", name, member);
    return s;
}

int zip_input_open(zip_input **out, FILE *in, const unsigned char *head, size_t head_len,
                   const char *name, espi_error *err)
{
    *out = NULL;
    zip_input *z = calloc(1, sizeof *z);
    if (z == NULL)
        return err_fail(err, ESPI_E_NOMEM, "nomem", NULL, "out of memory");
    zip_uint64_t index = 0;
    int rc = slurp(z, in, head, head_len, name, err);
    if (rc == 0)
        rc = open_archive(z, name, err);
    if (rc == 0)
        rc = choose_member(z, name, &index, err);
    if (rc == 0 && (z->name = member_name(name, zip_get_name(z->za, index, 0))) == NULL)
        rc = err_fail(err, ESPI_E_NOMEM, "nomem", NULL, "out of memory");
    if (rc == 0)
        rc = check_member(z, index, name, err);
    if (rc == 0 && (z->zf = zip_fopen_index(z->za, index, 0)) == NULL)
        rc = err_fail(err, ESPI_E_INPUT, "zip-corrupt", &(err_loc){name, 0, 0, NULL},
                      "%s cannot be opened: %s", z->name, zip_strerror(z->za));
    cookie_io_functions_t io = {cookie_read, NULL, NULL, cookie_close};
    if (rc == 0 && (z->stream = fopencookie(z, "r", io)) == NULL)
        rc = err_fail(err, ESPI_E_NOMEM, "nomem", NULL, "out of memory");
    if (rc != 0) {
        zip_input_close(z);
        return rc;
    }
    *out = z;
    return 0;
}

FILE *zip_input_stream(zip_input *z)
{
    return z->stream;
}

const char *zip_input_name(const zip_input *z)
{
    return z->name ? z->name : "?";
}

int zip_input_check(const zip_input *z, espi_error *err)
{
    if (z->problem[0] == '\0')
        return 0;
    err_loc loc = {z->name, 0, 0, NULL};
    return err_fail(err, ESPI_E_INPUT, "zip-corrupt", &loc,
                    "the file inside the ZIP archive is damaged: %s", z->problem);
}

void zip_input_close(zip_input *z)
{
    if (z == NULL)
        return;
    if (z->stream)
        fclose(z->stream);
    if (z->zf)
        zip_fclose(z->zf);
    if (z->za)
        zip_discard(z->za); /* read-only: nothing to write back; frees the source */
    free(z->data);
    free(z->name);
    free(z);
}
