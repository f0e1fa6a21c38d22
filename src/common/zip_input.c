/* SPDX-License-Identifier: Apache-2.0 */
/* zip_input.c - the XML members of a ZIP archive as FILEs (fopencookie
 * over zip_fread, glibc). The archive is read into memory first: a ZIP's
 * directory is at its end, and the input may be a pipe. Every size is
 * bounded: the archive, the number of entries, each member's declared and
 * actual uncompressed size (which stops zip bombs). */
#define _GNU_SOURCE /* fopencookie */
#include "common/zip_input.h"

#include "common/error.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <zip.h>

#define MAX_LISTED 8 /* member names shown when the archive holds no XML */

struct zip_input {
    unsigned char *data;
    size_t size;
    zip_t *za;
    char *archive;     /* the archive's name */
    zip_uint64_t *xml; /* indexes of the .xml members, in archive order */
    size_t nxml;
    uint64_t max_member;
    uint64_t opened; /* the sizes of the members opened so far, together */
    /* the member open now */
    zip_file_t *zf;
    FILE *stream;
    uint64_t declared; /* its uncompressed size */
    uint64_t delivered;
    char *name;        /* "archive.zip:member.xml" */
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
    size_t cap = head_len > (1 << 16) ? head_len : 1 << 16;
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
        return err_fail(err, ESPI_E_IO, "io", &loc, "cannot read: %s", reason);
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
/* The members                                                         */
/* ------------------------------------------------------------------ */

/* macOS's "Compress" adds an AppleDouble twin of each file
 * (__MACOSX/dir/._name.xml): resource-fork bytes under an .xml name. */
static bool is_apple_double(const char *s)
{
    const char *base = strrchr(s, '/');
    base = base ? base + 1 : s;
    return strncmp(s, "__MACOSX/", 9) == 0 || strncmp(base, "._", 2) == 0;
}

static bool is_xml_name(const char *s)
{
    size_t n = strlen(s);
    return n > 4 && s[n - 1] != '/' && strcasecmp(s + n - 4, ".xml") == 0 && !is_apple_double(s);
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

/* The .xml members, in archive order; none is an error that lists what
 * the archive holds. */
static int find_members(zip_input *z, const char *name, espi_error *err)
{
    err_loc loc = {name, 0, 0, NULL};
    zip_int64_t n = zip_get_num_entries(z->za, 0);
    if (n < 0 || n > ZIP_INPUT_MAX_ENTRIES)
        return err_fail(err, ESPI_E_INPUT, "zip-entries", &loc,
                        "the ZIP archive lists %lld entries, more than the %d espi reads; a Green "
                        "Button download holds a few",
                        (long long)n, ZIP_INPUT_MAX_ENTRIES);
    z->xml = malloc(((size_t)n + 1) * sizeof *z->xml);
    if (z->xml == NULL)
        return err_fail(err, ESPI_E_NOMEM, "nomem", NULL, "out of memory");
    for (zip_int64_t i = 0; i < n; i++) {
        const char *m = zip_get_name(z->za, (zip_uint64_t)i, 0);
        if (m != NULL && is_xml_name(m))
            z->xml[z->nxml++] = (zip_uint64_t)i;
    }
    if (z->nxml > 0)
        return 0;
    char members[400];
    list_members(z->za, n, members, sizeof members);
    return err_fail(err, ESPI_E_INPUT, "zip-members", &loc,
                    "the ZIP archive holds no .xml file; expected Green Button XML files in it "
                    "(it holds: %s)",
                    members);
}

static int check_member(zip_input *z, zip_uint64_t index, espi_error *err)
{
    zip_stat_t st;
    err_loc loc = {z->name, 0, 0, NULL};
    zip_stat_init(&st);
    if (zip_stat_index(z->za, index, 0, &st) != 0 || !(st.valid & ZIP_STAT_SIZE))
        return err_fail(err, ESPI_E_INPUT, "zip-corrupt", &loc, "the ZIP entry cannot be read: %s",
                        zip_strerror(z->za));
    if ((st.valid & ZIP_STAT_ENCRYPTION_METHOD) && st.encryption_method != ZIP_EM_NONE)
        return err_fail(err, ESPI_E_INPUT, "zip-encrypted", &loc,
                        "the file is encrypted; espi reads no password-protected archives (unzip "
                        "it and give the XML file)");
    if ((st.valid & ZIP_STAT_COMP_METHOD) && !zip_compression_method_supported(st.comp_method, 0))
        return err_fail(err, ESPI_E_INPUT, "zip-method", &loc,
                        "the file uses compression method %u, which espi cannot read (unzip it and "
                        "give the XML file)",
                        st.comp_method);
    if (st.size > z->max_member)
        return err_fail(
            err, ESPI_E_INPUT, "zip-bomb", &loc,
            "the file unpacks to %llu bytes, more than the %llu bytes espi accepts from "
            "an archive (a zip bomb?)",
            (unsigned long long)st.size, (unsigned long long)z->max_member);
    /* entries that share their compressed data (an overlapping zip bomb)
     * stay small each: the members together are capped as one is */
    if (z->opened + st.size > z->max_member)
        return err_fail(err, ESPI_E_INPUT, "zip-bomb", &loc,
                        "the .xml files of the archive unpack to more than the %llu bytes espi "
                        "accepts from an archive, together (a zip bomb?)",
                        (unsigned long long)z->max_member);
    z->opened += st.size;
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
    size_t n = strlen(name) + strlen(member) + 2;
    char *s = malloc(n);
    if (s != NULL)
        snprintf(s, n, "%s:%s", name, member);
    return s;
}

static void close_member(zip_input *z)
{
    if (z->stream)
        fclose(z->stream);
    if (z->zf)
        zip_fclose(z->zf);
    free(z->name);
    z->stream = NULL;
    z->zf = NULL;
    z->name = NULL;
    z->declared = z->delivered = 0;
    z->problem[0] = '\0';
}

int zip_input_member(zip_input *z, size_t k, espi_error *err)
{
    close_member(z);
    if (k >= z->nxml)
        return err_fail(err, ESPI_E_ARG, "zip-members", &(err_loc){z->archive, 0, 0, NULL},
                        "the ZIP archive holds %zu .xml files, not %zu", z->nxml, k + 1);
    zip_uint64_t index = z->xml[k];
    z->name = member_name(z->archive, zip_get_name(z->za, index, 0));
    if (z->name == NULL)
        return err_fail(err, ESPI_E_NOMEM, "nomem", NULL, "out of memory");
    int rc = check_member(z, index, err);
    if (rc == 0 && (z->zf = zip_fopen_index(z->za, index, 0)) == NULL)
        rc = err_fail(err, ESPI_E_INPUT, "zip-corrupt", &(err_loc){z->name, 0, 0, NULL},
                      "the file cannot be opened: %s", zip_strerror(z->za));
    cookie_io_functions_t io = {cookie_read, NULL, NULL, cookie_close};
    if (rc == 0 && (z->stream = fopencookie(z, "r", io)) == NULL)
        rc = err_fail(err, ESPI_E_NOMEM, "nomem", NULL, "out of memory");
    return rc;
}

int zip_input_open_archive(zip_input **out, FILE *in, const unsigned char *head, size_t head_len,
                           const char *name, uint64_t max_member, espi_error *err)
{
    *out = NULL;
    zip_input *z = calloc(1, sizeof *z);
    if (z == NULL || (z->archive = strdup(name)) == NULL) {
        free(z);
        return err_fail(err, ESPI_E_NOMEM, "nomem", NULL, "out of memory");
    }
    z->max_member = max_member ? max_member : ZIP_INPUT_MAX_MEMBER;
    int rc = slurp(z, in, head, head_len, name, err);
    if (rc == 0)
        rc = open_archive(z, name, err);
    if (rc == 0)
        rc = find_members(z, name, err);
    if (rc != 0) {
        zip_input_close(z);
        return rc;
    }
    *out = z;
    return 0;
}

size_t zip_input_members(const zip_input *z)
{
    return z->nxml;
}

int zip_input_open(zip_input **out, FILE *in, const unsigned char *head, size_t head_len,
                   const char *name, espi_error *err)
{
    zip_input *z = NULL;
    int rc = zip_input_open_archive(&z, in, head, head_len, name, 0, err);
    if (rc == 0 && z->nxml > 1) {
        char members[400];
        list_members(z->za, zip_get_num_entries(z->za, 0), members, sizeof members);
        rc = err_fail(err, ESPI_E_INPUT, "zip-members", &(err_loc){name, 0, 0, NULL},
                      "the ZIP archive holds more than one .xml file; expected exactly one Green "
                      "Button file here (it holds: %s); espi convert reads each as an input",
                      members);
    }
    if (rc == 0)
        rc = zip_input_member(z, 0, err);
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
    return z->name ? z->name : z->archive;
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
    close_member(z);
    if (z->za)
        zip_discard(z->za); /* read-only: nothing to write back; frees the source */
    free(z->data);
    free(z->xml);
    free(z->archive);
    free(z);
}
