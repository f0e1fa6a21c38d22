/* SPDX-License-Identifier: Apache-2.0 */
/* csv.c - SmartHub CSV files to the feed model: the Green Button
 * CSV export (greenButtonCsvDownload) and the older "Download Your Data"
 * usage CSV with a cost column (docs/smarthub-csv.md).
 *
 * Lines are read one at a time with a bound; only the rows are kept, as
 * wall-clock points, because a block's channel is known only once every
 * block has been read: the export does not label its blocks, so
 * consumption, generation and net are told apart by their signs and by
 * how well each choice fits net = consumption + generation over all rows,
 * each channel rounded on its own (best fit). The points then go through
 * the same per-point DST handling as the JSON reader (wallclock.c). The
 * export's account is handed to the converter, which checks the zone of
 * its wall-clock times once the account inputs are in (accounts.c). */
#include "convert/input.h"
#include "common/decimal.h"
#include "common/error.h"
#include "common/grow.h"
#include "convert/model.h"
#include "common/tz.h"
#include "convert/wallclock.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CSV_MAX_LINE 4096      /* bytes of one line, its line end not counted */
#define CSV_MAX_ROWS 20000000u /* data rows in a file, as SH_MAX_POINTS for JSON */
#define CSV_MAX_BLOCKS 8       /* an export has at most four: three energy, one demand */
#define CSV_MAX_FIELDS 8       /* a row has three or four */
#define CSV_FIT_UNIT_WH 10     /* SmartHub rounds each channel to 0.01 kWh on its own */
#define CSV_FIT_PER_MILLE 1    /* plus this many per thousand of |c| + |g| (daily rows) */
#define CSV_FIT_SHARE 90       /* per cent of the rows an assignment must fit */

/* What a block turns out to be. */
typedef enum csv_role { ROLE_CONSUMPTION, ROLE_GENERATION, ROLE_NET, ROLE_DEMAND } csv_role;

typedef struct role_info {
    const char *name;
    int flow;       /* FlowDirectionKind */
    bool magnitude; /* values made non-negative: exports write generation negative */
} role_info;

static const role_info roles[] = {
    {"consumption", 1, false},
    {"generation", 19, true},
    {"net", 4, false},
    {"demand", 1, false},
};

/* Something said once per block: how often, and the first line. */
typedef struct csv_note {
    size_t count;
    uint32_t first_line;
} csv_note;

static void note_add(csv_note *n, uint32_t line)
{
    if (n->count++ == 0)
        n->first_line = line;
}

/* One run of data rows: a channel to be. */
typedef struct csv_block {
    uint32_t line; /* its first data row */
    bool demand;   /* kW, not kWh */
    csv_role role;
    wall_point *pts;
    size_t n, cap;
    size_t values, positive, negative, costs;
    int64_t min, max;
    csv_note gaps, rounded, cost_rounded, no_cost;
} csv_block;

typedef enum csv_unit { UNIT_UNKNOWN, UNIT_ENERGY, UNIT_DEMAND } csv_unit;

typedef struct csv_reader {
    const convert_input *in;
    FILE *f;
    espi_error *err;
    char line[CSV_MAX_LINE + 2];
    uint32_t lineno;
    bool seen_text;     /* a non-blank line was read */
    bool export_marks;  /* a header line of the Green Button export was read */
    bool export_format; /* decided at the first row: column 3 is events, not cost */
    bool in_rows;       /* the last non-blank line was a data row */
    csv_unit unit;      /* what the header lines before the next block say */
    char *account;
    uint32_t account_line;
    csv_block blocks[CSV_MAX_BLOCKS];
    size_t nblocks;
    size_t rows;
    csv_note events;
    int decimals; /* the most decimals an energy value shows ("0.870": 3) */
} csv_reader;

/* One field of a row: trimmed text and its 1-based column in the line. */
typedef struct csv_field {
    const char *s;
    size_t len;
    unsigned long column;
} csv_field;

static err_loc loc_at(const csv_reader *r, uint32_t line, unsigned long column)
{
    return (err_loc){r->in->name, line, column, NULL};
}

static void warn(const csv_reader *r, const char *code, uint32_t line, const char *fmt, ...)
    ATTR_PRINTF(4, 5);

static void warn(const csv_reader *r, const char *code, uint32_t line, const char *fmt, ...)
{
    err_loc loc = loc_at(r, line, 0);
    va_list ap;
    va_start(ap, fmt);
    diag_vemit(r->in->on_diag, r->in->diag_ctx, ESPI_SEV_WARNING, code, &loc, fmt, ap);
    va_end(ap);
}

static int nomem(const csv_reader *r)
{
    return err_fail(r->err, ESPI_E_NOMEM, "nomem", NULL, "out of memory");
}

/* ------------------------------------------------------------------ */
/* Lines                                                               */
/* ------------------------------------------------------------------ */

static int too_long(const csv_reader *r, uint32_t line)
{
    err_loc loc = loc_at(r, line, CSV_MAX_LINE + 1);
    return err_fail(r->err, ESPI_E_LIMIT, "csv-line-too-long", &loc,
                    "the line is longer than %d bytes; expected a SmartHub CSV line (well under "
                    "100)",
                    CSV_MAX_LINE);
}

/* Reads the next line, without its \n or \r\n, into r->line. Returns 1,
 * 0 at the end of the input, or a negative status. */
static int read_line(csv_reader *r)
{
    size_t n = 0;
    int c = 0;
    bool any = false;
    if (r->lineno == UINT32_MAX) {
        err_loc loc = loc_at(r, r->lineno, 0);
        return err_fail(r->err, ESPI_E_LIMIT, "csv-too-many-lines", &loc,
                        "the file has more than %u lines", UINT32_MAX);
    }
    while ((c = getc(r->f)) != EOF && c != '\n') {
        any = true;
        if (c == '\0') {
            err_loc loc = loc_at(r, r->lineno + 1, n + 1);
            return err_fail(r->err, ESPI_E_INPUT, "csv-binary", &loc,
                            "the line holds a NUL byte; expected a text file (CSV)");
        }
        if (n > CSV_MAX_LINE) /* one byte more is kept for a \r */
            return too_long(r, r->lineno + 1);
        r->line[n++] = (char)c;
    }
    if (ferror(r->f)) {
        err_loc loc = loc_at(r, r->lineno + 1, 0);
        return err_fail(r->err, ESPI_E_IO, "read", &loc, "cannot read the input");
    }
    if (!any && c == EOF)
        return 0;
    r->lineno++;
    if (n > 0 && r->line[n - 1] == '\r')
        n--;
    if (n > CSV_MAX_LINE)
        return too_long(r, r->lineno);
    r->line[n] = '\0';
    return 1;
}

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

static void trim(const char **s, size_t *len)
{
    while (*len > 0 && is_blank(**s))
        (*s)++, (*len)--;
    while (*len > 0 && is_blank((*s)[*len - 1]))
        (*len)--;
}

/* Text of the input for a message: at most 60 bytes, control bytes as '?'. */
typedef struct shown {
    char text[68];
} shown;

static shown show(const char *s, size_t len)
{
    shown out;
    size_t n = len < 60 ? len : 60, k = 0;
    for (; k < n; k++)
        out.text[k] = (unsigned char)s[k] < 0x20 || s[k] == 0x7f ? '?' : s[k];
    memcpy(out.text + k, len > n ? "..." : "", len > n ? 4 : 1);
    return out;
}

static char lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* Case-insensitive search of word (lower case) in s. */
static bool contains(const char *s, const char *word)
{
    size_t n = strlen(word);
    for (; *s; s++) {
        size_t k = 0;
        while (k < n && s[k] && lower(s[k]) == word[k])
            k++;
        if (k == n)
            return true;
    }
    return false;
}

static bool starts_with(const char *s, const char *prefix)
{
    size_t n = strlen(prefix);
    for (size_t k = 0; k < n; k++)
        if (lower(s[k]) != prefix[k])
            return false;
    return true;
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* A data row starts with a date: four digits and a dash. */
static bool looks_like_row(const char *t)
{
    return is_digit(t[0]) && is_digit(t[1]) && is_digit(t[2]) && is_digit(t[3]) && t[4] == '-';
}

/* ------------------------------------------------------------------ */
/* Header lines                                                        */
/* ------------------------------------------------------------------ */

/* The unit a header text names; kWh is looked for first, as "kilowatt"
 * is a prefix of "kilowatt-hours". */
static csv_unit unit_of(const char *text)
{
    if (contains(text, "kilowatt-hour") || contains(text, "kilowatt hour") || contains(text, "kwh"))
        return UNIT_ENERGY;
    if (contains(text, "kilowatt") || contains(text, "kw"))
        return UNIT_DEMAND;
    return UNIT_UNKNOWN;
}

static int read_account(csv_reader *r, const char *t)
{
    const char *s = t + 4;
    size_t len = strlen(s);
    trim(&s, &len);
    if (r->account != NULL) {
        if (strlen(r->account) == len && memcmp(r->account, s, len) == 0)
            return 0;
        err_loc loc = loc_at(r, r->lineno, 0);
        return err_fail(r->err, ESPI_E_INPUT, "csv-account", &loc,
                        "a second, different account number after the one on line %u (the "
                        "numbers are not repeated here); expected one account per file",
                        r->account_line);
    }
    r->account = strndup(s, len);
    r->account_line = r->lineno;
    return r->account ? 0 : nomem(r);
}

/* "Type of readings: Electricity, Energy Consumption, Real energy in
 * kilowatt-hours" gives the next block's unit. */
static int read_unit(csv_reader *r, const char *t)
{
    csv_unit u = unit_of(t);
    if (u == UNIT_UNKNOWN) {
        err_loc loc = loc_at(r, r->lineno, 0);
        return err_fail(r->err, ESPI_E_INPUT, "csv-unit", &loc,
                        "the readings are '%s'; expected electricity in kilowatt-hours (kWh) or "
                        "kilowatts (kW)",
                        show(t, strlen(t)).text);
    }
    r->unit = u;
    return 0;
}

static int read_header(csv_reader *r, const char *t)
{
    r->in_rows = false;
    if (starts_with(t, "for:"))
        return read_account(r, t);
    if (starts_with(t, "type of readings:")) {
        r->export_marks = true;
        return read_unit(r, t);
    }
    if (starts_with(t, "interval blockdata"))
        r->export_marks = true;
    if (contains(t, "events occurred")) {
        r->export_marks = true;
        if (r->unit == UNIT_UNKNOWN)
            r->unit = unit_of(t);
    }
    return 0;
}

/* ------------------------------------------------------------------ */
/* Rows                                                                */
/* ------------------------------------------------------------------ */

/* Splits t (at column offset + 1 of the line) at commas into trimmed fields. */
static size_t split(const char *t, size_t offset, csv_field *fields, size_t max)
{
    size_t n = 0;
    const char *s = t;
    for (;;) {
        const char *comma = strchr(s, ',');
        size_t len = comma ? (size_t)(comma - s) : strlen(s);
        if (n < max) {
            csv_field *f = &fields[n];
            f->s = s;
            f->len = len;
            trim(&f->s, &f->len);
            f->column = (unsigned long)(offset + (size_t)(f->s - t) + 1);
        }
        n++;
        if (comma == NULL)
            return n;
        s = comma + 1;
    }
}

static bool digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!is_digit(s[i]))
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

/* "YYYY-MM-DD HH:MM" (16 bytes) as wall-clock seconds; false when it is
 * not one, or not a date between 1900 and 2199. */
static bool parse_wall(const char *s, int64_t *wall)
{
    int y, mo, d, h, mi;
    if (!digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &mo) || s[7] != '-' ||
        !digits(s + 8, 2, &d) || s[10] != ' ' || !digits(s + 11, 2, &h) || s[13] != ':' ||
        !digits(s + 14, 2, &mi))
        return false;
    if (y < 1900 || y > 2199 || mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59)
        return false;
    int64_t days = tz_days_from_civil(y, mo, d), year;
    int month, day;
    tz_civil_from_days(days, &year, &month, &day);
    if (month != mo || day != d)
        return false; /* February 30 and the like */
    *wall = days * SECONDS_PER_DAY + h * 3600 + mi * 60;
    return true;
}

/* "YYYY-MM-DD HH:MM to YYYY-MM-DD HH:MM": the start and the length. */
static int parse_period(const csv_reader *r, const csv_field *f, wall_point *pt)
{
    err_loc loc = loc_at(r, r->lineno, f->column);
    int64_t end = 0;
    if (f->len != 36 || memcmp(f->s + 16, " to ", 4) != 0 || !parse_wall(f->s, &pt->wall) ||
        !parse_wall(f->s + 20, &end))
        return err_fail(r->err, ESPI_E_INPUT, "csv-time", &loc,
                        "the period '%s' is not 'YYYY-MM-DD HH:MM to YYYY-MM-DD HH:MM' (two "
                        "valid local times, 1900 to 2199)",
                        show(f->s, f->len).text);
    pt->length = end - pt->wall;
    if (pt->length <= 0 || pt->length > WALL_MAX_LENGTH)
        return err_fail(r->err, ESPI_E_INPUT, "csv-interval", &loc,
                        "the period '%s' %s; expected an end after the start, at most a year "
                        "later",
                        show(f->s, f->len).text,
                        pt->length <= 0 ? "does not end after it starts" : "is over a year long");
    return 0;
}

/* A kWh, kW or dollar amount scaled to ESPI's integers; an empty field
 * leaves *present false. */
static int parse_amount(const csv_reader *r, const csv_field *f, int scale, const char *expected,
                        csv_note *rounded, int64_t *out, bool *present)
{
    *present = false;
    if (f->len == 0)
        return 0;
    err_loc loc = loc_at(r, r->lineno, f->column);
    dec_info info;
    dec_status st = dec_scale(out, &info, f->s, f->len, scale);
    if (st == DEC_SYNTAX)
        return err_fail(r->err, ESPI_E_INPUT, "csv-value", &loc,
                        "'%s' is not a number; expected %s such as 0.870, or an empty field "
                        "for a gap",
                        show(f->s, f->len).text, expected);
    if (st != DEC_OK || *out > INT48_MAX || *out < -INT48_MAX)
        return err_fail(r->err, ESPI_E_INPUT, "value-range", &loc,
                        "a value is too large: ESPI values and costs are 48-bit integers (at "
                        "most %lld)",
                        (long long)INT48_MAX);
    if (info.rounded && !info.noise)
        note_add(rounded, r->lineno);
    *present = true;
    return 0;
}

/* How many decimals a value shows ("0.870": 3, "1": 0, "8.7e-1": 2): the
 * precision the file was written with. */
static int shown_decimals(const char *s, size_t len)
{
    size_t i = 0;
    int decimals = 0, exponent = 0;
    bool negative = false;
    while (i < len && s[i] != '.' && s[i] != 'e' && s[i] != 'E')
        i++;
    if (i < len && s[i] == '.')
        for (i++; i < len && is_digit(s[i]); i++)
            decimals++;
    if (i < len && (s[i] == 'e' || s[i] == 'E') && ++i < len && (s[i] == '-' || s[i] == '+'))
        negative = s[i++] == '-';
    for (; i < len && is_digit(s[i]) && exponent < 1000; i++)
        exponent = exponent * 10 + (s[i] - '0');
    decimals += negative ? exponent : -exponent;
    return decimals < 0 ? 0 : decimals > 1000 ? 1000 : decimals;
}

/* Export rows are period, usage, events and an empty field; usage CSV
 * rows are period, kWh and cost. Fields beyond those must be empty. */
static int check_fields(const csv_reader *r, const csv_field *fields, size_t n)
{
    const char *expected = r->export_format
                               ? "4 fields: period, usage, events and an empty one, as in "
                                 "'2026-06-15 00:00 to 2026-06-15 01:00,0.870,,'"
                               : "3 fields: period, kWh and cost, as in "
                                 "'2026-06-15 00:00 to 2026-06-15 01:00,0.870,0.11'";
    if (n < 3) {
        err_loc loc = loc_at(r, r->lineno, 0);
        return err_fail(r->err, ESPI_E_INPUT, "csv-fields", &loc,
                        "the row has %zu field(s); expected %s", n, expected);
    }
    for (size_t i = 3; i < n; i++) {
        if (i < CSV_MAX_FIELDS && fields[i].len == 0)
            continue;
        err_loc loc = loc_at(r, r->lineno, i < CSV_MAX_FIELDS ? fields[i].column : 0);
        return err_fail(r->err, ESPI_E_INPUT, "csv-fields", &loc,
                        "the row has %zu fields, field %zu not empty; expected %s", n, i + 1,
                        expected);
    }
    return 0;
}

/* The block a row belongs to: a new one after any header line. */
static int current_block(csv_reader *r, csv_block **out)
{
    if (r->in_rows) {
        *out = &r->blocks[r->nblocks - 1];
        return 0;
    }
    if (r->nblocks == CSV_MAX_BLOCKS) {
        err_loc loc = loc_at(r, r->lineno, 0);
        return err_fail(r->err, ESPI_E_INPUT, "csv-channel", &loc,
                        "a block of rows begins here after %d others; expected at most four "
                        "blocks (consumption, generation, net and demand)",
                        CSV_MAX_BLOCKS);
    }
    csv_block *b = &r->blocks[r->nblocks++];
    memset(b, 0, sizeof *b);
    b->line = r->lineno;
    b->demand = r->unit == UNIT_DEMAND;
    r->unit = UNIT_UNKNOWN; /* the next block's header says its own */
    r->in_rows = true;
    *out = b;
    return 0;
}

static int add_point(csv_reader *r, csv_block *b, const wall_point *pt)
{
    if (r->rows >= CSV_MAX_ROWS) {
        err_loc loc = loc_at(r, r->lineno, 0);
        return err_fail(r->err, ESPI_E_LIMIT, "csv-too-many-rows", &loc,
                        "the file holds more than %u data rows", CSV_MAX_ROWS);
    }
    wall_point *grown = grow_array(b->pts, &b->cap, b->n, sizeof *grown, 64);
    if (grown == NULL)
        return nomem(r);
    b->pts = grown;
    b->pts[b->n] = *pt;
    b->pts[b->n].order = (uint32_t)b->n;
    b->n++;
    r->rows++;
    if (!pt->has_value) {
        note_add(&b->gaps, pt->line);
        return 0;
    }
    if (b->values++ == 0 || pt->value < b->min)
        b->min = pt->value;
    if (b->values == 1 || pt->value > b->max)
        b->max = pt->value;
    if (pt->value > 0)
        b->positive++;
    if (pt->value < 0)
        b->negative++;
    return 0;
}

/* Column 3: the cost in dollars (usage CSV) or the events text (export). */
static int read_third(csv_reader *r, csv_block *b, const csv_field *f, wall_point *pt)
{
    if (r->export_format) {
        if (f->len > 0)
            note_add(&r->events, r->lineno);
        return 0;
    }
    int rc = parse_amount(r, f, 5, "a cost in dollars", &b->cost_rounded, &pt->cost, &pt->has_cost);
    if (rc == 0 && pt->has_cost)
        b->costs++;
    else if (rc == 0 && pt->has_value)
        note_add(&b->no_cost, r->lineno);
    return rc;
}

static int read_row(csv_reader *r, const char *t, size_t offset)
{
    if (r->rows == 0)
        r->export_format = r->export_marks;
    csv_field fields[CSV_MAX_FIELDS];
    size_t n = split(t, offset, fields, CSV_MAX_FIELDS);
    int rc = check_fields(r, fields, n);
    wall_point pt = {.line = r->lineno};
    if (rc == 0)
        rc = parse_period(r, &fields[0], &pt);
    csv_block *b = NULL;
    if (rc == 0)
        rc = current_block(r, &b);
    if (rc != 0)
        return rc;
    rc = parse_amount(r, &fields[1], 3, b->demand ? "kW" : "kWh", &b->rounded, &pt.value,
                      &pt.has_value);
    if (rc == 0 && pt.has_value && !b->demand) {
        int decimals = shown_decimals(fields[1].s, fields[1].len);
        r->decimals = decimals > r->decimals ? decimals : r->decimals;
    }
    if (rc == 0)
        rc = read_third(r, b, &fields[2], &pt);
    return rc == 0 ? add_point(r, b, &pt) : rc;
}

/* The first text decides whether this is a CSV file at all. */
static int check_first_text(const csv_reader *r, const char *t, size_t offset)
{
    err_loc loc = loc_at(r, r->lineno, offset + 1);
    if (t[0] == '<')
        return err_fail(r->err, ESPI_E_INPUT, "csv-html", &loc,
                        "the file is an HTML or XML page, not a SmartHub CSV export (a portal "
                        "error or login page?); expected the text of greenButtonCsvDownload");
    if (t[0] == '{' || t[0] == '[')
        return err_fail(r->err, ESPI_E_INPUT, "csv-json", &loc,
                        "the file is JSON, not a SmartHub CSV export; read it with --from "
                        "smarthub-json");
    return 0;
}

static int read_lines(csv_reader *r)
{
    int rc;
    while ((rc = read_line(r)) == 1) {
        const char *t = r->line;
        size_t len = strlen(t);
        if (r->lineno == 1 && len >= 3 && memcmp(t, "\xEF\xBB\xBF", 3) == 0)
            t += 3, len -= 3; /* a byte order mark */
        trim(&t, &len);
        if (len == 0)
            continue;
        size_t offset = (size_t)(t - r->line);
        r->line[offset + len] = '\0';
        if (!r->seen_text && (rc = check_first_text(r, t, offset)) != 0)
            return rc;
        r->seen_text = true;
        rc = looks_like_row(t) ? read_row(r, t, offset) : read_header(r, t);
        if (rc != 0)
            return rc;
    }
    return rc;
}

/* ------------------------------------------------------------------ */
/* Channel identification                                              */
/* ------------------------------------------------------------------ */

/* The value of the occurrence-th point at wall, when it has one. */
static bool value_at(const csv_block *b, int64_t wall, size_t occurrence, int64_t *value)
{
    size_t lo = 0, hi = b->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (b->pts[mid].wall < wall)
            lo = mid + 1;
        else
            hi = mid;
    }
    lo += occurrence;
    if (lo >= b->n || b->pts[lo].wall != wall || !b->pts[lo].has_value)
        return false;
    *value = b->pts[lo].value;
    return true;
}

static int64_t abs64(int64_t v)
{
    return v < 0 ? -v : v;
}

/* Consumption is never negative; generation has one sign: the one
 * SmartHub's exports write (<= 0) when negative_only, else either. */
static bool signs_fit(const csv_block *b, csv_role role, bool negative_only)
{
    if (b == NULL || role == ROLE_NET)
        return true;
    if (role == ROLE_CONSUMPTION)
        return b->negative == 0;
    return b->positive == 0 || (!negative_only && b->negative == 0);
}

/* The unit each channel may be off by: the precision the file shows, at
 * least 0.01 kWh (SmartHub rounds each channel to it on its own, then
 * writes three decimals). */
static int64_t fit_unit(const csv_reader *r)
{
    int64_t unit = 1;
    for (int d = r->decimals; d < 3; d++)
        unit *= 10;
    return unit > CSV_FIT_UNIT_WH ? unit : CSV_FIT_UNIT_WH;
}

/* How far one row is from net = consumption - |generation|, and how far
 * it may be: a unit per channel in the relation, plus a share of the flow
 * (daily rows summed from rounded hours). With c or g NULL only the bound
 * the other implies is measured: net <= consumption, net >= -|generation|. */
static int64_t row_difference(int64_t net, const int64_t *c, const int64_t *g, int64_t unit,
                              int64_t *tol)
{
    int64_t cv = c ? *c : 0, gv = g ? abs64(*g) : 0;
    *tol = unit * (c && g ? 3 : 2) + (cv + gv) * CSV_FIT_PER_MILLE / 1000;
    if (c && g)
        return abs64(net - (cv - gv));
    if (c)
        return net > cv ? net - cv : 0;
    return net < -gv ? -gv - net : 0;
}

/* An assignment of roles to the energy blocks: by_role[role] is the block
 * (NULL when no block has it). */
typedef struct assignment {
    const csv_block *by_role[3];
    csv_role role[3]; /* of energy block k */
} assignment;

/* How well an assignment fits, over every row its blocks share. */
typedef struct fit_score {
    size_t compared, within; /* rows compared, and within their tolerance */
    int64_t total;           /* the differences added up, Wh (capped) */
    int64_t largest;         /* the largest difference, Wh ... */
    uint32_t largest_line;   /* ... on this row of the net block ... */
    int64_t largest_wall;    /* ... at this wall time */
    int64_t tolerance;       /* a unit per channel in the relation, Wh */
} fit_score;

/* Rows are matched by wall time and occurrence, so the repeated fall-back
 * hour pairs up; a row some block lacks (or has a gap in) tells nothing. */
static void score_assignment(const assignment *a, int64_t unit, fit_score *s)
{
    const csv_block *c = a->by_role[ROLE_CONSUMPTION], *g = a->by_role[ROLE_GENERATION],
                    *n = a->by_role[ROLE_NET];
    memset(s, 0, sizeof *s);
    s->tolerance = unit * (c && g ? 3 : 2);
    if (n == NULL || (c == NULL && g == NULL))
        return;
    size_t occurrence = 0;
    for (size_t i = 0; i < n->n; i++) {
        const wall_point *p = &n->pts[i];
        occurrence = i > 0 && p->wall == n->pts[i - 1].wall ? occurrence + 1 : 0;
        int64_t cv = 0, gv = 0, tol;
        if (!p->has_value || (c && !value_at(c, p->wall, occurrence, &cv)) ||
            (g && !value_at(g, p->wall, occurrence, &gv)))
            continue;
        int64_t d = row_difference(p->value, c ? &cv : NULL, g ? &gv : NULL, unit, &tol);
        s->within += d <= tol;
        s->total = s->total > INT64_MAX / 2 - d ? INT64_MAX / 2 : s->total + d;
        if (s->compared++ == 0 || d > s->largest)
            s->largest = d, s->largest_line = p->line, s->largest_wall = p->wall;
    }
}

/* Fits: nothing to compare, or CSV_FIT_SHARE per cent of the rows within
 * their tolerance. */
static bool score_fits(const fit_score *s)
{
    return s->compared == 0 || s->within * 100 >= s->compared * CSV_FIT_SHARE;
}

static bool assignment_signs_fit(const assignment *a, bool negative_only)
{
    for (int role = 0; role < 3; role++)
        if (!signs_fit(a->by_role[role], (csv_role)role, negative_only))
            return false;
    return true;
}

static bool same_points(const csv_block *a, const csv_block *b)
{
    if (a == b)
        return true;
    if (a == NULL || b == NULL || a->n != b->n)
        return false;
    for (size_t i = 0; i < a->n; i++) {
        const wall_point *p = &a->pts[i], *q = &b->pts[i];
        if (p->wall != q->wall || p->length != q->length || p->has_value != q->has_value ||
            p->value != q->value || p->has_cost != q->has_cost || p->cost != q->cost)
            return false;
    }
    return true;
}

/* Two fitting assignments that give every channel the same rows (blocks
 * that are copies of each other traded places) are one answer. */
static bool same_outcome(const assignment *a, const assignment *b)
{
    for (int role = 0; role < 3; role++)
        if (!same_points(a->by_role[role], b->by_role[role]))
            return false;
    return true;
}

/* What a block looks like, for messages: "block 2 (line 41): 24 values
 * from -2.477 to 1.475 kWh, 9 negative". */
static void describe_block(char *buf, size_t size, size_t *len, const csv_reader *r,
                           const csv_block *b)
{
    size_t index = (size_t)(b - r->blocks) + 1;
    if (b->values == 0) {
        str_bufprintf(buf, size, len, "block %zu (line %u): no values", index, b->line);
        return;
    }
    char lo[48], hi[48];
    dec_format(lo, b->min, 3);
    dec_format(hi, b->max, 3);
    str_bufprintf(buf, size, len, "block %zu (line %u): %zu values from %s to %s %s, %zu negative",
                  index, b->line, b->values, lo, hi, b->demand ? "kW" : "kWh", b->negative);
}

static int identify_error(const csv_reader *r, uint32_t line, const csv_block *const *e, size_t k,
                          const char *why)
{
    char text[512];
    size_t len = 0;
    str_bufprintf(text, sizeof text, &len, "%s", why);
    for (size_t i = 0; i < k; i++) {
        str_bufprintf(text, sizeof text, &len, "; ");
        describe_block(text, sizeof text, &len, r, e[i]);
    }
    err_loc loc = loc_at(r, line, 0);
    return err_fail(r->err, ESPI_E_INPUT, "csv-channel", &loc, "%s", text);
}

/* One block: by its signs alone. */
static csv_role role_by_sign(const csv_block *b)
{
    if (b->negative == 0)
        return ROLE_CONSUMPTION;
    return b->positive > 0 ? ROLE_NET : ROLE_GENERATION;
}

/* The candidate assignments of two or three blocks: every ordered choice
 * of distinct roles (six either way). */
static size_t candidates(assignment *out, const csv_block *const *e, size_t k)
{
    size_t n = 0;
    for (int r0 = 0; r0 < 3; r0++)
        for (int r1 = 0; r1 < 3; r1++) {
            if (r1 == r0)
                continue;
            assignment *a = &out[n++];
            memset(a, 0, sizeof *a);
            a->role[0] = (csv_role)r0, a->role[1] = (csv_role)r1;
            if (k == 3)
                a->role[2] = (csv_role)(3 - r0 - r1);
            for (size_t i = 0; i < k; i++)
                a->by_role[a->role[i]] = e[i];
        }
    return n;
}

static void describe_assignment(char *buf, size_t size, size_t *len, const assignment *a, size_t k)
{
    for (size_t i = 0; i < k; i++)
        str_bufprintf(buf, size, len, "%s%s", i ? "/" : "", roles[a->role[i]].name);
}

/* "consumption/generation/net (24 of 24 rows within 30 Wh, 40 Wh off in all)" */
static void describe_fit(char *buf, size_t size, size_t *len, const assignment *a,
                         const fit_score *s, size_t k)
{
    describe_assignment(buf, size, len, a, k);
    if (s->compared == 0)
        str_bufprintf(buf, size, len, " (no row to compare)");
    else
        str_bufprintf(buf, size, len, " (%zu of %zu rows within %lld Wh, %lld Wh off in all)",
                      s->within, s->compared, (long long)s->tolerance, (long long)s->total);
}

/* The relation the blocks of a were measured by, for messages. */
static const char *relation_of(const assignment *a)
{
    if (a->by_role[ROLE_CONSUMPTION] && a->by_role[ROLE_GENERATION])
        return "net = consumption + generation";
    return a->by_role[ROLE_CONSUMPTION] ? "net <= consumption" : "net >= generation";
}

/* The candidates of the first pass where any fits its sums (generation
 * written negative first; see identify_several), best first: the smallest
 * differences in all, then file order. */
typedef struct ranking {
    size_t fit[6], nfit;     /* fitting their signs and sums */
    size_t signs[6], nsigns; /* fitting their signs (the fitting ones among them) */
} ranking;

static void sort_by_total(size_t *idx, size_t n, const fit_score *score)
{
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && score[idx[j]].total < score[idx[j - 1]].total; j--) {
            size_t t = idx[j];
            idx[j] = idx[j - 1], idx[j - 1] = t;
        }
}

static void rank(const assignment *cand, const fit_score *score, size_t n, ranking *rk)
{
    memset(rk, 0, sizeof *rk);
    for (int pass = 0; pass < 2 && rk->nfit == 0; pass++) {
        ranking now = {{0}, 0, {0}, 0};
        for (size_t i = 0; i < n; i++) {
            if (!assignment_signs_fit(&cand[i], pass == 0))
                continue;
            now.signs[now.nsigns++] = i;
            if (score_fits(&score[i]))
                now.fit[now.nfit++] = i;
        }
        sort_by_total(now.fit, now.nfit, score);
        sort_by_total(now.signs, now.nsigns, score);
        if (pass == 0 || now.nfit > 0 || rk->nsigns == 0)
            *rk = now;
    }
}

/* "0.01 kWh" for 10 Wh */
static void format_unit(char buf[48], int64_t unit_wh)
{
    int decimals = 3;
    while (decimals > 0 && unit_wh % 10 == 0)
        unit_wh /= 10, decimals--;
    dec_format(buf, unit_wh, decimals);
}

/* No assignment fits: say how close the closest came. */
static int no_fit(csv_reader *r, csv_block **e, size_t k, const assignment *cand,
                  const fit_score *score, const ranking *rk)
{
    char why[320];
    size_t len = 0;
    str_bufprintf(why, sizeof why, &len,
                  "cannot tell which channel each of the %zu energy blocks is: no choice ", k);
    if (rk->nsigns == 0) {
        str_bufprintf(why, sizeof why, &len,
                      "of consumption (>= 0), generation (one sign) and net fits their signs");
    } else {
        const assignment *a = &cand[rk->signs[0]];
        const fit_score *s = &score[rk->signs[0]];
        char wall[32];
        tz_format_wall(wall, s->largest_wall);
        str_bufprintf(why, sizeof why, &len,
                      "fits %s on %d %% of the rows (closest: ", relation_of(a), CSV_FIT_SHARE);
        describe_assignment(why, sizeof why, &len, a, k);
        str_bufprintf(why, sizeof why, &len,
                      ", %zu of %zu rows within %lld Wh, up to %lld Wh off at line %u, %s)",
                      s->within, s->compared, (long long)s->tolerance, (long long)s->largest,
                      s->largest_line, wall);
    }
    return identify_error(r, e[0]->line, (const csv_block *const *)e, k, why);
}

/* Assignments that give other channels fit about as well as the best. */
static int tie(csv_reader *r, csv_block **e, size_t k, const assignment *cand,
               const fit_score *score, size_t best, const size_t *rivals, size_t nrivals)
{
    char why[400];
    size_t len = 0;
    str_bufprintf(why, sizeof why, &len,
                  "cannot tell which channel each of the %zu energy blocks is: in file order, ", k);
    describe_fit(why, sizeof why, &len, &cand[best], &score[best], k);
    str_bufprintf(why, sizeof why, &len, " and ");
    describe_fit(why, sizeof why, &len, &cand[rivals[0]], &score[rivals[0]], k);
    str_bufprintf(why, sizeof why, &len, " fit about equally");
    for (size_t i = 1; i < nrivals; i++) {
        str_bufprintf(why, sizeof why, &len, "%s", i == 1 ? ", and so do " : ", ");
        describe_assignment(why, sizeof why, &len, &cand[rivals[i]], k);
    }
    return identify_error(r, e[0]->line, (const csv_block *const *)e, k, why);
}

/* Says how well the blocks fit the roles taken: an info, or a warning
 * when some rows are off by more than their tolerance. */
static void report_fit(const csv_reader *r, csv_block *const *e, size_t k, const assignment *cand,
                       const fit_score *score, size_t best, const ranking *rk)
{
    const assignment *a = &cand[best];
    const fit_score *s = &score[best];
    if (s->compared == 0)
        return;
    char text[512], unit[48], wall[32];
    size_t len = 0;
    format_unit(unit, fit_unit(r));
    tz_format_wall(wall, s->largest_wall);
    bool all = s->within == s->compared;
    if (!all)
        str_bufprintf(text, sizeof text, &len, "%zu of %zu rows are off %s by more than %lld Wh; ",
                      s->compared - s->within, s->compared, relation_of(a),
                      (long long)s->tolerance);
    str_bufprintf(text, sizeof text, &len, "the %zu energy blocks are, in file order, ", k);
    describe_assignment(text, sizeof text, &len, a, k);
    str_bufprintf(text, sizeof text, &len,
                  " (best fit): %s on %zu of %zu rows within %lld Wh (%s kWh per channel; "
                  "the file shows %d decimals), the largest difference %lld Wh (line %u, %s)",
                  relation_of(a), s->within, s->compared, (long long)s->tolerance, unit,
                  r->decimals, (long long)s->largest, s->largest_line, wall);
    size_t next = best;
    for (size_t i = 0; i < rk->nsigns && next == best; i++)
        if (!same_outcome(a, &cand[rk->signs[i]]))
            next = rk->signs[i];
    str_bufprintf(text, sizeof text, &len, "; next best: ");
    if (next == best)
        str_bufprintf(text, sizeof text, &len, "none fits the signs");
    else
        describe_fit(text, sizeof text, &len, &cand[next], &score[next], k);
    err_loc loc = loc_at(r, e[0]->line, 0);
    diag_emit(r->in->on_diag, r->in->diag_ctx, all ? ESPI_SEV_INFO : ESPI_SEV_WARNING,
              all ? "csv-fit" : "csv-fit-rows", &loc, "%s", text);
}

/* Two or three blocks: every assignment whose signs fit is scored over
 * all rows by net = consumption + generation, and the best fit is taken,
 * unless another that gives other channels fits about as well (within
 * half a unit per row in all). Generation written negative, as SmartHub's
 * exports write it, is tried first: a winter export of a net meter
 * (generation all zero, net equal to consumption) also fits "generation =
 * the consumption block, net = the zero block" once positive generation
 * is allowed. */
static int identify_several(csv_reader *r, csv_block **e, size_t k)
{
    assignment cand[6];
    fit_score score[6];
    size_t n = candidates(cand, (const csv_block *const *)e, k);
    int64_t unit = fit_unit(r);
    for (size_t i = 0; i < n; i++)
        score_assignment(&cand[i], unit, &score[i]);
    ranking rk;
    rank(cand, score, n, &rk);
    if (rk.nfit == 0)
        return no_fit(r, e, k, cand, score, &rk);
    size_t best = rk.fit[0], rivals[6], nrivals = 0;
    int64_t margin = (int64_t)score[best].compared * unit / 2;
    for (size_t i = 1; i < rk.nfit; i++) {
        size_t j = rk.fit[i];
        if (!same_outcome(&cand[best], &cand[j]) && score[j].total - score[best].total <= margin)
            rivals[nrivals++] = j;
    }
    if (nrivals > 0)
        return tie(r, e, k, cand, score, best, rivals, nrivals);
    for (size_t i = 0; i < k; i++)
        e[i]->role = cand[best].role[i];
    report_fit(r, e, k, cand, score, best, &rk);
    return 0;
}

static int check_demand(csv_reader *r)
{
    const csv_block *first = NULL;
    for (size_t i = 0; i < r->nblocks; i++) {
        csv_block *b = &r->blocks[i];
        if (!b->demand)
            continue;
        b->role = ROLE_DEMAND;
        if (first == NULL) {
            first = b;
            continue;
        }
        const csv_block *pair[2] = {first, b};
        return identify_error(r, b->line, pair, 2, "two blocks are kW demand blocks; expected one");
    }
    return 0;
}

/* Gives every block its role (docs/smarthub-csv.md, "Channels"). */
static int identify(csv_reader *r)
{
    csv_block *e[CSV_MAX_BLOCKS];
    size_t k = 0;
    for (size_t i = 0; i < r->nblocks; i++)
        if (!r->blocks[i].demand)
            e[k++] = &r->blocks[i];
    int rc = check_demand(r);
    if (rc != 0 || k == 0)
        return rc;
    if (k == 1) {
        e[0]->role = role_by_sign(e[0]);
        return 0;
    }
    if (k > 3)
        return identify_error(r, e[3]->line, (const csv_block *const *)e, k,
                              "more energy (kWh) blocks than channels; expected at most three: "
                              "consumption, generation and net");
    return identify_several(r, e, k);
}

/* ------------------------------------------------------------------ */
/* Into the model                                                      */
/* ------------------------------------------------------------------ */

static void report_block(const csv_reader *r, const csv_block *b, const char *label)
{
    const char *unit = b->demand ? "W" : "Wh";
    if (b->values == 0)
        warn(r, "csv-gap", b->gaps.first_line,
             "series '%s': all %zu row(s) have an empty value; no MeterReading is written for it",
             label, b->gaps.count);
    else if (b->gaps.count > 0)
        warn(r, "csv-gap", b->gaps.first_line,
             "series '%s': %zu row(s) have an empty value; they are gaps (no reading), not zeros",
             label, b->gaps.count);
    if (b->rounded.count > 0)
        warn(r, "value-rounded", b->rounded.first_line,
             "series '%s': %zu value(s) have digits below 1 %s and were rounded to whole %s", label,
             b->rounded.count, unit, unit);
    if (b->cost_rounded.count > 0)
        warn(r, "value-rounded", b->cost_rounded.first_line,
             "series '%s': %zu cost(s) have digits below 1 hundred-thousandth and were rounded",
             label, b->cost_rounded.count);
    if (b->costs > 0 && b->no_cost.count > 0)
        warn(r, "cost-missing", b->no_cost.first_line,
             "series '%s': %zu of %zu readings have no cost (an empty cost field)", label,
             b->no_cost.count, b->values);
}

/* ReadingType: energy in Wh as the JSON reader writes it, or demand in W. */
static void set_reading_type(model_channel *ch, const csv_block *b)
{
    ch->rt.accumulation = b->demand ? 12 : 4;
    ch->rt.commodity = 1;
    ch->rt.kind = b->demand ? 37 : 12; /* demand: power (FB_06), not 8 */
    ch->rt.phase = 769;
    ch->rt.power_of_ten = 0;
    if (b->costs > 0)
        ch->rt.currency = 840;
}

static int convert_block(const csv_reader *r, csv_block *b, model_usage_point *up)
{
    const role_info *ri = &roles[b->role];
    char label[96];
    snprintf(label, sizeof label, "block %zu (line %u, %s)", (size_t)(b - r->blocks) + 1, b->line,
             ri->name);
    for (size_t i = 0; ri->magnitude && i < b->n; i++)
        b->pts[i].value = abs64(b->pts[i].value);
    report_block(r, b, label);
    if (b->values == 0)
        return 0;
    model_channel_key key = model_channel_key_make("", ri->flow, b->demand ? 38 : 72);
    key.interval = (uint32_t)wall_points_usual_length(b->pts, b->n); /* resolution */
    model_channel *ch = model_usage_point_channel(up, &key);
    if (ch == NULL)
        return nomem(r);
    set_reading_type(ch, b);
    const convert_input *in = r->in;
    wall_context wc = {in->tz,      in->name,     label,      b->demand ? "W" : "Wh",
                       in->on_diag, in->diag_ctx, in->source, in->opts && in->opts->strict};
    return wall_points_to_readings(ch, b->pts, b->n, &wc, r->err);
}

/* No rows, or rows without a single value: nothing to convert. */
static int check_rows(const csv_reader *r)
{
    size_t values = 0;
    for (size_t i = 0; i < r->nblocks; i++)
        values += r->blocks[i].values;
    if (values > 0)
        return 0;
    err_loc loc = loc_at(r, r->nblocks ? r->blocks[0].line : r->lineno, 0);
    if (r->nblocks > 0)
        return err_fail(r->err, ESPI_E_INPUT, "csv-no-values", &loc,
                        "every value field of the %zu data row(s) is empty; no reading to "
                        "convert",
                        r->rows);
    if (!r->seen_text) {
        loc.line = 0;
        return err_fail(r->err, ESPI_E_INPUT, "csv-empty", &loc,
                        "the file is empty%s; expected a SmartHub CSV export",
                        r->lineno ? " (blank lines only)" : "");
    }
    return err_fail(r->err, ESPI_E_INPUT, "csv-no-rows", &loc,
                    "no data rows in %u line(s); expected rows such as '2026-06-15 00:00 to "
                    "2026-06-15 01:00,0.870,,' (a SmartHub CSV export)",
                    r->lineno);
}

static int convert_blocks(csv_reader *r)
{
    model_usage_point *up = model_feed_usage_point(r->in->feed, r->account ? r->account : "", "");
    if (up == NULL)
        return nomem(r);
    for (size_t i = 0; i < r->nblocks; i++) {
        int rc = convert_block(r, &r->blocks[i], up);
        if (rc != 0)
            return rc;
    }
    if (r->events.count > 0)
        warn(r, "csv-events", r->events.first_line,
             "%zu row(s) name events in the 'Events occurred' column; events are not converted",
             r->events.count);
    return 0;
}

/* The export's account, for the zone check once every input is in: the
 * wall times were read in in->tz, which nothing in a CSV confirms. */
static int note_wall_clock(const csv_reader *r)
{
    if (r->in->accounts == NULL)
        return 0;
    account_info info = {0};
    info.account = r->account;
    info.line = r->account ? r->account_line : r->blocks[0].line;
    info.source = r->in->source;
    info.wall_clock = true;
    return accounts_add(r->in, &info, r->err);
}

int sh_csv_read_into(const convert_input *in, FILE *f, espi_error *err)
{
    csv_reader *r = calloc(1, sizeof *r);
    if (r == NULL)
        return err_fail(err, ESPI_E_NOMEM, "nomem", NULL, "out of memory");
    r->in = in, r->f = f, r->err = err;
    int rc = read_lines(r);
    if (rc == 0)
        rc = check_rows(r);
    for (size_t i = 0; rc == 0 && i < r->nblocks; i++)
        if (r->blocks[i].n > 1)
            sort_array(r->blocks[i].pts, r->blocks[i].n, sizeof(wall_point), wall_point_compare);
    if (rc == 0)
        rc = identify(r);
    if (rc == 0)
        rc = convert_blocks(r);
    if (rc == 0)
        rc = note_wall_clock(r);
    for (size_t i = 0; i < r->nblocks; i++)
        free(r->blocks[i].pts);
    free(r->account);
    free(r);
    return rc;
}
