/* SPDX-License-Identifier: Apache-2.0 */
/* output.c - output files that appear whole or not at all: written to a
 * temporary file in the target folder, synced, then renamed over the
 * target. Output meant for stdout, a device or a FIFO goes through a
 * temporary file too, so it can be validated before a byte is written. */
#include "common/error.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Where the result goes on commit. */
typedef enum target_kind {
    TARGET_STREAM, /* a stream given to commit (stdout) */
    TARGET_FILE,   /* a regular file, replaced by rename */
    TARGET_SPECIAL /* a device or FIFO (/dev/null, a pipe): written to, never replaced */
} target_kind;

struct espi_output {
    target_kind kind;
    char *path;  /* the file to write; symbolic links resolved */
    char *shown; /* the path as given, for messages */
    char *temp;
    FILE *f;
    int slot; /* its pending slot, or -1 */
};

/* The temporary files open now and the output each stands for, copied where
 * a signal handler can read them without locks or allocation
 * (espi_output_remove_pending). Outputs open at once on several threads
 * each claim a slot: a slot's state moves only by atomic compare-exchange,
 *   FREE -> FILLING (espi_output_open claims it) -> SET (the file is made
 *   and its paths are in; FREE when it could not be made),
 *   SET -> FREE (commit or abort: the owner drops it),
 *   SET -> REMOVING -> REMOVED (espi_output_remove_pending, from a signal
 *   handler on any thread: the file is removed) -> FREE (the owner drops it),
 * so the handler reads only SET slots, whose paths nobody writes, and a
 * slot is never reused while the handler reads it. An output that finds
 * no free slot is refused (PENDING_MAX outputs open at once) rather than
 * left out of the list; a signal in the instant between mkstemp and SET
 * is the one time a temporary file can stay behind. */
#define PENDING_MAX ESPI_OUTPUT_MAX_OPEN
#define PENDING_PATH 4096
enum { SLOT_FREE, SLOT_FILLING, SLOT_SET, SLOT_REMOVING, SLOT_REMOVED };
typedef struct pending_slot {
    atomic_int state;
    char path[PENDING_PATH];
    char shown[PENDING_PATH];
} pending_slot;
static pending_slot pending[PENDING_MAX];

/* A signal handler may only use lock-free atomics. */
_Static_assert(ATOMIC_INT_LOCK_FREE == 2, "atomic int must be lock-free for signal handlers");

static int pending_claim(void)
{
    for (int i = 0; i < PENDING_MAX; i++) {
        int expected = SLOT_FREE;
        if (atomic_compare_exchange_strong(&pending[i].state, &expected, SLOT_FILLING))
            return i;
    }
    return -1;
}

/* Publishes the claimed slot: from here a signal handler removes temp. */
static void pending_fill(int i, const char *temp, const char *shown)
{
    str_lcpy(pending[i].path, temp, PENDING_PATH);
    str_lcpy(pending[i].shown, shown, PENDING_PATH);
    atomic_store(&pending[i].state, SLOT_SET);
}

/* Gives the slot back. When a handler on another thread is removing its
 * file right now, waits for it to finish (an unlink and a write) first. */
static void pending_drop(int i)
{
    if (i < 0)
        return;
    for (;;) {
        int state = atomic_load(&pending[i].state);
        if (state == SLOT_REMOVING) {
            sched_yield();
            continue;
        }
        if (atomic_compare_exchange_strong(&pending[i].state, &state, SLOT_FREE))
            return;
    }
}

static void write_text(int fd, const char *s)
{
    size_t n = strlen(s);
    while (n > 0) {
        ssize_t w = write(fd, s, n);
        if (w <= 0)
            return;
        s += w;
        n -= (size_t)w;
    }
}

void espi_output_remove_pending(int report_fd)
{
    for (int i = 0; i < PENDING_MAX; i++) {
        int expected = SLOT_SET;
        if (!atomic_compare_exchange_strong(&pending[i].state, &expected, SLOT_REMOVING))
            continue; /* free, being filled, or another handler has it */
        (void)unlink(pending[i].path);
        if (report_fd >= 0) {
            write_text(report_fd, pending[i].shown);
            write_text(report_fd, ": error: interrupted: nothing was written (the "
                                  "temporary file is removed)\n");
        }
        atomic_store(&pending[i].state, SLOT_REMOVED);
    }
}

static int io_fail(espi_error *err, const char *path, const char *what, int errnum)
{
    char reason[128];
    err_strerror(errnum, reason, sizeof reason);
    err_loc loc = {path, 0, 0, NULL};
    return err_fail(err, ESPI_E_IO, "io", &loc, "%s: %s", what, reason);
}

/* "dir/.name.XXXXXX" beside path, or "$TMPDIR/espi.XXXXXX" without one. */
static char *temp_template(const char *path)
{
    char *t;
    if (path == NULL) {
        const char *dir = getenv("TMPDIR");
        if (dir == NULL || dir[0] == '\0')
            dir = "/tmp";
        size_t n = strlen(dir) + sizeof "/espi.XXXXXX";
        if ((t = malloc(n)) != NULL)
            snprintf(t, n, "%s/espi.XXXXXX", dir);
        return t;
    }
    const char *slash = strrchr(path, '/');
    size_t dirlen = slash ? (size_t)(slash - path) + 1 : 0;
    const char *base = path + dirlen;
    size_t n = strlen(path) + sizeof "..XXXXXX";
    if ((t = malloc(n)) != NULL)
        snprintf(t, n, "%.*s.%s.XXXXXX", (int)dirlen, path, base);
    return t;
}

/* Decides how path is written. A symbolic link is followed, so the file it
 * names is replaced and the link kept; a device or FIFO is written to. */
static int classify(espi_output *o, const char *path, espi_error *err)
{
    struct stat st;
    o->kind = TARGET_FILE;
    if (lstat(path, &st) != 0) {
        if (errno != ENOENT)
            return io_fail(err, path, "cannot write the output", errno);
        o->path = strdup(path);
        return o->path ? 0 : err_fail(err, ESPI_E_NOMEM, "nomem", NULL, "out of memory");
    }
    if (S_ISLNK(st.st_mode)) {
        o->path = realpath(path, NULL);
        if (o->path == NULL || stat(o->path, &st) != 0)
            return io_fail(err, path, "cannot follow the symbolic link", errno);
    } else if ((o->path = strdup(path)) == NULL) {
        return err_fail(err, ESPI_E_NOMEM, "nomem", NULL, "out of memory");
    }
    if (S_ISDIR(st.st_mode))
        return io_fail(err, path, "cannot write the output", EISDIR);
    if (!S_ISREG(st.st_mode))
        o->kind = TARGET_SPECIAL;
    return 0;
}

static int make_temp(espi_output *o, espi_error *err)
{
    const char *shown = o->shown ? o->shown : "temporary file";
    o->temp = temp_template(o->kind == TARGET_FILE ? o->path : NULL);
    if (o->temp == NULL)
        return err_fail(err, ESPI_E_NOMEM, "nomem", NULL, "out of memory");
    if (strlen(o->temp) >= PENDING_PATH) {
        free(o->temp);
        o->temp = NULL;
        return io_fail(err, shown, "cannot create a temporary file", ENAMETOOLONG);
    }
    /* claimed before the file exists: a full table refuses the output, never a file */
    if ((o->slot = pending_claim()) < 0) {
        free(o->temp);
        o->temp = NULL;
        err_loc loc = {o->shown ? o->shown : "<stdout>", 0, 0, NULL};
        return err_fail(err, ESPI_E_LIMIT, "output-limit", &loc,
                        "cannot open another output: %d are open at once, the most whose "
                        "temporary files can be removed on a signal; commit or abort one first",
                        PENDING_MAX);
    }
    int fd = mkstemp(o->temp);
    if (fd < 0) {
        int e = errno;
        free(o->temp);
        o->temp = NULL;
        return io_fail(err, shown, "cannot create a temporary file", e);
    }
    pending_fill(o->slot, o->temp, o->shown ? o->shown : "<stdout>");
    o->f = fdopen(fd, "w+b");
    if (o->f == NULL) {
        int e = errno;
        close(fd);
        return io_fail(err, shown, "cannot open a temporary file", e);
    }
    return 0;
}

int espi_output_open(espi_output **out, const char *path, espi_error *err)
{
    *out = NULL;
    espi_output *o = calloc(1, sizeof *o);
    if (o != NULL)
        o->slot = -1;
    if (o == NULL || (path && (o->shown = strdup(path)) == NULL)) {
        espi_output_abort(o);
        return err_fail(err, ESPI_E_NOMEM, "nomem", NULL, "out of memory");
    }
    o->kind = TARGET_STREAM;
    int rc = path ? classify(o, path, err) : 0;
    if (rc == 0)
        rc = make_temp(o, err);
    if (rc != 0) {
        espi_output_abort(o);
        return rc;
    }
    *out = o;
    return 0;
}

FILE *espi_output_stream(espi_output *o)
{
    return o->f;
}

const char *espi_output_temp_path(const espi_output *o)
{
    return o->temp;
}

void espi_output_abort(espi_output *o)
{
    if (o == NULL)
        return;
    if (o->f)
        fclose(o->f);
    if (o->temp)
        unlink(o->temp);
    pending_drop(o->slot); /* after the unlink: a signal now finds nothing to remove */
    free(o->temp);
    free(o->path);
    free(o->shown);
    free(o);
}

/* The mode a new file would get from the process umask, read without
 * changing it (umask(2) cannot be queried without setting it). */
static mode_t new_file_mode(void)
{
    mode_t mask = 022;
    FILE *f = fopen("/proc/self/status", "r");
    if (f != NULL) {
        char line[256];
        while (fgets(line, sizeof line, f))
            if (strncmp(line, "Umask:", 6) == 0)
                mask = (mode_t)strtoul(line + 6, NULL, 8);
        fclose(f);
    }
    return (mode_t)0666 & ~mask;
}

/* An existing target keeps its permissions; a new one gets the umask's. */
static void set_mode(espi_output *o)
{
    struct stat st;
    mode_t mode = stat(o->path, &st) == 0 ? (st.st_mode & 07777) : new_file_mode();
    (void)fchmod(fileno(o->f), mode);
}

static int sync_dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    char dir[4096];
    if (slash == NULL)
        str_lcpy(dir, ".", sizeof dir);
    else if (slash == path)
        str_lcpy(dir, "/", sizeof dir);
    else
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
    int fd = open(dir, O_RDONLY);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

static int copy_to(espi_output *o, FILE *dest, const char *shown, espi_error *err)
{
    char buf[65536];
    size_t n;
    rewind(o->f);
    while ((n = fread(buf, 1, sizeof buf, o->f)) > 0)
        if (fwrite(buf, 1, n, dest) != n)
            return io_fail(err, shown, "cannot write the output", errno);
    if (ferror(o->f))
        return io_fail(err, o->temp, "cannot read back the temporary file", errno);
    if (fflush(dest) != 0)
        return io_fail(err, shown, "cannot write the output", errno);
    return 0;
}

/* A device or FIFO is opened only now, when the output is complete. */
static int copy_to_special(espi_output *o, espi_error *err)
{
    FILE *dest = fopen(o->path, "wb");
    if (dest == NULL)
        return io_fail(err, o->shown, "cannot write the output", errno);
    int rc = copy_to(o, dest, o->shown, err);
    if (fclose(dest) != 0 && rc == 0)
        rc = io_fail(err, o->shown, "cannot write the output", errno);
    return rc;
}

/* Syncs and closes the temporary file, then renames it over the target. */
static int replace_file(espi_output *o, espi_error *err)
{
    set_mode(o);
    int rc = 0;
    if (fsync(fileno(o->f)) != 0)
        rc = io_fail(err, o->shown, "cannot write the output", errno);
    if (fclose(o->f) != 0 && rc == 0)
        rc = io_fail(err, o->shown, "cannot write the output", errno);
    o->f = NULL;
    if (rc == 0 && rename(o->temp, o->path) != 0)
        rc = io_fail(err, o->shown, "cannot replace the output", errno);
    if (rc == 0) {
        pending_drop(o->slot); /* renamed: nothing to remove */
        o->slot = -1;
        free(o->temp);
        o->temp = NULL;
        (void)sync_dir_of(o->path);
    }
    return rc;
}

int espi_output_commit(espi_output *o, FILE *dest, espi_error *err)
{
    const char *shown = o->shown ? o->shown : "<stdout>";
    int rc = 0;
    if (fflush(o->f) != 0 || ferror(o->f))
        rc = io_fail(err, shown, "cannot write the output", errno);
    else if (o->kind == TARGET_STREAM)
        rc = copy_to(o, dest, shown, err);
    else if (o->kind == TARGET_SPECIAL)
        rc = copy_to_special(o, err);
    else
        rc = replace_file(o, err);
    espi_output_abort(o);
    return rc;
}
