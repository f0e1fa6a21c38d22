/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_validate.c - espi validate: espi_validate on its own, with the
 * schema plugged into the parse (threads 1) and relayed to the validator
 * (threads 0, schema_relay.c), which must say the same, finding by finding
 * (any difference aborts); then the same input through a report (text,
 * JSON or JSON lines, chosen by the input's length) as the CLI writes it,
 * to a memory stream. */
#include "fuzz_common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Every finding and the outcome of one validation, as text. */
typedef struct said {
    char *text;
    size_t len;
    FILE *out;
} said;

static void on_finding(const espi_diag *d, void *ctx)
{
    char line[2048];
    (void)espi_diag_format(line, sizeof line, d);
    fprintf(((said *)ctx)->out, "%s\n", line);
}

static void validate_once(const uint8_t *data, size_t size, unsigned threads, said *s)
{
    char *copy;
    s->text = NULL;
    s->len = 0;
    s->out = open_memstream(&s->text, &s->len);
    FILE *in = fuzz_open_input(data, size, &copy);
    if (in == NULL || s->out == NULL) {
        if (in != NULL)
            fclose(in), free(copy);
        return;
    }
    espi_validate_options vo = {0};
    vo.threads = threads;
    vo.set = size % 2 ? ESPI_SCHEMA_ESPI_33 : ESPI_SCHEMA_ESPI_40;
    vo.on_finding = on_finding;
    vo.finding_ctx = s;
    vo.max_per_rule = size % 3;
    static const char *const some[] = {"schema", "code", "reading-gap"};
    if (size % 4 == 1) { /* a rule or two left out: their findings only counted */
        vo.ignore = some;
        vo.nignore = size % 3;
    } else if (size % 4 == 3) {
        vo.only = some;
        vo.nonly = 1 + size % 3;
    }
    espi_validate_summary sum;
    espi_error err;
    int rc = espi_validate(&sum, in, "fuzz-input", &vo, &err);
    char line[2048];
    (void)espi_error_format(line, sizeof line, &err);
    fprintf(s->out, "rc %d: %zu errors, %zu warnings, %zu infos, %zu ignored, %zu held back; %s\n",
            rc, sum.errors, sum.warnings, sum.infos, sum.ignored, sum.suppressed, rc ? line : "");
    fclose(in);
    free(copy);
}

static void validate_plain(const uint8_t *data, size_t size)
{
    said direct, relayed;
    validate_once(data, size, 1, &direct);
    validate_once(data, size, 0, &relayed);
    if (direct.out)
        fclose(direct.out);
    if (relayed.out)
        fclose(relayed.out);
    if (direct.text && relayed.text && strcmp(direct.text, relayed.text) != 0) {
        fprintf(stderr, "threads 1 and 0 differ\n--- 1:\n%s--- 0:\n%s", direct.text, relayed.text);
        abort();
    }
    free(direct.text);
    free(relayed.text);
}

static void validate_report(const uint8_t *data, size_t size)
{
    fuzz_io io;
    if (!fuzz_io_open(&io, data, size))
        return;
    static const espi_validator_format formats[] = {ESPI_VALIDATOR_TEXT, ESPI_VALIDATOR_JSON,
                                                    ESPI_VALIDATOR_JSONL};
    espi_validator_options ro;
    espi_validator_options_init(&ro);
    ro.format = formats[size % 3];
    ro.strict = size % 5 == 0;
    ro.summary = size % 7 == 0;
    espi_validator *rep = NULL;
    espi_error err;
    if (io.out != NULL && espi_validator_new(&rep, io.out, &ro, &err) == 0) {
        espi_validate_options vo = {0};
        bool valid = false;
        if (espi_validator_add(&valid, rep, io.in, "fuzz-input", &vo, &err) != 0)
            fuzz_touch_error(&err);
        if (espi_validator_finish(rep, &err) != 0)
            fuzz_touch_error(&err);
        espi_validator_free(rep);
    }
    fuzz_io_close(&io);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    validate_plain(data, size);
    validate_report(data, size);
    return 0;
}
