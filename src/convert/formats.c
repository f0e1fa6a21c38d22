/* SPDX-License-Identifier: Apache-2.0 */
/* formats.c - the input formats espi convert reads, as one table: each
 * row names a format, tells it from an input's first bytes, and names its
 * reader. espi_format_detect walks the rows in order; the converter reads
 * an input with its row's reader. */
#include "convert/input.h"

#include "common/error.h"
#include "convert/smarthub/account.h"
#include "convert/smarthub/har.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

/* Whether needle occurs in the n bytes at hay, ignoring ASCII case. */
static bool contains(const unsigned char *hay, size_t n, const char *needle)
{
    size_t k = strlen(needle);
    for (size_t i = 0; k <= n && i <= n - k; i++)
        if (strncasecmp((const char *)hay + i, needle, k) == 0)
            return true;
    return false;
}

/* Whether "key" (exact case) followed by blanks and ':' occurs in s. */
static bool has_key(const unsigned char *s, size_t n, const char *key)
{
    size_t k = strlen(key);
    for (size_t i = 0; k + 2 <= n && i <= n - k - 2; i++) {
        if (s[i] != '"' || memcmp(s + i + 1, key, k) != 0 || s[i + k + 1] != '"')
            continue;
        size_t j = i + k + 2;
        while (j < n && isspace(s[j]))
            j++;
        if (j < n && s[j] == ':')
            return true;
    }
    return false;
}

/* "YYYY-MM-DD HH:MM to YYYY" somewhere: a SmartHub CSV row. */
static bool has_csv_row(const unsigned char *s, size_t n)
{
    static const char shape[] = "dddd-dd-dd dd:dd to dddd";
    size_t k = sizeof shape - 1;
    for (size_t i = 0; k <= n && i <= n - k; i++) {
        size_t j = 0;
        while (j < k && (shape[j] == 'd' ? isdigit(s[i + j]) != 0 : s[i + j] == shape[j]))
            j++;
        if (j == k)
            return true;
    }
    return false;
}

/* An Atom feed, or a ZIP archive (SmartHub's Green Button download). */
static bool sniff_espi(const unsigned char *raw, size_t n, const unsigned char *s, size_t len)
{
    if (n >= 4 && memcmp(raw, "PK\003\004", 4) == 0)
        return true;
    return s[0] == '<' &&
           (contains(s, len, "http://www.w3.org/2005/Atom") || contains(s, len, "<feed"));
}

static bool sniff_account(const unsigned char *raw, size_t n, const unsigned char *s, size_t len)
{
    (void)raw, (void)n;
    return (s[0] == '{' || s[0] == '[') && sh_account_sniff(s, len);
}

/* An object with "status" or "data" (a poll response, or a login answer,
 * which the poll reader names as such), or SmartHub's older bare body
 * {"ELECTRIC": [...]}; or an array of poll responses (account JSON, also
 * an array, was tried before). */
static bool sniff_poll(const unsigned char *raw, size_t n, const unsigned char *s, size_t len)
{
    (void)raw, (void)n;
    size_t i = 1;
    if (s[0] == '[')
        while (i < len && isspace(s[i]))
            i++;
    if (s[0] != '{' && (s[0] != '[' || i == len || s[i] != '{'))
        return false;
    return contains(s, len, "\"status\"") || contains(s, len, "\"data\"") ||
           has_key(s, len, "ELECTRIC") || has_key(s, len, "GAS") || has_key(s, len, "WATER");
}

static bool sniff_har(const unsigned char *raw, size_t n, const unsigned char *s, size_t len)
{
    (void)raw, (void)n;
    return sh_har_sniff(s, len);
}

static bool sniff_csv(const unsigned char *raw, size_t n, const unsigned char *s, size_t len)
{
    (void)raw, (void)n;
    return s[0] != '{' && s[0] != '[' && s[0] != '<' && has_csv_row(s, len);
}

/* In the order detection tries them: a HAR (whose "response" objects have a
 * "status") and account JSON before poll JSON, since all are objects or
 * arrays. */
static const convert_format formats[] = {
    {ESPI_FORMAT_ESPI, "espi", sniff_espi, repair_read_into},
    {ESPI_FORMAT_HAR, "har", sniff_har, sh_har_read_into},
    {ESPI_FORMAT_SMARTHUB_ACCOUNT, "smarthub-account", sniff_account, sh_account_read_into},
    {ESPI_FORMAT_SMARTHUB_JSON, "smarthub-json", sniff_poll, sh_polls_read_into},
    {ESPI_FORMAT_SMARTHUB_CSV, "smarthub-csv", sniff_csv, sh_csv_read_into},
};
#define NFORMATS (sizeof formats / sizeof formats[0])

const convert_format *convert_format_of(espi_format format)
{
    for (size_t i = 0; i < NFORMATS; i++)
        if (formats[i].format == format)
            return &formats[i];
    return NULL;
}

const char *espi_format_name(espi_format format)
{
    const convert_format *f = convert_format_of(format);
    return f ? f->name : format == ESPI_FORMAT_AUTO ? "auto" : "?";
}

int espi_format_parse(espi_format *out, const char *name)
{
    if (strcmp(name, "auto") == 0) {
        *out = ESPI_FORMAT_AUTO;
        return 0;
    }
    for (size_t i = 0; i < NFORMATS; i++)
        if (strcmp(formats[i].name, name) == 0) {
            *out = formats[i].format;
            return 0;
        }
    return ESPI_E_ARG;
}

static const char tried[] =
    "SmartHub poll JSON (an object with \"status\" and \"data\", or an array of them), "
    "SmartHub account JSON (user-data or billing), SmartHub CSV (rows 'YYYY-MM-DD HH:MM to "
    "YYYY-MM-DD HH:MM,...'), a browser HAR file (\"log\" and \"entries\"), Green Button XML "
    "(an Atom <feed>) and a ZIP holding one; --from forces a format";

int espi_format_detect(espi_format *out, const unsigned char *head, size_t n, const char *name,
                       espi_error *err)
{
    err_loc loc = {name, 0, 0, NULL};
    size_t i = 0;
    if (n >= 3 && head[0] == 0xEF && head[1] == 0xBB && head[2] == 0xBF)
        i = 3; /* UTF-8 byte order mark */
    while (i < n && isspace(head[i]))
        i++;
    if (i == n)
        return err_fail(err, ESPI_E_INPUT, "format-empty", &loc,
                        "the input is empty; expected SmartHub data or a Green Button file");
    const unsigned char *s = head + i;
    size_t len = n - i;
    if (s[0] == '<' && (contains(s, len, "<html") || contains(s, len, "<!doctype html")))
        return err_fail(err, ESPI_E_INPUT, "format-html", &loc,
                        "the input is an HTML page (a login or error page?), not SmartHub data "
                        "or a Green Button file");
    for (size_t k = 0; k < NFORMATS; k++)
        if (formats[k].sniff(head, n, s, len)) {
            *out = formats[k].format;
            return 0;
        }
    return err_fail(err, ESPI_E_INPUT, "format-unknown", &loc,
                    "cannot tell what this input is; tried %s", tried);
}
