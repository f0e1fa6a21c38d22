/* SPDX-License-Identifier: Apache-2.0 */
/* cmd_fetch.c - espi fetch: a member's data from a SmartHub portal's API
 * (espi fetch smarthub), or a Green Button file by URL (espi fetch url),
 * written as one Green Button feed through the converter, as espi convert
 * writes one. Secrets come from the environment, files or a prompt, never
 * from arguments, and are wiped once the fetch is done. */
#define _DEFAULT_SOURCE /* explicit_bzero */
#include "cli.h"

#include "espi.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

/* The longest secret read from a file or a prompt. */
#define SECRET_MAX 4096

typedef struct fetch_opts {
    const char *output;
    const char *url;
    const char *user;
    const char *password_file;
    const char *totp_secret_file;
    const char *totp_code;
    const char *account;
    const char *location;
    const char *start;
    const char *end;
    const char *time_frame;
    const char *tz;
    const char *save_raw;
    const char *update;
    const char *cacert;
    const char *bearer_token_file;
    const char *timeout;
    const char *budget;
    const char *poll_interval;
    const char *updated;
    bool bills;
    bool verbose;
    bool quiet;
} fetch_opts;

static const cli_option fetch_options[] = {
    {'o', "output", "FILE", CLI_STRING, offsetof(fetch_opts, output),
     "write the feed to FILE (a temporary file, then rename); default or - : stdout", NULL},
    {0, "url", "URL", CLI_STRING, offsetof(fetch_opts, url),
     "smarthub: the co-op's portal, https://NAME.smarthub.coop", NULL},
    {0, "user", "LOGIN", CLI_STRING, offsetof(fetch_opts, user),
     "smarthub: the login (e-mail or user name) of the portal", NULL},
    {0, "password-file", "FILE", CLI_STRING, offsetof(fetch_opts, password_file),
     "smarthub: read the password from the first line of FILE (- : stdin); default: "
     "$ESPI_SMARTHUB_PASSWORD, else a prompt on the terminal",
     NULL},
    {0, "totp-secret-file", "FILE", CLI_STRING, offsetof(fetch_opts, totp_secret_file),
     "smarthub: the account's MFA secret (base32, or an otpauth:// URI) in FILE, to make "
     "the codes",
     NULL},
    {0, "totp-code", "CODE", CLI_STRING, offsetof(fetch_opts, totp_code),
     "smarthub: an MFA code read from the authenticator (good for one login)", NULL},
    {0, "account", "N", CLI_STRING, offsetof(fetch_opts, account),
     "smarthub: the account number (default: the only active one)", NULL},
    {0, "location", "N", CLI_STRING, offsetof(fetch_opts, location),
     "smarthub: the service location number (default: the only active one)", NULL},
    {0, "start", "DATE", CLI_STRING, offsetof(fetch_opts, start),
     "smarthub: the first day, YYYY-MM-DD, in the co-op's zone (required but with --update)", NULL},
    {0, "end", "DATE", CLI_STRING, offsetof(fetch_opts, end),
     "smarthub: the last day, included (default: yesterday)", NULL},
    {0, "time-frame", "FRAME", CLI_STRING, offsetof(fetch_opts, time_frame),
     "smarthub: hourly (the meter's interval: 15 minutes where the co-op keeps it; the "
     "default), daily, or monthly (bills only)",
     NULL},
    {0, "bills", NULL, CLI_FLAG, offsetof(fetch_opts, bills),
     "smarthub: add the billing periods (MONTHLY) as UsageSummaries", NULL},
    {0, "update", "FILE", CLI_STRING, offsetof(fetch_opts, update),
     "smarthub: bring FILE, a feed espi fetch wrote, up to date: fetch from its last day minus "
     "2 and write it back (or to -o)",
     NULL},
    {0, "save-raw", "DIR", CLI_STRING, offsetof(fetch_opts, save_raw),
     "keep every answer as received in DIR (made if need be), named by window", NULL},
    {0, "tz", "ZONE", CLI_STRING, offsetof(fetch_opts, tz),
     "the co-op's time zone, IANA or POSIX TZ (default America/Los_Angeles)", NULL},
    {0, "bearer-token-file", "FILE", CLI_STRING, offsetof(fetch_opts, bearer_token_file),
     "url: send the OAuth access token in FILE as Authorization: Bearer", NULL},
    {0, "cacert", "FILE", CLI_STRING, offsetof(fetch_opts, cacert),
     "trust the CA certificate(s) in FILE (PEM) instead of the system's", NULL},
    {0, "timeout", "SECONDS", CLI_STRING, offsetof(fetch_opts, timeout),
     "the longest one request may take (default 120)", NULL},
    {0, "budget", "SECONDS", CLI_STRING, offsetof(fetch_opts, budget),
     "smarthub: the longest a window may wait for PENDING and Retry-After (default 60)", NULL},
    {0, "poll-interval", "SECONDS", CLI_STRING, offsetof(fetch_opts, poll_interval),
     "smarthub: the wait between polls while the answer is PENDING (default 2)", NULL},
    {0, "updated", "TIME", CLI_STRING, offsetof(fetch_opts, updated),
     "Atom published/updated: 2026-11-28T10:00:00Z, epoch seconds or 'now' (as espi convert)",
     NULL},
    {'v', "verbose", NULL, CLI_FLAG, offsetof(fetch_opts, verbose),
     "print each request (method, path, status, time) and each wait", NULL},
    {'q', "quiet", NULL, CLI_FLAG, offsetof(fetch_opts, quiet), "print no progress and no warning",
     NULL},
};

/* ------------------------------------------------------------------ */
/* Secrets                                                             */
/* ------------------------------------------------------------------ */

/* A secret read from somewhere: wiped and freed by secret_free. */
typedef struct secret {
    char *text;
} secret;

static void wipe(void *p, size_t n)
{
    if (p != NULL)
        explicit_bzero(p, n);
}

static void secret_free(secret *s)
{
    if (s->text != NULL) {
        wipe(s->text, strlen(s->text));
        free(s->text);
    }
    s->text = NULL;
}

/* The first line of buf (NUL-terminated), without its line end, as the
 * secret. */
static int secret_take(secret *s, char *buf)
{
    buf[strcspn(buf, "\r\n")] = '\0';
    s->text = strdup(buf);
    return s->text ? CLI_OK : CLI_IO;
}

static void warn_readable(const cli_io *io, const char *path, int fd, bool quiet)
{
    struct stat st;
    if (!quiet && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 077) != 0)
        fprintf(io->err,
                "%s: warning: secret-file-mode: others may read this file (mode %03o): "
                "chmod 600 it\n",
                path, (unsigned)(st.st_mode & 0777));
}

/* The first line of a file (- : stdin). */
static int read_secret_file(const cli_io *io, const char *path, const char *what, bool quiet,
                            secret *s)
{
    bool use_stdin = strcmp(path, "-") == 0;
    int fd = use_stdin ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        fprintf(io->err, "%s: error: io: cannot open the %s file: %s\n", path, what,
                strerror(errno));
        return CLI_IO;
    }
    if (!use_stdin)
        warn_readable(io, path, fd, quiet);
    char buf[SECRET_MAX + 1];
    size_t n = 0;
    int failed = 0;
    for (;;) {
        ssize_t got = n < SECRET_MAX ? read(fd, buf + n, SECRET_MAX - n) : 0;
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            failed = errno;
        if (got <= 0)
            break;
        n += (size_t)got;
    }
    if (!use_stdin)
        close(fd);
    buf[n] = '\0';
    int code;
    if (failed) {
        fprintf(io->err, "%s: error: io: cannot read the %s file: %s\n", path, what,
                strerror(failed));
        code = CLI_IO;
    } else if (strcspn(buf, "\r\n") == 0) {
        fprintf(io->err, "%s: error: secret-empty: the %s file is empty\n", path, what);
        code = CLI_INVALID_INPUT;
    } else {
        code = secret_take(s, buf);
    }
    wipe(buf, sizeof buf);
    return code;
}

/* Exit code of a prompt cancelled with Ctrl-C (as for SIGINT). */
#define CLI_CANCELLED 130

/* A line typed on the terminal without echo. Signals from the keyboard are
 * off while it is read, so that the echo is always turned back on: a
 * Ctrl-C arrives as a byte, and cancels. */
static int prompt_secret(const cli_io *io, const char *prompt, secret *s)
{
    int fd = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
    struct termios saved, quiet;
    if (fd < 0 || !isatty(fd) || tcgetattr(fd, &saved) != 0) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    quiet = saved;
    quiet.c_lflag &= (tcflag_t) ~(ECHO | ECHONL | ISIG);
    quiet.c_lflag |= ICANON;
    (void)!write(fd, prompt, strlen(prompt));
    tcsetattr(fd, TCSAFLUSH, &quiet);
    char buf[SECRET_MAX + 1];
    ssize_t got;
    do
        got = read(fd, buf, SECRET_MAX);
    while (got < 0 && errno == EINTR);
    tcsetattr(fd, TCSAFLUSH, &saved);
    (void)!write(fd, "\n", 1);
    close(fd);
    buf[got > 0 ? got : 0] = '\0';
    bool cancelled = got > 0 && memchr(buf, saved.c_cc[VINTR], (size_t)got) != NULL;
    int code = cancelled ? CLI_CANCELLED : got > 0 ? secret_take(s, buf) : CLI_IO;
    wipe(buf, sizeof buf);
    if (code == CLI_CANCELLED)
        fprintf(io->err, "espi fetch: cancelled\n");
    else if (code != CLI_OK)
        fprintf(io->err, "espi fetch: error: no password was typed\n");
    return code;
}

/* The password: --password-file, else $ESPI_SMARTHUB_PASSWORD (wiped from
 * the environment once copied), else a prompt on the terminal. */
static int read_password(const cli_io *io, const fetch_opts *o, secret *s)
{
    if (o->password_file)
        return read_secret_file(io, o->password_file, "password", o->quiet, s);
    char *env = getenv("ESPI_SMARTHUB_PASSWORD");
    if (env != NULL && env[0] != '\0') {
        s->text = strdup(env);
        wipe(env, strlen(env));
        unsetenv("ESPI_SMARTHUB_PASSWORD");
        return s->text ? CLI_OK : CLI_IO;
    }
    char prompt[300];
    snprintf(prompt, sizeof prompt, "SmartHub password for %s: ", o->user);
    int code = prompt_secret(io, prompt, s);
    if (code >= 0)
        return code;
    fprintf(io->err, "espi fetch: error: no password: set ESPI_SMARTHUB_PASSWORD, give "
                     "--password-file FILE, or run espi on a terminal to be asked for it\n");
    return CLI_USAGE;
}

/* No core dump can hold a secret, and no other process of the user can read
 * this one's memory. */
static void protect_memory(void)
{
    struct rlimit none = {0, 0};
    setrlimit(RLIMIT_CORE, &none);
#ifdef __linux__
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
#endif
}

/* ------------------------------------------------------------------ */
/* What is printed                                                     */
/* ------------------------------------------------------------------ */

typedef struct reporter {
    const cli_io *io;
    bool quiet, verbose;
    bool terminal;  /* stderr is a terminal: progress lines */
    bool update;    /* merge-conflict warnings are SmartHub's revisions, expected */
    bool revisions; /* SmartHub revised readings since the feed was written */
} reporter;

static void print_diag(const espi_diag *d, void *ctx)
{
    reporter *r = ctx;
    if (r->update && d->code && strcmp(d->code, "merge-conflict") == 0) {
        r->revisions = true;
        return;
    }
    if (r->quiet && d->severity != ESPI_SEV_ERROR)
        return;
    char line[1400];
    espi_diag_format(line, sizeof line, d);
    fprintf(r->io->err, "%s\n", line);
}

/* "2,880" */
static void with_commas(char out[32], size_t n)
{
    char digits[24];
    int len = snprintf(digits, sizeof digits, "%zu", n);
    size_t k = 0;
    for (int i = 0; i < len; i++) {
        if (i > 0 && (len - i) % 3 == 0)
            out[k++] = ',';
        out[k++] = digits[i];
    }
    out[k] = '\0';
}

static void on_event(const espi_fetch_event *ev, void *ctx)
{
    reporter *r = ctx;
    FILE *err = r->io->err;
    if (ev->kind == ESPI_FETCH_HTTP && r->verbose) {
        if (ev->status)
            fprintf(err, "espi: %s %s -> %ld (%.3f s)\n", ev->method, ev->path, ev->status,
                    ev->seconds);
        else
            fprintf(err, "espi: %s %s -> no answer (%.3f s)\n", ev->method, ev->path, ev->seconds);
    } else if (ev->kind == ESPI_FETCH_WAIT && r->verbose) {
        fprintf(err, "espi: %s: %s, asking again in %.3g s\n", ev->window, ev->reason, ev->seconds);
    } else if (ev->kind == ESPI_FETCH_LOGIN && r->verbose) {
        fprintf(err, "espi: logged in%s%s\n", ev->reason ? " again: " : "",
                ev->reason ? ev->reason : "");
    } else if (ev->kind == ESPI_FETCH_WINDOW && (r->verbose || (r->terminal && !r->quiet))) {
        char count[32];
        with_commas(count, ev->readings);
        fprintf(err, "%s: %s reading%s\n", ev->window, count, ev->readings == 1 ? "" : "s");
    }
}

/* ------------------------------------------------------------------ */
/* --save-raw                                                          */
/* ------------------------------------------------------------------ */

typedef struct raw_dir {
    const char *dir;
} raw_dir;

/* Each answer as its own file in the folder, whole or not at all. */
static int save_raw(const char *name, const void *body, size_t size, espi_error *err, void *ctx)
{
    raw_dir *r = ctx;
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", r->dir, name);
    espi_output *out = NULL;
    int rc = espi_output_open(&out, path, err);
    if (rc == 0) /* a short write leaves the stream in error, which commit reports */
        (void)!fwrite(body, 1, size, espi_output_stream(out));
    if (rc == 0)
        rc = espi_output_commit(out, NULL, err);
    return rc;
}

static int make_raw_dir(const cli_io *io, const char *dir)
{
    struct stat st;
    if (mkdir(dir, 0700) == 0 || (errno == EEXIST && stat(dir, &st) == 0 && S_ISDIR(st.st_mode)))
        return CLI_OK;
    fprintf(io->err, "%s: error: io: cannot make the --save-raw folder: %s\n", dir,
            strerror(errno == EEXIST ? ENOTDIR : errno));
    return CLI_IO;
}

/* ------------------------------------------------------------------ */
/* Options                                                             */
/* ------------------------------------------------------------------ */

typedef struct frame_word {
    const char *word;
    espi_time_frame frame;
} frame_word;

static const frame_word frame_words[] = {{"hourly", ESPI_TIME_FRAME_HOURLY},
                                         {"daily", ESPI_TIME_FRAME_DAILY},
                                         {"monthly", ESPI_TIME_FRAME_MONTHLY}};

static int parse_frame(const cli_io *io, const char *text, espi_time_frame *out)
{
    *out = ESPI_TIME_FRAME_AUTO;
    for (size_t i = 0; text && i < sizeof frame_words / sizeof frame_words[0]; i++)
        if (strcmp(frame_words[i].word, text) == 0) {
            *out = frame_words[i].frame;
            return CLI_OK;
        }
    if (text == NULL)
        return CLI_OK;
    return cli_usage(io, "fetch", "--time-frame '%s': expected hourly, daily or monthly", text);
}

/* SECONDS (a decimal number) into milliseconds; unchanged when not given. */
static int parse_seconds(const cli_io *io, const char *name, const char *text, bool zero_ok,
                         long *ms)
{
    if (text == NULL)
        return CLI_OK;
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (end == text || *end != '\0' || errno != 0 || !isfinite(v) || v < 0 || v > 86400 ||
        (!zero_ok && v == 0))
        return cli_usage(io, "fetch", "--%s '%s': expected a number of seconds%s up to 86400", name,
                         text, zero_ok ? "" : " above 0");
    *ms = (long)(v * 1000 + 0.5);
    if (*ms == 0 && !zero_ok)
        *ms = 1;
    return CLI_OK;
}

static int fetch_options_of(const cli_io *io, const fetch_opts *o, espi_fetch_options *fo)
{
    espi_fetch_options_init(fo);
    fo->cacert = o->cacert;
    int code = parse_seconds(io, "timeout", o->timeout, false, &fo->timeout_ms);
    if (code == CLI_OK)
        code = parse_seconds(io, "budget", o->budget, true, &fo->budget_ms);
    if (code == CLI_OK)
        code = parse_seconds(io, "poll-interval", o->poll_interval, true, &fo->poll_interval_ms);
    if (fo->connect_timeout_ms > fo->timeout_ms)
        fo->connect_timeout_ms = fo->timeout_ms;
    return code;
}

/* Options of the other source are a usage error, not silently ignored. */
typedef struct source_rule {
    const char *source;
    const char *option;
    size_t offset;
} source_rule;

static const source_rule only_for[] = {
    {"smarthub", "url", offsetof(fetch_opts, url)},
    {"smarthub", "user", offsetof(fetch_opts, user)},
    {"smarthub", "password-file", offsetof(fetch_opts, password_file)},
    {"smarthub", "totp-secret-file", offsetof(fetch_opts, totp_secret_file)},
    {"smarthub", "totp-code", offsetof(fetch_opts, totp_code)},
    {"smarthub", "account", offsetof(fetch_opts, account)},
    {"smarthub", "location", offsetof(fetch_opts, location)},
    {"smarthub", "start", offsetof(fetch_opts, start)},
    {"smarthub", "end", offsetof(fetch_opts, end)},
    {"smarthub", "time-frame", offsetof(fetch_opts, time_frame)},
    {"smarthub", "update", offsetof(fetch_opts, update)},
    {"smarthub", "budget", offsetof(fetch_opts, budget)},
    {"smarthub", "poll-interval", offsetof(fetch_opts, poll_interval)},
    {"url", "bearer-token-file", offsetof(fetch_opts, bearer_token_file)},
};

static int check_source_options(const cli_io *io, const fetch_opts *o, const char *source)
{
    const char *base = (const char *)o;
    for (size_t i = 0; i < sizeof only_for / sizeof only_for[0]; i++) {
        const char *value;
        memcpy(&value, base + only_for[i].offset, sizeof value);
        if (value != NULL && strcmp(only_for[i].source, source) != 0)
            return cli_usage(io, "fetch", "--%s is an option of 'espi fetch %s'",
                             only_for[i].option, only_for[i].source);
    }
    if (o->bills && strcmp(source, "smarthub") != 0)
        return cli_usage(io, "fetch", "--bills is an option of 'espi fetch smarthub'");
    return CLI_OK;
}

static int check_smarthub_usage(const cli_io *io, const fetch_opts *o)
{
    if (o->url == NULL)
        return cli_usage(io, "fetch",
                         "no --url: give the co-op's portal, "
                         "https://NAME.smarthub.coop");
    if (o->user == NULL)
        return cli_usage(io, "fetch", "no --user: give the portal's login");
    if (o->start == NULL && o->update == NULL)
        return cli_usage(io, "fetch", "no --start DATE (YYYY-MM-DD), and no --update FILE");
    if (o->start != NULL && o->update != NULL)
        return cli_usage(io, "fetch",
                         "--start and --update: an update starts where the feed "
                         "ends; give one of them");
    if (o->totp_secret_file && o->totp_code)
        return cli_usage(io, "fetch", "--totp-secret-file and --totp-code: give one of them");
    if (o->password_file && o->totp_secret_file && strcmp(o->password_file, "-") == 0 &&
        strcmp(o->totp_secret_file, "-") == 0)
        return cli_usage(io, "fetch", "stdin (-) can hold one secret only");
    return CLI_OK;
}

/* ------------------------------------------------------------------ */
/* The feed                                                            */
/* ------------------------------------------------------------------ */

static const char *plural(size_t n)
{
    return n == 1 ? "" : "s";
}

static void print_summary(const reporter *rep, const char *path, const espi_feed *feed)
{
    espi_feed_stats st;
    espi_feed_stats_get(&st, feed);
    char bills[64] = "";
    if (st.summaries > 0)
        snprintf(bills, sizeof bills, ", %zu summar%s", st.summaries,
                 st.summaries == 1 ? "y" : "ies");
    fprintf(rep->io->err, "espi: wrote %s: %zu usage point%s, %zu channel%s, %zu reading%s%s\n",
            path ? path : "<stdout>", st.usage_points, plural(st.usage_points), st.channels,
            plural(st.channels), st.readings, plural(st.readings), bills);
    if (rep->revisions)
        fprintf(rep->io->err, "espi: SmartHub revised readings since the last download: its new "
                              "values are kept\n");
}

/* Writes the feed as espi convert does (checked against the schemas) and
 * says what was written. */
static int write_feed(const cli_io *io, const char *path, const espi_feed *feed,
                      const espi_write_options *wo, reporter *rep)
{
    cli_check check = {true, rep->quiet, print_diag, rep, 0, 0, "the download"};
    int rc = cli_write_feed_checked(io, path, feed, wo, &check);
    /* CLI_INVALID_INPUT: written, with findings that remain; say so all the same */
    if (rc != CLI_OK && rc != CLI_INVALID_INPUT)
        return rc;
    if ((rep->terminal && !rep->quiet) || rc != CLI_OK)
        print_summary(rep, path, feed);
    return rc;
}

/* The Atom time, as espi convert has it: --updated, else SOURCE_DATE_EPOCH,
 * else (ESPI_TIME_UNSET) the end of the newest reading. */
static int resolve_updated(const cli_io *io, const char *text, int64_t *out)
{
    *out = ESPI_TIME_UNSET;
    if (text != NULL && strcmp(text, "now") == 0) {
        *out = (int64_t)time(NULL);
        return CLI_OK;
    }
    if (text != NULL && espi_time_parse(out, text) != 0)
        return cli_usage(io, "fetch",
                         "--updated '%s' is not a time: expected 2026-11-28T10:00:00Z, epoch "
                         "seconds or 'now'",
                         text);
    const char *sde = getenv("SOURCE_DATE_EPOCH");
    if (text == NULL && sde != NULL && sde[0] != '\0' && espi_time_parse(out, sde) != 0)
        return cli_usage(io, "fetch", "SOURCE_DATE_EPOCH='%s' is not a number of seconds", sde);
    return CLI_OK;
}

/* Everything a fetch holds, freed (and wiped) at one place. */
typedef struct fetch_run {
    const cli_io *io;
    const fetch_opts *o;
    espi_tz *tz;
    espi_converter *conv;
    espi_feed *feed;
    secret password, totp, bearer;
    espi_fetch_options fo;
    espi_write_options wo;
    reporter rep;
    raw_dir raw;
} fetch_run;

static void run_free(fetch_run *r)
{
    espi_feed_free(r->feed);
    espi_converter_free(r->conv);
    espi_tz_free(r->tz);
    secret_free(&r->password);
    secret_free(&r->totp);
    secret_free(&r->bearer);
}

/* The zone, the converter, the fetch options and the callbacks. */
static int prepare(fetch_run *r)
{
    const fetch_opts *o = r->o;
    espi_error err;
    if (espi_tz_load(&r->tz, o->tz ? o->tz : "America/Los_Angeles", &err) != 0)
        return cli_usage(r->io, "fetch", "--tz: %s", err.message);
    int code = fetch_options_of(r->io, o, &r->fo);
    espi_write_options_init(&r->wo);
    if (code == CLI_OK)
        code = resolve_updated(r->io, o->updated, &r->wo.updated);
    if (code != CLI_OK)
        return code;
    r->rep = (reporter){
        r->io, o->quiet, o->verbose, isatty(fileno(r->io->err)) == 1, o->update != NULL, false};
    r->fo.on_event = on_event;
    r->fo.event_ctx = &r->rep;
    r->fo.on_diag = print_diag;
    r->fo.diag_ctx = &r->rep;
    if (o->save_raw) {
        code = make_raw_dir(r->io, o->save_raw);
        r->raw = (raw_dir){o->save_raw};
        r->fo.on_body = save_raw;
        r->fo.body_ctx = &r->raw;
    }
    espi_convert_options co;
    espi_convert_options_init(&co);
    co.tz = r->tz;
    co.tz_explicit = o->tz != NULL;
    co.on_diag = print_diag;
    co.diag_ctx = &r->rep;
    if (code == CLI_OK && espi_converter_new(&r->conv, &co, &err) != 0) {
        cli_print_error(r->io, &err);
        code = cli_exit_code(err.status);
    }
    return code;
}

static int finish(fetch_run *r, int rc, espi_error *err, const char *output)
{
    if (rc == 0)
        rc = espi_converter_finish(r->conv, &r->feed, err);
    if (rc != 0) {
        cli_print_error(r->io, err);
        return cli_exit_code(rc);
    }
    return write_feed(r->io, output, r->feed, &r->wo, &r->rep);
}

static int smarthub_update(fetch_run *r, const espi_smarthub_query *q, espi_error *err)
{
    FILE *in = fopen(r->o->update, "rb");
    if (in == NULL) {
        fprintf(r->io->err, "%s: error: io: cannot open the feed to update: %s\n", r->o->update,
                strerror(errno));
        return CLI_IO;
    }
    int rc = espi_fetch_smarthub_update(r->conv, in, r->o->update, q, &r->fo, err);
    fclose(in);
    return rc;
}

/* A query the library refuses before anything is sent is a usage error. */
/* A URL or query refused before anything is sent: the user's to put
 * right (exit 2), unless libcurl itself cannot be loaded (exit 3). */
static int refused_usage(const cli_io *io, const espi_error *err)
{
    cli_print_error(io, err);
    if (err->status == ESPI_E_IO)
        return cli_exit_code(err->status);
    fprintf(io->err, "Try 'espi fetch --help'.\n");
    return CLI_USAGE;
}

static void fill_query(espi_smarthub_query *q, const fetch_run *r)
{
    const fetch_opts *o = r->o;
    q->url = o->url;
    q->user = o->user;
    q->password = r->password.text;
    q->totp_secret = r->totp.text;
    q->totp_code = o->totp_code;
    q->account = o->account;
    q->location = o->location;
    q->tz = r->tz;
    q->start = o->start;
    q->end = o->end;
    q->bills = o->bills;
}

static int fetch_smarthub(fetch_run *r)
{
    const fetch_opts *o = r->o;
    espi_smarthub_query q;
    espi_smarthub_query_init(&q);
    espi_error err;
    int code = check_smarthub_usage(r->io, o);
    if (code == CLI_OK)
        code = parse_frame(r->io, o->time_frame, &q.time_frame);
    if (code == CLI_OK)
        code = prepare(r);
    if (code == CLI_OK && o->totp_secret_file)
        code = read_secret_file(r->io, o->totp_secret_file, "TOTP secret", o->quiet, &r->totp);
    fill_query(&q, r);
    if (code == CLI_OK && espi_smarthub_query_check(&q, &err) != 0)
        code = refused_usage(r->io, &err);
    if (code == CLI_OK)
        code = read_password(r->io, o, &r->password);
    if (code != CLI_OK)
        return code;
    q.password = r->password.text;
    int rc =
        o->update ? smarthub_update(r, &q, &err) : espi_fetch_smarthub(r->conv, &q, &r->fo, &err);
    if (rc == CLI_IO && o->update) /* the feed could not be opened: said */
        return CLI_IO;
    secret_free(&r->password); /* no longer needed: gone before the feed is written */
    secret_free(&r->totp);
    const char *output = o->output ? o->output : o->update;
    if (o->output && strcmp(o->output, "-") == 0)
        output = NULL;
    return finish(r, rc, &err, output);
}

static int fetch_url(fetch_run *r, const char *url)
{
    const fetch_opts *o = r->o;
    espi_error err;
    if (espi_fetch_url_check(url, &err) != 0)
        return refused_usage(r->io, &err);
    int code = prepare(r);
    if (code == CLI_OK && o->bearer_token_file)
        code = read_secret_file(r->io, o->bearer_token_file, "access token", o->quiet, &r->bearer);
    if (code != CLI_OK)
        return code;
    int rc = espi_fetch_url(r->conv, url, r->bearer.text, &r->fo, &err);
    secret_free(&r->bearer);
    const char *output = o->output && strcmp(o->output, "-") != 0 ? o->output : NULL;
    return finish(r, rc, &err, output);
}

static int dispatch(const cli_io *io, const fetch_opts *o, char **pos, int npos)
{
    if (npos == 0)
        return cli_usage(io, "fetch",
                         "what to fetch? 'espi fetch smarthub ...' or "
                         "'espi fetch url URL ...'");
    bool smarthub = strcmp(pos[0], "smarthub") == 0, url = strcmp(pos[0], "url") == 0;
    if (!smarthub && !url)
        return cli_usage(io, "fetch", "unknown source '%s': expected smarthub or url", pos[0]);
    if (npos != (smarthub ? 1 : 2))
        return cli_usage(io, "fetch",
                         smarthub ? "'espi fetch smarthub' takes no argument"
                                  : "'espi fetch url' takes one URL");
    int code = check_source_options(io, o, pos[0]);
    if (code != CLI_OK)
        return code;
    protect_memory();
    fetch_run r;
    memset(&r, 0, sizeof r);
    r.io = io;
    r.o = o;
    code = smarthub ? fetch_smarthub(&r) : fetch_url(&r, pos[1]);
    run_free(&r);
    return code;
}

static int run_fetch(const cli_io *io, int argc, char **argv)
{
    fetch_opts o;
    memset(&o, 0, sizeof o);
    char **pos = calloc((size_t)argc + 1, sizeof *pos);
    if (pos == NULL)
        return CLI_IO;
    int npos = 0;
    int code = cli_parse(io, &cli_fetch_command, &o, argc, argv, pos, &npos);
    if (code < 0)
        code = CLI_OK; /* --help */
    else if (code == CLI_OK)
        code = dispatch(io, &o, pos, npos);
    free(pos);
    return code;
}

static const cli_example fetch_examples[] = {
    {"15-minute usage of March, from the co-op's portal, into a Green Button file (the "
     "password is asked for)",
     "espi fetch smarthub --url https://cec.smarthub.coop --user pat@example.com --start "
     "2026-03-01 --end 2026-03-31 -o march.xml"},
    {"the same with MFA and the bills, keeping every answer as received",
     "espi fetch smarthub --url https://cec.smarthub.coop --user pat@example.com "
     "--totp-secret-file ~/.config/espi/totp --start 2026-01-01 --bills --save-raw raw/ -o "
     "home.xml"},
    {"bring home.xml up to yesterday, each night (the password from a file)",
     "espi fetch smarthub --url https://cec.smarthub.coop --user pat@example.com "
     "--password-file ~/.config/espi/password --update home.xml"},
    {"a Green Button Connect My Data subscription, with an access token",
     "espi fetch url https://api.example-utility.com/espi/1_1/resource/Batch/Subscription/42 "
     "--bearer-token-file token.txt -o utility.xml"},
};

const cli_command cli_fetch_command = {
    .name = "fetch",
    .usage = "smarthub --url URL --user LOGIN [OPTIONS] | url URL [OPTIONS]",
    .summary = "Download a member's data from a SmartHub portal, or a Green Button file by URL, "
               "into one Green Button (ESPI) feed.",
    .details =
        "Two sources:\n"
        "  smarthub  logs in to the co-op's SmartHub portal (--url, --user; the password from\n"
        "            $ESPI_SMARTHUB_PASSWORD, --password-file or a prompt, never an argument;\n"
        "            MFA codes from --totp-secret-file or --totp-code), finds the account and\n"
        "            service location in user-data (or takes --account and --location), and\n"
        "            polls the usage of --start to --end (local days of --tz, both included)\n"
        "            in windows of at most 30 days, asking again every 2 s while SmartHub\n"
        "            answers PENDING, up to --budget. An expired token is renewed by logging in\n"
        "            again once; a refused login is never tried again, since portals lock an\n"
        "            account after a few failed logins.\n"
        "  url       fetches a Green Button file (a Download My Data link, or a Connect My Data\n"
        "            resource such as Batch/Subscription/ID with --bearer-token-file), follows\n"
        "            its rel=\"next\" links when it is paged, and repairs it as espi convert does\n"
        "            a Green Button file (--from espi).\n"
        "What is fetched goes through the converter, so the feed is what espi convert makes of\n"
        "the same answers: with --save-raw DIR, 'espi convert --tz ZONE DIR/*.json' gives the\n"
        "same bytes. URLs must be https:// (http:// only to a loopback address); certificates\n"
        "are always verified; proxies come from https_proxy, HTTPS_PROXY, ALL_PROXY and\n"
        "NO_PROXY. On a terminal each window gets a line ('2026-03-01..2026-03-30: 2,880\n"
        "readings'); otherwise only warnings and errors are printed. --verbose shows methods,\n"
        "paths, statuses and times, never a secret. No output file is left behind on failure.\n",
    .exit_status = "0 written; 1 invalid input (a refused login, MFA code or window, an answer "
                   "with no reading, data the converter refuses), or written with errors that "
                   "remain (listed, one line per rule); 2 usage error (an option, "
                   "several service locations to choose from); 3 I/O or network error (no "
                   "answer in time, a refused connection, a TLS failure, a web page or an HTTP "
                   "error from the portal, PENDING past the budget, a file that cannot be "
                   "written).\n",
    .options = fetch_options,
    .noptions = sizeof fetch_options / sizeof fetch_options[0],
    .examples = fetch_examples,
    .nexamples = sizeof fetch_examples / sizeof fetch_examples[0],
    .run = run_fetch,
};
