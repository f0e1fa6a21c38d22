/* SPDX-License-Identifier: Apache-2.0 */
/* man.c - the man pages espi(1) and espi-COMMAND(1), in roff with the man(7)
 * macros, written from the command and option tables that drive --help, so
 * that the two cannot say different things. */
#include "cli.h"

#include "espi.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The environment variables espi reads, and the commands that read them. */
typedef struct env_doc {
    const char *name;
    const char *commands; /* space-separated */
    const char *text;
} env_doc;

static const env_doc env_docs[] = {
    {"SOURCE_DATE_EPOCH", "convert fetch",
     "Seconds since 1970: the Atom published and updated times of the feed when --updated is "
     "not given, for reproducible output (without it they are the end of the newest reading). "
     "A value that is not a number is a usage error."},
    {"TZDIR", "convert dump summary fetch",
     "The folder of the compiled IANA time zone files that --tz names are read from (default "
     "/usr/share/zoneinfo)."},
    {"TMPDIR", "convert validate dump fetch",
     "Where the feed is written and checked before it goes to standard output (default /tmp); "
     "with -o the temporary file is created beside the output file instead. With -j, where "
     "each worker holds what it writes to standard output until its turn."},
    {"TERM", "convert validate dump",
     "With -j and stderr a terminal, a progress line is shown there unless TERM is dumb."},
    {"ESPI_SMARTHUB_PASSWORD", "fetch",
     "The SmartHub password, when --password-file is not given (else espi asks for it on the "
     "terminal). espi removes it from its environment once read."},
    {"https_proxy", "fetch",
     "Also HTTPS_PROXY, http_proxy, ALL_PROXY and NO_PROXY: the proxy libcurl uses, as "
     "curl(1) reads them. A loopback address is never proxied."},
};

static const char signals_text[] =
    "Interrupted by SIGINT, SIGTERM or SIGHUP, espi removes its temporary files and dies of the\n"
    "signal, so the shell sees 128 plus the signal number (130, 143, 129).\n";

typedef struct roff_escape {
    char c;
    const char *roff;
} roff_escape;

/* Characters that do not stand for themselves in roff text. Every hyphen
 * becomes \- so that options can be copied from the rendered page. */
static const roff_escape escapes[] = {{'\\', "\\e"}, {'-', "\\-"}};

static void put_char(FILE *out, char c)
{
    for (size_t i = 0; i < sizeof escapes / sizeof escapes[0]; i++)
        if (escapes[i].c == c) {
            fputs(escapes[i].roff, out);
            return;
        }
    fputc(c, out);
}

/* n bytes of text for a roff text line; a '.' or '\'' that would start the
 * line (a request) is protected with \&. */
static void put_text(FILE *out, const char *text, size_t n, bool line_start)
{
    if (n > 0 && line_start && (text[0] == '.' || text[0] == '\''))
        fputs("\\&", out);
    for (size_t i = 0; i < n; i++)
        put_char(out, text[i]);
}

/* The bytes c takes in roff. */
static size_t escaped_width(const char *text, size_t n)
{
    size_t width = 0;
    for (size_t i = 0; i < n; i++) {
        size_t w = 1;
        for (size_t e = 0; e < sizeof escapes / sizeof escapes[0]; e++)
            if (escapes[e].c == text[i])
                w = strlen(escapes[e].roff);
        width += w;
    }
    return width;
}

/* n bytes of prose as roff text lines, broken at spaces so that no line is
 * longer than 80 bytes (as mandoc -Tlint asks), and the last one ended. */
static void put_words(FILE *out, const char *text, size_t n)
{
    size_t col = 0;
    for (size_t i = 0; i < n;) {
        size_t len = 0;
        while (i + len < n && text[i + len] != ' ')
            len++;
        size_t width = escaped_width(text + i, len) + 2; /* room for a \& */
        if (len > 0 && col > 0 && col + 1 + width > 80) {
            fputc('\n', out);
            col = 0;
        } else if (len > 0 && col > 0) {
            fputc(' ', out);
            col++;
        }
        put_text(out, text + i, len, col == 0);
        col += width;
        i += len + (i + len < n);
    }
    fputc('\n', out);
}

static void put_line(FILE *out, const char *text)
{
    put_words(out, text, strlen(text));
}

/* A usage string ("[OPTIONS] FILE...") with its placeholders in italics. */
static void put_usage(FILE *out, const char *usage)
{
    for (const char *p = usage; *p;) {
        size_t caps = 0;
        while (isupper((unsigned char)p[caps]))
            caps++;
        if (caps == 0) {
            put_char(out, *p++);
            continue;
        }
        fputs("\\fI", out);
        put_text(out, p, caps, false);
        fputs("\\fR", out);
        p += caps;
    }
    fputc('\n', out);
}

static size_t leading_spaces(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n && s[i] == ' ')
        i++;
    return i;
}

/* The state of a run of prose: whether a paragraph has begun (so that no
 * empty one is started) and whether a list item is open. */
typedef struct prose {
    bool started;
    bool in_list;
} prose;

static void paragraph(FILE *out, prose *st)
{
    if (st->started)
        fputs(".PP\n", out);
    st->started = false;
    st->in_list = false;
}

/* "  term   text": a tagged paragraph. */
static void list_item(FILE *out, const char *line, size_t len, prose *st)
{
    size_t term = 2;
    while (term < len && line[term] != ' ')
        term++;
    fputs(".TP\n\\fB", out);
    put_text(out, line + 2, term - 2, false);
    fputs("\\fR\n", out);
    size_t rest = term + leading_spaces(line + term, len - term);
    put_words(out, line + rest, len - rest);
    st->started = true;
    st->in_list = true;
}

static void prose_line(FILE *out, const char *line, size_t len, prose *st)
{
    while (len > 0 && line[len - 1] == ' ')
        len--;
    size_t indent = leading_spaces(line, len);
    if (indent == len) {
        paragraph(out, st);
        return;
    }
    if (indent == 2) {
        list_item(out, line, len, st);
        return;
    }
    if (indent == 0 && st->in_list)
        paragraph(out, st);
    put_words(out, line + indent, len - indent);
    st->started = true;
}

/* Text laid out for --help (lines, blank lines between paragraphs, lists of
 * "  term   text" lines) as roff paragraphs. */
static void put_prose(FILE *out, const char *text)
{
    prose st = {false, false};
    for (const char *p = text; *p;) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        prose_line(out, p, len, &st);
        p += len + (nl != NULL);
    }
}

/* The date of the page: SOURCE_DATE_EPOCH, for reproducible builds, or now. */
static int page_date(const cli_io *io, char *buf, size_t size)
{
    int64_t secs = (int64_t)time(NULL);
    const char *sde = getenv("SOURCE_DATE_EPOCH");
    if (sde != NULL && sde[0] != '\0' && espi_time_parse(&secs, sde) != 0) {
        fprintf(io->err, "%s --generate: SOURCE_DATE_EPOCH='%s' is not a number of seconds\n",
                io->prog, sde);
        return CLI_USAGE;
    }
    time_t t = (time_t)secs;
    struct tm tm;
    if (gmtime_r(&t, &tm) == NULL || strftime(buf, size, "%Y-%m-%d", &tm) == 0) {
        fprintf(io->err, "%s --generate: SOURCE_DATE_EPOCH='%s' is out of range\n", io->prog,
                sde ? sde : "");
        return CLI_USAGE;
    }
    return CLI_OK;
}

/* .TH and NAME. title is "espi" or "espi-convert". */
static void put_head(FILE *out, const char *title, const char *date, const char *what,
                     bool lower_first)
{
    fprintf(out, ".\\\" Generated by 'espi --generate man' from espi's option tables; "
                 "do not edit.\n.TH ");
    for (const char *p = title; *p; p++)
        put_char(out, (char)toupper((unsigned char)*p));
    fprintf(out, " 1 %s \"espi %s\" \"User Commands\"\n.SH NAME\n", date, ESPI_VERSION);
    char line[512];
    size_t n = strlen(what);
    n -= n > 0 && what[n - 1] == '.';
    snprintf(line, sizeof line, "%s - %c%.*s", title,
             lower_first ? tolower((unsigned char)what[0]) : what[0], (int)(n > 0 ? n - 1 : 0),
             what + 1);
    put_line(out, line);
}

/* "\fB-o\fR, \fB--output\fR \fIFILE\fR" and its help, as a tagged paragraph. */
static void put_option(FILE *out, char short_name, const char *long_name, const char *arg,
                       const char *help)
{
    fputs(".TP\n", out);
    if (short_name)
        fprintf(out, "\\fB\\-%c\\fR, ", short_name);
    fputs("\\fB\\-\\-", out);
    put_text(out, long_name, strlen(long_name), false);
    fputs("\\fR", out);
    if (arg) {
        fputs(" \\fI", out);
        put_text(out, arg, strlen(arg), false);
        fputs("\\fR", out);
    }
    fputc('\n', out);
    put_line(out, help);
}

static void put_options(FILE *out, const cli_command *cmd)
{
    fputs(".SH OPTIONS\n", out);
    for (size_t i = 0; i < cmd->noptions; i++) {
        const cli_option *o = &cmd->options[i];
        put_option(out, o->short_name, o->long_name, o->arg_name, o->help);
    }
    put_option(out, 'h', "help", NULL, cli_help_option_text);
}

static void put_global_options(FILE *out)
{
    size_t n;
    const cli_global_option *g = cli_global_options(&n);
    fputs(".SH OPTIONS\n", out);
    for (size_t i = 0; i < n; i++)
        if (g[i].help != NULL)
            put_option(out, g[i].short_name, g[i].long_name, g[i].arg_name, g[i].help);
}

static void put_exit_status(FILE *out, const cli_command *cmd)
{
    fputs(".SH EXIT STATUS\n", out);
    for (size_t i = 0; i < cli_nexit_codes; i++)
        fprintf(out, ".TP\n.B %d\n%s\n", cli_exit_codes[i].code, cli_exit_codes[i].meaning);
    if (cmd && cmd->exit_status) {
        fprintf(out, ".PP\nFor \\fBespi %s\\fR:\n", cmd->name);
        put_prose(out, cmd->exit_status);
    }
    fputs(".PP\n", out);
    put_prose(out, signals_text);
    fputs(".PP\nWith several files, the worst outcome decides the exit status.\n", out);
}

static bool word_in(const char *list, const char *word)
{
    size_t n = strlen(word);
    for (const char *p = list; *p;) {
        size_t len = strcspn(p, " ");
        if (len == n && strncmp(p, word, n) == 0)
            return true;
        p += len + (p[len] == ' ');
    }
    return false;
}

/* "(espi convert, espi dump) " from "convert dump". */
static void put_command_names(FILE *out, const char *list)
{
    const char *sep = "(";
    for (const char *p = list; *p;) {
        size_t len = strcspn(p, " ");
        fprintf(out, "%sespi %.*s", sep, (int)len, p);
        sep = ", ";
        p += len + (p[len] == ' ');
    }
    fputs(") ", out);
}

/* The variables cmd reads (all of them for espi(1)); none: no section. */
static void put_environment(FILE *out, const cli_command *cmd)
{
    bool any = false;
    for (size_t i = 0; i < sizeof env_docs / sizeof env_docs[0]; i++) {
        const env_doc *e = &env_docs[i];
        if (cmd && !word_in(e->commands, cmd->name))
            continue;
        if (!any)
            fputs(".SH ENVIRONMENT\n", out);
        any = true;
        fprintf(out, ".TP\n.B %s\n", e->name);
        if (cmd == NULL)
            put_command_names(out, e->commands);
        put_line(out, e->text);
    }
}

/* What it does, then the command line as it is; first: right after .SH. */
static void put_example(FILE *out, const cli_example *ex, bool first)
{
    char what[256];
    snprintf(what, sizeof what, "%c%s:", toupper((unsigned char)ex->what[0]), ex->what + 1);
    fputs(first ? "" : ".PP\n", out);
    put_line(out, what);
    fputs(".PP\n.RS 4\n.nf\n", out);
    put_text(out, ex->line, strlen(ex->line), true);
    fputs("\n.fi\n.RE\n", out);
}

/* A command's examples, or the first of each command's for espi(1). */
static void put_examples(FILE *out, const cli_command *cmd)
{
    size_t n;
    const cli_command *const *all = cli_commands(&n);
    fputs(".SH EXAMPLES\n", out);
    if (cmd != NULL) {
        for (size_t i = 0; i < cmd->nexamples; i++)
            put_example(out, &cmd->examples[i], i == 0);
        return;
    }
    bool first = true;
    for (size_t i = 0; i < n; i++)
        if (all[i]->nexamples > 0) {
            put_example(out, &all[i]->examples[0], first);
            first = false;
        }
}

/* Every other page of espi. */
static void put_see_also(FILE *out, const cli_command *cmd)
{
    size_t n;
    const cli_command *const *all = cli_commands(&n);
    fputs(".SH SEE ALSO\n", out);
    const char *sep = "";
    if (cmd != NULL) {
        fputs(".BR espi (1)", out);
        sep = ",\n";
    }
    for (size_t i = 0; i < n; i++) {
        if (all[i] == cmd)
            continue;
        fprintf(out, "%s.BR espi\\-%s (1)", sep, all[i]->name);
        sep = ",\n";
    }
    fputc('\n', out);
}

static void put_command_list(FILE *out)
{
    size_t n;
    const cli_command *const *all = cli_commands(&n);
    fputs(".PP\nThe commands:\n", out);
    for (size_t i = 0; i < n; i++) {
        fprintf(out, ".TP\n.B %s\n", all[i]->name);
        put_line(out, all[i]->summary);
        fprintf(out, "See \\fBespi\\-%s\\fR(1).\n", all[i]->name);
    }
    fputs(".PP\n\\fBespi help\\fR \\fICOMMAND\\fR and \\fBespi\\fR \\fICOMMAND\\fR "
          "\\fB\\-\\-help\\fR print the options of a command.\n",
          out);
}

static void put_espi_page(FILE *out, const char *date)
{
    put_head(out, "espi", date, cli_tagline, false);
    fputs(".SH SYNOPSIS\n.B espi\n", out);
    put_usage(out, cli_overview_usage);
    fputs(".br\n.B espi help\n\\fICOMMAND\\fR\n.br\n.B espi\n"
          "\\fB\\-h\\fR | \\fB\\-\\-help\\fR | \\fB\\-\\-version\\fR\n.SH DESCRIPTION\n",
          out);
    put_prose(out, cli_description);
    put_command_list(out);
    put_global_options(out);
    put_exit_status(out, NULL);
    put_environment(out, NULL);
    put_examples(out, NULL);
    put_see_also(out, NULL);
}

static void put_command_page(FILE *out, const cli_command *cmd, const char *date)
{
    char title[64];
    snprintf(title, sizeof title, "espi-%s", cmd->name);
    put_head(out, title, date, cmd->summary, true);
    fprintf(out, ".SH SYNOPSIS\n.B espi %s\n", cmd->name);
    put_usage(out, cmd->usage);
    fputs(".SH DESCRIPTION\n", out);
    put_line(out, cmd->summary);
    if (cmd->details) {
        fputs(".PP\n", out);
        put_prose(out, cmd->details);
    }
    put_options(out, cmd);
    put_exit_status(out, cmd);
    put_environment(out, cmd);
    put_examples(out, cmd);
    put_see_also(out, cmd);
}

int cli_generate_man(const cli_io *io, const cli_command *cmd)
{
    char date[32];
    int code = page_date(io, date, sizeof date);
    if (code != CLI_OK)
        return code;
    if (cmd == NULL)
        put_espi_page(io->out, date);
    else
        put_command_page(io->out, cmd, date);
    return CLI_OK;
}
