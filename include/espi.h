/* SPDX-License-Identifier: Apache-2.0 */
/*
 * espi.h - the one public header of libespi, a library for Green Button
 * (NAESB REQ.21 ESPI) energy data.
 *
 * Data flow: readers (SmartHub poll JSON, SmartHub CSV, SmartHub account
 * JSON, and any Green Button file to repair) add their inputs to an
 * espi_feed, the feed model, through an espi_converter, which merges them;
 * a writer turns the model into an ESPI Atom feed. The ESPI reader streams
 * any Green Button file as resources; the dumper turns them into CSV and
 * JSON rows; the validator checks the schema and the Green Button rules.
 *
 * Conventions:
 *  - every public name starts with espi_;
 *  - functions return 0 (ESPI_OK) or a negative espi_status, and fill the
 *    caller's espi_error with a message that names the file and the line;
 *  - out-parameters come first, callbacks take their context pointer last;
 *  - _new/_free pairs; every _free accepts NULL;
 *  - every options struct has an espi_X_options_init() that sets its
 *    defaults, and every function that takes options accepts NULL for them;
 *  - warnings go to an espi_diag_fn callback; nothing is printed.
 *
 * Threads: any function may be called from several threads at once, as long
 * as each object (converter, feed, validator, dumper, summarizer, reporter,
 * input, output) is used by one thread at a time; objects are not locked.
 * An espi_tz and the options structs are only read and may be shared. There
 * is no global time zone and no other process-wide state but this: the
 * first call that needs libxml2 or libxslt initialises them once (whatever
 * the thread), installs an external-entity loader that serves the bundled
 * schemas (and passes every other URL to the loader it replaced) and a
 * libxslt message handler that hands each message to the thread that
 * raised it (and any not raised inside espi to the handler it replaced);
 * compiled schemas are kept for later calls (compiled under a lock, then
 * shared); and the temporary files of open espi_outputs are listed for
 * espi_output_remove_pending (at most ESPI_OUTPUT_MAX_OPEN at once).
 * libxml2's error handlers espi sets during a parse are per thread, and
 * restored. A program that sets libxml2's entity loader or libxslt's generic
 * error handler itself should do so before its first call into espi.
 */
#ifndef ESPI_H
#define ESPI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(ESPI_BUILDING_LIBRARY) && defined(__GNUC__)
#define ESPI_API __attribute__((visibility("default")))
#else
#define ESPI_API
#endif

/* The library's version. ESPI_VERSION_NUMBER grows with each release
 * (major * 10000 + minor * 100 + patch), for #if tests; espi_version()
 * tells the version of the library a program runs with. */
#define ESPI_VERSION_MAJOR 0
#define ESPI_VERSION_MINOR 1
#define ESPI_VERSION_PATCH 0
#define ESPI_VERSION "0.1.0"
#define ESPI_VERSION_NUMBER                                                                        \
    (ESPI_VERSION_MAJOR * 10000 + ESPI_VERSION_MINOR * 100 + ESPI_VERSION_PATCH)

/* The version of the library the program runs with ("0.1.0"), which may
 * differ from the ESPI_VERSION it was compiled with. */
ESPI_API const char *espi_version(void);

/* The versions of the libraries libespi runs with, as one line
 * ("libxml2 2.9.14, yajl 2.1.0, libzip 1.7.3, libcurl 7.88.1, OpenSSL 3.0.19 ...") into buf
 * (always NUL-terminated when size > 0). Returns the length the full text
 * needs. */
ESPI_API size_t espi_dependency_versions(char *buf, size_t size);

/* ------------------------------------------------------------------ */
/* Status, errors and diagnostics                                      */
/* ------------------------------------------------------------------ */

typedef enum espi_status {
    ESPI_OK = 0,
    ESPI_E_INPUT = -1, /* the input is not valid (syntax, content, schema) */
    ESPI_E_IO = -2,    /* reading or writing a file failed */
    ESPI_E_NOMEM = -3, /* out of memory */
    ESPI_E_ARG = -4,   /* an option or argument is not acceptable */
    ESPI_E_LIMIT = -5  /* the input exceeds a documented size limit */
} espi_status;

typedef enum espi_severity {
    ESPI_SEV_INFO = 0,
    ESPI_SEV_WARNING = 1,
    ESPI_SEV_ERROR = 2
} espi_severity;

/* One finding about an input. Pointers are valid only during the callback. */
typedef struct espi_diag {
    espi_severity severity;
    const char *code;     /* stable identifier, e.g. "dst-gap-zero" */
    const char *file;     /* the input's name as given by the caller */
    unsigned long line;   /* 1-based; 0 when unknown */
    unsigned long column; /* 1-based; 0 when unknown */
    const char *where;    /* entry, series or field; NULL when none */
    const char *message;  /* one line: what is wrong, what was expected */
} espi_diag;

typedef void (*espi_diag_fn)(const espi_diag *diag, void *ctx);

/* The first fatal error of a call. Caller-owned; no allocation inside. */
typedef struct espi_error {
    espi_status status;
    char code[48];
    char file[512];
    unsigned long line;
    unsigned long column;
    char where[160];
    char message[512];
} espi_error;

/* Constant text for a status ("invalid input", "I/O error", ...). */
ESPI_API const char *espi_status_text(espi_status status);

/* Formats "FILE:LINE:COL: severity: code: message [where]" into buf (always
 * NUL-terminated when size > 0). Returns the length the full text needs. */
ESPI_API size_t espi_diag_format(char *buf, size_t size, const espi_diag *diag);

/* The same for an espi_error (severity "error"). */
ESPI_API size_t espi_error_format(char *buf, size_t size, const espi_error *err);

/* ------------------------------------------------------------------ */
/* Times                                                               */
/* ------------------------------------------------------------------ */

/* Parses a UTC time: "YYYY-MM-DDTHH:MM:SSZ" or whole epoch seconds
 * ("-86400", "1772841600"), in the years 0001 to 9999 (what xs:dateTime
 * and Atom can carry). Returns 0, or ESPI_E_ARG when text is neither. */
ESPI_API int espi_time_parse(int64_t *out, const char *text);

/* ------------------------------------------------------------------ */
/* Time zones (no global TZ: each zone is an object)                   */
/* ------------------------------------------------------------------ */

typedef struct espi_tz espi_tz;

/* Loads an IANA zone ("America/Los_Angeles", read from $TZDIR or
 * /usr/share/zoneinfo) or parses a POSIX TZ string
 * ("PST8PDT,M3.2.0,M11.1.0"). ESPI_E_ARG when neither works. */
ESPI_API int espi_tz_load(espi_tz **out, const char *spec, espi_error *err);
ESPI_API void espi_tz_free(espi_tz *tz);
ESPI_API const char *espi_tz_name(const espi_tz *tz);

/* Seconds east of UTC in effect at the UTC instant utc; *is_dst (when not
 * NULL) says whether it is daylight time. */
ESPI_API int32_t espi_tz_offset_at(int *is_dst, const espi_tz *tz, int64_t utc);

/* Maps a local wall-clock time (seconds since 1970-01-01T00:00 read as if
 * it were UTC) to UTC instants. Returns how many exist: 1 normally; 2 in a
 * repeated hour (out[0] < out[1], daylight first); 0 in a skipped hour, in
 * which case *gap_end (if not NULL) receives the instant the gap ends. */
ESPI_API int espi_tz_wall_to_utc(int64_t out[2], int64_t *gap_end, const espi_tz *tz, int64_t wall);

/* ESPI LocalTimeParameters of a zone: standard offset, DST offset and the
 * DST rules bit-encoded as DstRuleType (0xFFFFFFFF when there is no DST). */
typedef struct espi_time_params {
    int32_t tz_offset;
    int32_t dst_offset;
    uint32_t dst_start_rule;
    uint32_t dst_end_rule;
} espi_time_params;

/* Fills *out from the zone's current rules. ESPI_E_ARG (with a message) when
 * a rule cannot be expressed as a DstRuleType. */
ESPI_API int espi_tz_time_params(espi_time_params *out, const espi_tz *tz, espi_error *err);

/* ------------------------------------------------------------------ */
/* The feed model                                                      */
/* ------------------------------------------------------------------ */

typedef struct espi_feed espi_feed;

ESPI_API void espi_feed_free(espi_feed *feed);

/* Totals, for reports and tests. */
typedef struct espi_feed_stats {
    size_t usage_points;
    size_t channels;  /* MeterReading + ReadingType pairs */
    size_t blocks;    /* IntervalBlocks */
    size_t readings;  /* IntervalReadings */
    size_t with_cost; /* readings that carry a cost */
    size_t summaries; /* UsageSummaries (billing periods) */
} espi_feed_stats;

ESPI_API void espi_feed_stats_get(espi_feed_stats *out, const espi_feed *feed);

/* ------------------------------------------------------------------ */
/* Reader: SmartHub utility-usage poll JSON                            */
/* ------------------------------------------------------------------ */

typedef struct espi_smarthub_options {
    const espi_tz *tz;    /* the co-op's zone; required */
    espi_diag_fn on_diag; /* warnings; may be NULL */
    void *diag_ctx;
} espi_smarthub_options;

/* No zone (it must be given: SmartHub times are the co-op's wall clock), no
 * callback. */
ESPI_API void espi_smarthub_options_init(espi_smarthub_options *opts);

/* Reads one COMPLETE response of POST secured/utility-usage/poll from in
 * (streamed; memory grows with the number of points, not the text), and
 * builds the feed model. name is used in messages. ESPI_E_ARG when opts (or
 * NULL) gives no zone. */
ESPI_API int espi_smarthub_read(espi_feed **out, FILE *in, const char *name,
                                const espi_smarthub_options *opts, espi_error *err);

/* ------------------------------------------------------------------ */
/* Converter: many inputs, one feed                                    */
/* ------------------------------------------------------------------ */

/* Input formats espi convert reads. */
typedef enum espi_format {
    ESPI_FORMAT_AUTO = 0,         /* detected from the content */
    ESPI_FORMAT_SMARTHUB_JSON,    /* utility-usage poll response (HOURLY, DAILY, MONTHLY) */
    ESPI_FORMAT_SMARTHUB_CSV,     /* greenButtonCsvDownload, or the older usage CSV with cost */
    ESPI_FORMAT_SMARTHUB_ACCOUNT, /* user-data or billing JSON: account metadata */
    ESPI_FORMAT_ESPI,             /* any Green Button XML (or a .zip holding one), to repair */
    ESPI_FORMAT_HAR /* a browser HAR file: its SmartHub poll, user-data and billing answers */
} espi_format;

/* "smarthub-json", "smarthub-csv", "smarthub-account", "har", "espi", "auto". */
ESPI_API const char *espi_format_name(espi_format format);

/* The format of a name above; ESPI_E_ARG for another. */
ESPI_API int espi_format_parse(espi_format *out, const char *name);

/* Tells the format from the first bytes of an input (up to 64 KiB are
 * enough). ESPI_E_INPUT with err saying what was tried when none fits. */
ESPI_API int espi_format_detect(espi_format *out, const unsigned char *head, size_t n,
                                const char *name, espi_error *err);

typedef struct espi_converter espi_converter;

/* The flow direction of a SmartHub poll series whose meter and name do not
 * tell it (espi_convert_options.series_flows; docs/smarthub.md section 5.5). */
typedef struct espi_series_flow {
    const char *series; /* a series name ("88120045 - Solar"), or the text after its
                           last " - " ("Solar"), which then names it in every meter */
    int flow;           /* FlowDirectionKind: 1 forward (delivered), 19 reverse
                           (received), 4 net */
} espi_series_flow;

typedef struct espi_convert_options {
    const espi_tz *tz;    /* the co-op's zone, for SmartHub wall times; NULL: only Green
                             Button inputs (which state their own) can be read */
    bool tz_explicit;     /* tz was asked for: it also beats a repaired file's own zone */
    bool strict;          /* readings or bills that disagree between inputs are errors, and
                             so is a non-zero reading in a spring-forward gap */
    bool dry_run;         /* repairs are reported; the caller writes nothing */
    espi_diag_fn on_diag; /* warnings and repairs; may be NULL */
    void *diag_ctx;
    /* (added after 0.1.0) Flow directions of poll series that neither their
     * meter's flowDirection nor their name tells: nseries_flows pairs; a
     * name given twice takes the first. NULL: none. */
    const espi_series_flow *series_flows;
    size_t nseries_flows;
    /* (added after 0.1.0) Keep only the usage points of this SmartHub
     * account (NULL: every one), and of them only those of this service
     * location (electricity, gas and water) or of none (a CSV export, which
     * then joins the location); NULL: every location. The others are left
     * out of the feed before the merge, with an info (convert-left-out).
     * espi convert --group account gives each group's feed its own usage
     * point so (docs/scale.md). */
    const char *only_account;
    const char *only_location;
    /* (added after 0.1.0) Threads a conversion may use for itself. 0, the
     * default: a second one where the machine has more than one core (a
     * large SmartHub poll response in a regular file is read ahead, and
     * the lists it repeats every point in are taken out, on it). 1: the
     * calling thread only, for a caller that already runs a conversion on
     * every core. The result is the same either way. */
    unsigned threads;
} espi_convert_options;

/* No zone, nothing strict, no dry run, no callback. */
ESPI_API void espi_convert_options_init(espi_convert_options *opts);

/* opts NULL: the defaults of espi_convert_options_init. */
ESPI_API int espi_converter_new(espi_converter **out, const espi_convert_options *opts,
                                espi_error *err);

/* Reads one input into the feed being built. name is used in messages;
 * format ESPI_FORMAT_AUTO detects it. Inputs for the same service location
 * merge (channels by meter and direction, readings by time, bills by
 * billing period); others give a usage point each. */
ESPI_API int espi_converter_add(espi_converter *c, FILE *in, const char *name, espi_format format,
                                espi_error *err);

/* Merges what was read and hands over the feed (*out is the caller's).
 * ESPI_E_ARG when no zone is known for the local days of the blocks: none
 * was given and no input stated one.
 * The result does not depend on the order the inputs were added in, except
 * where inputs disagree (the later wins, or an error when strict). */
ESPI_API int espi_converter_finish(espi_converter *c, espi_feed **out, espi_error *err);

ESPI_API void espi_converter_free(espi_converter *c);

/* A SmartHub account and service location that inputs added to a converter
 * hold (espi_converter_accounts). The strings are valid during the call. */
typedef struct espi_account_ref {
    const char *account;  /* the account number, never "" */
    const char *location; /* the service location number (its gas and water usage
                             points too); "" when the input does not say (a CSV export
                             names only the account; a billing record for every
                             location of the account) */
    bool usage;           /* usage data of it (readings, bills): a usage point of the
                             feed; false: account metadata only (user-data, billing) */
} espi_account_ref;

typedef void (*espi_account_fn)(const espi_account_ref *ref, void *ctx);

/* (added after 0.1.0) Calls fn for each SmartHub account and location in
 * what was added so far, without merging or writing anything (call it
 * before espi_converter_finish, or instead of it): first the usage points,
 * then the account records (user-data and billing JSON), each pair once
 * per kind, in the order they were read. Usage without an account number
 * (a repaired Green Button file, the older usage CSV) is not listed: a
 * Green Button file names no SmartHub account, so a caller that only asks
 * need not add one (espi_format_detect tells it from its first bytes). An
 * inactive account (user-data "inactive") is skipped as when converting. */
ESPI_API void espi_converter_accounts(const espi_converter *c, espi_account_fn fn, void *ctx);

/* ------------------------------------------------------------------ */
/* Writer: ESPI Atom feed                                              */
/* ------------------------------------------------------------------ */

#define ESPI_TIME_UNSET INT64_MIN

typedef struct espi_write_options {
    /* Atom published/updated of every entry and of the feed. ESPI_TIME_UNSET
     * means: the end of the newest reading, so output depends only on input. */
    int64_t updated;
    /* Prefix of every href; default "/espi/1_1/resource". */
    const char *base_url;
    /* Feed title; default "Green Button Usage Feed". */
    const char *title;
} espi_write_options;

ESPI_API void espi_write_options_init(espi_write_options *opts);

/* Checks options before any work: updated within the years 0001-9999; the
 * base URL made of URI characters (RFC 3986: letters, digits and
 * -._~:/?#[]@!$&'()*+,;=%) and at most 256 long; the title valid UTF-8
 * without control characters. ESPI_E_ARG with a message otherwise. The
 * writer checks them too. */
ESPI_API int espi_write_options_check(const espi_write_options *opts, espi_error *err);

/* Writes the feed as ESPI XML to out. name is used in messages. */
ESPI_API int espi_feed_write_xml(FILE *out, const char *name, const espi_feed *feed,
                                 const espi_write_options *opts, espi_error *err);

/* ------------------------------------------------------------------ */
/* Schema validation with the bundled schemas                          */
/* ------------------------------------------------------------------ */

typedef enum espi_schema_set {
    ESPI_SCHEMA_ESPI_40 = 0, /* usage feed, ESPI 4.0 (link type optional) */
    ESPI_SCHEMA_ESPI_33 = 1  /* usage feed, ESPI 3.3 (link type required) */
} espi_schema_set;

/* (added after 0.1.0) Compiles the bundled schemas of set now (the usage
 * feed's, and the customer feed's when customer), as the first validation
 * would; they are kept for every later call. For a program that will
 * validate and has something else to do first: called on another thread
 * meanwhile, the validation does not wait for it (espi convert calls it
 * while it reads its inputs). */
ESPI_API int espi_schema_load(espi_schema_set set, bool customer, espi_error *err);

/* Validates the file at path (name is used in messages) against the bundled
 * schemas, streaming. Each finding goes to on_diag. Returns ESPI_OK when
 * valid, ESPI_E_INPUT when invalid or not well-formed, ESPI_E_IO when the
 * file cannot be read. No network, no DTD, no entity expansion. */
ESPI_API int espi_schema_validate_file(const char *path, const char *name, espi_schema_set set,
                                       espi_diag_fn on_diag, void *diag_ctx, espi_error *err);

/* The same for an open stream (stdin, a pipe); in is not closed. */
ESPI_API int espi_schema_validate_stream(FILE *in, const char *name, espi_schema_set set,
                                         espi_diag_fn on_diag, void *diag_ctx, espi_error *err);

/* ------------------------------------------------------------------ */
/* Validation: the schema and the Green Button rules in one pass       */
/* ------------------------------------------------------------------ */

/* The GBA certification's rule families (docs/standard.md section 8), as bits. */
typedef enum espi_family {
    ESPI_FB_COMMON = 1 << 0,       /* FB_01: feed, UsagePoint, LocalTimeParameters */
    ESPI_FB_INTERVAL = 1 << 1,     /* FB_04: interval metering */
    ESPI_FB_ELECTRICITY = 1 << 2,  /* FB_05 */
    ESPI_FB_GAS = 1 << 3,          /* FB_10 */
    ESPI_FB_WATER = 1 << 4,        /* FB_11 */
    ESPI_FB_COST = 1 << 5,         /* FB_12 */
    ESPI_FB_SUMMARY = 1 << 6,      /* FB_15 */
    ESPI_FB_SUMMARY_COST = 1 << 7, /* FB_16, FB_28 */
    ESPI_FB_TEMPERATURE = 1 << 8   /* FB_29 */
} espi_family;

/* One rule: findings carry its id as their code. */
typedef struct espi_rule {
    const char *id; /* stable: "reading-duplicate" */
    espi_severity severity;
    unsigned families;   /* espi_family bits it belongs to; 0: always checked */
    const char *gba;     /* the GBA test it matches ("D145", "FDFTP008"), or NULL */
    const char *summary; /* one line: what it checks */
    bool repairable;     /* espi convert repairs what it finds (docs/repair.md) */
} espi_rule;

/* Every rule, in a fixed order (docs/rules.md). */
ESPI_API const espi_rule *espi_rules(size_t *count);

/* The rule with this id, or NULL. */
ESPI_API const espi_rule *espi_rule_find(const char *id);

/* The rule's explanation: its "### ID" section of docs/rules.md (compiled
 * into the library), from that heading to the next one: severity, family,
 * GBA test, what it checks and why, a failing and a passing example, as
 * Markdown. *text points into the library's constant copy (valid for the
 * life of the process, not NUL-terminated at the section's end): *len bytes.
 * Returns 0, or ESPI_E_ARG when id is not a rule (*text NULL, *len 0). */
ESPI_API int espi_rule_explain(const char **text, size_t *len, const char *id);

/* A profile (the GBA web tester's presets): "electricity",
 * "electricity-cost", "gas", "gas-cost", "water" or "temperature", as
 * family bits. Returns 0, or ESPI_E_ARG for another name. */
ESPI_API int espi_profile_parse(unsigned *families, const char *name);

/* "FB_01 FB_04 FB_05 FB_15" for family bits; returns the length needed. */
ESPI_API size_t espi_families_format(char *buf, size_t size, unsigned families);

typedef struct espi_validate_options {
    espi_schema_set set;     /* ESPI 4.0 (default) or 3.3 */
    bool schema_only;        /* the schema alone, as xmllint would */
    unsigned families;       /* espi_family bits; 0: chosen from the file's ReadingTypes */
    espi_diag_fn on_finding; /* each finding; code is the rule id, where the entry */
    void *finding_ctx;
    /* findings of one rule reported per file at most (the rest counted); 0: all, up to
     * 1,000 (what is kept for sorting in file order is bounded) */
    size_t max_per_rule;
    /* Rules left out: their findings are neither reported nor counted as errors, warnings
     * or infos (summary.ignored counts them); a finding that stops the reading (xml-syntax,
     * a limit, ...) is always reported. Ids must be rules of espi_rules() (else ESPI_E_ARG). */
    const char *const *ignore; /* these rules; NULL: none */
    size_t nignore;
    const char *const *only; /* when nonly > 0, every rule but these (then ignore too) */
    size_t nonly;
    /* At the end of a file, once per rule whose findings max_per_rule (or the cap of
     * 1,000) held back: how many (they are in the summary's counts); ctx is finding_ctx.
     * May be NULL. */
    void (*on_suppressed)(const espi_rule *rule, size_t count, void *ctx);
    /* A finding that sums up many readings for one cause (an intervalLength that
     * disagrees with them) is reported once, on the cause, with a count and the first and
     * last reading; verbose adds a finding per reading (not counted as errors, ...). */
    bool verbose;
    /* (added after 0.1.0) The rules alone: the schema is neither compiled nor checked
     * (no "schema" finding). For a caller that runs espi_schema_validate_stream on the
     * same bytes at the same time, on another thread. Ignored with schema_only. */
    bool skip_schema;
    /* (added after 0.1.0) Threads a validation may use for itself. 0, the default: where
     * the machine has more than one core, the schema check of a file larger than a few
     * hundred KiB runs on a second thread, beside the parse and the rules. 1: the calling
     * thread only, for a caller that already validates on every core. The findings are the
     * same either way. */
    unsigned threads;
} espi_validate_options;

/* ESPI 4.0, schema and rules, families chosen from the file, every finding
 * reported, no callback. */
ESPI_API void espi_validate_options_init(espi_validate_options *opts);

typedef struct espi_validate_summary {
    size_t errors, warnings, infos; /* findings, counted ones included */
    size_t suppressed;              /* of those, held back by max_per_rule or the cap */
    size_t ignored;                 /* findings of rules left out (ignore, only): in no count */
    unsigned families;              /* the rule families applied */
    bool customer;                  /* checked as a customer (PII) feed */
    /* (added after 0.1.0) The IntervalReadings checked: each <IntervalReading> that stands
     * directly in an <IntervalBlock> (in any entry, in its <content> or read anyway), counted
     * as the reader delivers it (under schema_only too: the schema checks it). Not counted:
     * one that stands elsewhere (reading-misplaced: it is not read), and, when a fault stops
     * the reading (xml-syntax, a limit), those after it and those not yet delivered (waiting
     * for their block's MeterReading): it counts what was checked before the stop, as when
     * the input stops being readable (ESPI_E_IO; 0 when nothing of it could be read). */
    size_t readings;
} espi_validate_summary;

/* Validates a Green Button file in one streaming pass: the bundled schema
 * (usage or, when the file's head names the customer namespace, customer)
 * and the rules of espi_rules(). Findings go to on_finding once the file
 * is read, in file order (by line, column, then the order found; those of
 * the families chosen from the file among them); line and column are where
 * the start tag of the element at fault begins. Returns ESPI_OK
 * when there is no error (warnings and infos allowed), ESPI_E_INPUT when
 * there is one, ESPI_E_IO when the input cannot be read. No network, no
 * DTD loading, no entity expansion. summary and opts may be NULL (the
 * defaults of espi_validate_options_init). */
ESPI_API int espi_validate(espi_validate_summary *summary, FILE *in, const char *name,
                           const espi_validate_options *opts, espi_error *err);

/* A validator checks many files and writes one report: findings and a
 * verdict per file, as text lines
 * (FILE:LINE:COL: severity: RULE: message [entry ID], then "FILE: valid
 * ...") or as one JSON array with an object per file (its findings, then
 * valid, errors, warnings, infos, families), or as JSON lines (the same
 * object per file, one per line). Each file's part is flushed when the
 * file is done. docs/rules.md describes the shapes. */
typedef enum espi_validator_format {
    ESPI_VALIDATOR_TEXT,
    ESPI_VALIDATOR_JSON,
    ESPI_VALIDATOR_JSONL
} espi_validator_format;

typedef struct espi_validator_options {
    espi_validator_format format;
    bool quiet;   /* the verdicts only */
    bool strict;  /* warnings make a file invalid */
    bool summary; /* a closing line "N files: N valid, N invalid, N unreadable" (text), or
                   * object {"summary": {...}} (JSON lines); none in the JSON array */
    /* Each finding as it is reported (max_per_rule's held-back ones are not), after
     * the report has it; quiet does not stop it. May be NULL. */
    espi_diag_fn on_finding;
    void *finding_ctx;
    /* A part of a report that another validator (the framing one, same format) frames,
     * for files validated apart (on worker threads) and given out in order: the part
     * writes its files' lines or objects alone. In JSON neither the array's brackets
     * nor, unless first_part, a separator before its first object: the framing
     * report's "[" and "]" go around the parts, in order, the first first_part. A
     * part writes no summary: espi_validator_merge adds its counts to the framing
     * report's, whose summary then counts every file. */
    bool part;
    bool first_part;
} espi_validator_options;

/* Text, every finding, warnings allowed. */
ESPI_API void espi_validator_options_init(espi_validator_options *opts);

typedef struct espi_validator espi_validator;

/* opts NULL: the defaults of espi_validator_options_init. */
ESPI_API int espi_validator_new(espi_validator **out, FILE *dest,
                                const espi_validator_options *opts, espi_error *err);

/* Validates one input and writes its findings and verdict; *valid tells
 * the verdict. Returns ESPI_OK when the file was checked (valid or not),
 * or the error that stopped it (ESPI_E_IO: it could not be read; the JSON
 * report then holds the error too). opts NULL: the defaults of
 * espi_validate_options_init. */
ESPI_API int espi_validator_add(bool *valid, espi_validator *r, FILE *in, const char *name,
                                const espi_validate_options *opts, espi_error *err);

/* Records an input that could not even be opened (in the JSON report),
 * counted as unreadable; or, when err->status is ESPI_E_INPUT, one that is
 * not Green Button XML (SmartHub data, a ZIP with no XML file), counted as
 * invalid. */
ESPI_API void espi_validator_unreadable(espi_validator *r, const char *name, const espi_error *err);

/* Ends the report (the JSON array, the summary) and flushes. A part: flushes
 * (and says whether what it wrote was written). */
ESPI_API int espi_validator_finish(espi_validator *r, espi_error *err);

/* What a report counts so far: inputs by verdict (as the summary counts them)
 * and the findings of the files checked (errors, warnings, infos; held back by
 * max_per_rule included, ignored ones not). */
typedef struct espi_validator_totals {
    size_t files, valid, invalid, unreadable;
    size_t errors, warnings, infos;
    size_t readings; /* (added after 0.1.0) of the files checked (espi_validate_summary) */
} espi_validator_totals;

ESPI_API void espi_validator_totals_get(espi_validator_totals *out, const espi_validator *r);

/* Adds the counts of part (a validator made with options.part, finished) to
 * r's, for r's summary; a write error of the part's becomes r's, which
 * espi_validator_finish(r) then returns. */
ESPI_API void espi_validator_merge(espi_validator *r, const espi_validator *part);

ESPI_API void espi_validator_free(espi_validator *r);

/* ------------------------------------------------------------------ */
/* Reader: any Green Button file, streamed                             */
/* ------------------------------------------------------------------ */

/* A number the file does not give. ESPI numbers are at most 64-bit, so
 * this value never occurs in a file. */
#define ESPI_ABSENT INT64_MIN

typedef struct espi_link {
    const char *rel;  /* NULL when absent */
    const char *href; /* resolved against xml:base when the file has one */
    const char *type; /* NULL when absent */
} espi_link;

/* The Atom entry around a resource. hrefs in self/up are resolved against
 * xml:base when the file has one, so they join across the file. */
typedef struct espi_entry {
    const char *id; /* atom:id text; NULL when absent */
    const char *title;
    const char *published;
    const char *updated;
    const espi_link *links;
    size_t nlinks;
    const char *self; /* the rel="self" href, resolved; NULL when absent */
    const char *up;   /* the rel="up" href, resolved; NULL when absent */
    unsigned long line;
    /* The resource was read only "anyway", with a warning: it stands
     * outside any entry's <content> (outside-content), or its element has
     * a name ESPI does not define, read as the one it spells in another
     * case (resource-name-case). It is the resource's own, not the
     * entry's. espi_read joins and delivers it as any other (dump and
     * convert keep it); espi_validate does not count it as that resource
     * for the rules that need the whole feed. */
    bool anyway;
} espi_entry;

typedef struct espi_ltp_res {
    espi_entry entry;
    int64_t dst_end_rule; /* DstRuleType bits; ESPI_ABSENT when absent or not hex */
    int64_t dst_offset;
    int64_t dst_start_rule;
    int64_t tz_offset;
} espi_ltp_res;

typedef struct espi_usage_point_res {
    espi_entry entry;
    int64_t service_kind; /* ServiceCategory/kind */
    int64_t status;
    const espi_ltp_res *ltp; /* its LocalTimeParameters, when known */
} espi_usage_point_res;

typedef struct espi_reading_type_res {
    espi_entry entry;
    int64_t accumulation, commodity, consumption_tier, currency, data_qualifier, default_quality;
    int64_t flow_direction, interval_length, kind, phase, power_of_ten, time_attribute, tou, uom;
    int64_t cpp, measuring_period;
    bool nested; /* written inside its MeterReading (not allowed; the 2025 GBA test feed) */
} espi_reading_type_res;

typedef struct espi_meter_reading_res {
    espi_entry entry;
    const espi_usage_point_res *usage_point;   /* via its up link (or a layout, see
                                                  espi_read); NULL when unknown */
    const espi_reading_type_res *reading_type; /* via a related link; NULL when unknown */
} espi_meter_reading_res;

typedef struct espi_interval_block_res {
    espi_entry entry;        /* complete in the ESPI_RES_INTERVAL_BLOCK event; while its
                                readings are delivered, fields after content may be NULL */
    int64_t duration, start; /* interval */
    const espi_meter_reading_res *meter_reading; /* via its up link; NULL when unknown */
    unsigned long line;   /* of the IntervalBlock element (its entry's is entry.line) */
    unsigned long column; /* of the IntervalBlock start tag's '<' (characters, from 1) */
} espi_interval_block_res;

typedef struct espi_interval_reading_res {
    int64_t start, duration; /* timePeriod, UTC seconds */
    int64_t value, cost;
    int64_t quality; /* the first ReadingQuality/quality */
    int64_t consumption_tier, tou, cpp;
    unsigned long line;
    const espi_interval_block_res *block;
    unsigned long column; /* of the IntervalReading start tag's '<' (characters, from 1) */
} espi_interval_reading_res;

typedef struct espi_summary_measurement {
    int64_t power_of_ten, time_stamp, uom, value;
} espi_summary_measurement;

/* The measurements of a summary, in the order espi_usage_summary_res
 * lists them (overallConsumptionLastPeriod first, ratchetDemand last):
 * what reading_type_refs is indexed by. */
#define ESPI_SUMMARY_MEASUREMENTS 10

/* A costAdditionalDetailLastPeriod line item of a summary. Numbers are
 * ESPI_ABSENT when absent; amount, rounding and unit_cost are in
 * hundred-thousandths of the summary's currency. */
typedef struct espi_line_item {
    int64_t amount, rounding, date_time, item_kind, unit_cost;
    int64_t item_period_start, item_period_duration; /* itemPeriod */
    const char *note;                                /* NULL when absent */
    espi_summary_measurement measurement;
    const char *measurement_reading_type_ref; /* measurement/readingTypeRef; NULL when absent */
} espi_line_item;

/* A tariffRiderRefs/tariffRiderRef of a summary. */
typedef struct espi_tariff_rider {
    const char *rider_type, *enrollment_status; /* NULL when absent */
    int64_t effective_date;                     /* ESPI_ABSENT when absent */
} espi_tariff_rider;

/* UsageSummary, or the deprecated ElectricPowerUsageSummary. */
typedef struct espi_usage_summary_res {
    espi_entry entry;
    bool deprecated; /* ElectricPowerUsageSummary */
    int64_t billing_start, billing_duration;
    int64_t bill_last_period, bill_to_date, cost_additional_last_period; /* 1/100000 currency */
    int64_t currency, quality_of_reading, status_time_stamp, commodity;
    espi_summary_measurement overall_consumption_last_period;
    espi_summary_measurement current_billing_period_overall_consumption;
    espi_summary_measurement current_day_last_year_net_consumption;
    espi_summary_measurement current_day_net_consumption;
    espi_summary_measurement current_day_overall_consumption;
    espi_summary_measurement peak_demand;
    espi_summary_measurement previous_day_last_year_overall_consumption;
    espi_summary_measurement previous_day_net_consumption;
    espi_summary_measurement previous_day_overall_consumption;
    espi_summary_measurement ratchet_demand;
    const char *tariff_profile; /* NULL when absent */
    const char *read_cycle;
    size_t line_items;                       /* costAdditionalDetailLastPeriod elements */
    const espi_usage_point_res *usage_point; /* via its up link; NULL when unknown */
    /* The rest of what ESPI defines (added after 0.1.0, at the end): */
    const espi_line_item *items; /* the line_items costAdditionalDetailLastPeriod items */
    const espi_tariff_rider *tariff_riders;
    size_t ntariff_riders;
    int64_t ratchet_demand_period_start, ratchet_demand_period_duration;
    const char *billing_charge_source; /* billingChargeSource/agencyName; NULL when absent */
    /* each measurement's readingTypeRef, in the order above; NULL when absent */
    const char *reading_type_refs[ESPI_SUMMARY_MEASUREMENTS];
} espi_usage_summary_res;

/* ElectricPowerQualitySummary: its period; the other fields are not read. */
typedef struct espi_quality_summary_res {
    espi_entry entry;
    int64_t summary_start, summary_duration;
    const espi_usage_point_res *usage_point;
} espi_quality_summary_res;

/* A resource espi does not interpret: customer-namespace (PII) resources
 * such as Customer or ServiceLocation, and ESPI ones such as
 * ApplicationInformation. */
typedef struct espi_other_res {
    espi_entry entry;
    const char *ns; /* namespace URI */
} espi_other_res;

typedef struct espi_feed_res {
    const char *id, *title, *updated;
    const espi_link *links;
    size_t nlinks;
    unsigned long line;
    size_t entries, readings;
    bool fragment;        /* the root is one atom:entry (what an ESPI API returns for a single
                             resource), read as a feed of that entry; id, title, updated NULL */
    unsigned long column; /* of the root's start tag '<' (characters, from 1) */
} espi_feed_res;

typedef enum espi_resource_kind {
    ESPI_RES_USAGE_POINT,
    ESPI_RES_METER_READING,
    ESPI_RES_READING_TYPE,
    ESPI_RES_LOCAL_TIME_PARAMETERS,
    ESPI_RES_INTERVAL_BLOCK,
    ESPI_RES_INTERVAL_READING,
    ESPI_RES_USAGE_SUMMARY,
    ESPI_RES_QUALITY_SUMMARY,
    ESPI_RES_OTHER,
    ESPI_RES_FEED /* last: the feed's own metadata, once every entry is read */
} espi_resource_kind;

typedef struct espi_resource {
    espi_resource_kind kind;
    const char *name; /* the element's local name: "UsagePoint", "Customer", ... */
    union {
        const espi_usage_point_res *usage_point;
        const espi_meter_reading_res *meter_reading;
        const espi_reading_type_res *reading_type;
        const espi_ltp_res *ltp;
        const espi_interval_block_res *interval_block;
        const espi_interval_reading_res *reading;
        const espi_usage_summary_res *usage_summary;
        const espi_quality_summary_res *quality_summary;
        const espi_other_res *other;
        const espi_feed_res *feed;
    } u;
} espi_resource;

/* Receives each resource; a non-zero return stops the reading (the call
 * then returns that value). Readings, blocks and other (ESPI_RES_OTHER)
 * resources are valid during the call only; usage points, meter readings,
 * reading types, time parameters and summaries stay valid until espi_read
 * returns. */
typedef int (*espi_resource_fn)(const espi_resource *res, void *ctx);

typedef struct espi_read_options {
    espi_diag_fn on_diag; /* warnings: odd but readable input */
    void *diag_ctx;
    size_t chunk_size; /* bytes handed to the parser at a time; 0: 64 KiB,
                          at least 512 (see reader.c) */
    size_t max_held;   /* readings held back at most before the oldest go out
                          unjoined (a held block counts as 6 more);
                          0: 200,000 (about 16 MB) */
} espi_read_options;

/* No callback, 64 KiB chunks, 200,000 readings held at most. */
ESPI_API void espi_read_options_init(espi_read_options *opts);

/* Reads a Green Button feed from in (name is used in messages), in one
 * streaming pass, and hands every resource to fn as it is read. Resources
 * are matched by namespace URI and local name, whatever the prefix, and
 * joined by href as docs/standard.md section 3 describes, in whatever order the
 * entries come; where those links join nothing, by the layouts other
 * writers use (the 2011 format, Opower, hierarchical hrefs, the file's
 * only candidate: docs/dump-format.md), each said once with a warning.
 * Readings are handed over as soon as their block's
 * MeterReading, ReadingType, UsagePoint and LocalTimeParameters are known,
 * held back until then, and handed over unjoined (with a warning) at the
 * end when they never are. Memory follows the number of resources, not of
 * readings. A document whose root is one atom:entry is read as a feed of
 * that entry (espi_feed_res.fragment). Returns ESPI_OK; ESPI_E_INPUT when
 * the file is not well-formed XML or its root is neither an Atom feed nor
 * an Atom entry (err names file and line); ESPI_E_IO
 * when it cannot be read. No network, no DTD loading, no entity expansion. */
ESPI_API int espi_read(FILE *in, const char *name, const espi_read_options *opts,
                       espi_resource_fn fn, void *ctx, espi_error *err);

/* ------------------------------------------------------------------ */
/* Code tables (docs/standard.md section 5)                                      */
/* ------------------------------------------------------------------ */

/* "Wh" for uom 72, "therm" for 169, ...; NULL for a code without a name. */
ESPI_API const char *espi_uom_symbol(int64_t uom);

/* "USD" for 840, ...; NULL when unknown. */
ESPI_API const char *espi_currency_alpha(int64_t iso4217);

/* Splits a unit such as "kWh" into a power of ten (3) and the name of an
 * ESPI unit ("Wh"); a prefix on m3 is cubed ("dm3": -3). False when the
 * text is not an SI prefix (or none) followed by a known unit name, or the
 * unit takes no prefix (ft3, USgal, h, ...). */
ESPI_API bool espi_unit_parse(int *power, const char **symbol, const char *text);

/* ------------------------------------------------------------------ */
/* Dump: Green Button to CSV and JSON (docs/dump-format.md)            */
/* ------------------------------------------------------------------ */

typedef enum espi_dump_format { ESPI_DUMP_CSV, ESPI_DUMP_JSONL, ESPI_DUMP_JSON } espi_dump_format;

typedef enum espi_dump_what {
    ESPI_DUMP_READINGS,
    ESPI_DUMP_SUMMARIES,
    ESPI_DUMP_USAGE_POINTS,
    ESPI_DUMP_READING_TYPES
} espi_dump_what;

typedef struct espi_dumper espi_dumper;

typedef struct espi_dump_options {
    espi_dump_format format;
    espi_dump_what what;
    const espi_tz *tz; /* local times in this zone, not the file's; NULL: the file's */
    const char *unit;  /* e.g. "kWh": values in this power-of-ten variant of their unit */
    espi_diag_fn on_diag;
    void *diag_ctx;
    size_t chunk_size; /* passed to espi_read */
    /* A file that fails leaves no rows: dest is cut back to where its rows
     * began (when dest is a regular file; on a pipe they stay). */
    bool drop_failed;
    /* CSV: no header line. For a part of a table whose header another
     * dumper writes (one dumper per file on worker threads, their outputs
     * joined in order: the first with the header, the others without). JSON
     * lines and JSON documents have no framing across files: a dumper's
     * output per file can be joined as it is. */
    bool no_header;
} espi_dump_options;

/* CSV rows of readings, the file's own zone and units, no callback. */
ESPI_API void espi_dump_options_init(espi_dump_options *opts);

/* A dumper writes rows of any number of files to out: the CSV header once,
 * then each file's rows. */
/* opts NULL: the defaults of espi_dump_options_init. */
ESPI_API int espi_dumper_new(espi_dumper **out, FILE *dest, const espi_dump_options *opts,
                             espi_error *err);

/* Reads one file and writes its rows. Returns what espi_read returns, or
 * ESPI_E_IO with err->code "write" when the output cannot be written (then
 * later files cannot be written either). A DOCTYPE in the file's prolog is
 * a warning (code "xml-dtd"): its DTD is neither read nor applied. */
ESPI_API int espi_dumper_add(espi_dumper *d, FILE *in, const char *name, espi_error *err);

/* Writes what is still buffered (the JSON document's end) and flushes. */
ESPI_API int espi_dumper_finish(espi_dumper *d, espi_error *err);

/* The rows written so far: CSV lines (the header not counted) or JSON lines;
 * in JSON documents, the readings (--what readings) or the objects listed.
 * Rows cut off with a file that failed (drop_failed) are not counted. */
ESPI_API size_t espi_dumper_rows(const espi_dumper *d);

ESPI_API void espi_dumper_free(espi_dumper *d);

/* ------------------------------------------------------------------ */
/* Summary: readings totalled per local period (docs/summary-format.md) */
/* ------------------------------------------------------------------ */

typedef enum espi_summary_per {
    ESPI_SUMMARY_HOUR,
    ESPI_SUMMARY_DAY,
    ESPI_SUMMARY_WEEK, /* from Monday */
    ESPI_SUMMARY_MONTH,
    ESPI_SUMMARY_BILL /* the UsageSummary billing periods of each usage point */
} espi_summary_per;

typedef enum espi_summary_format {
    ESPI_SUMMARY_TEXT, /* an aligned table for a person */
    ESPI_SUMMARY_CSV,  /* one row per usage point x meter reading x tou x period */
    ESPI_SUMMARY_JSON  /* one document {"version":1,"per":...,"rows":[...]} */
} espi_summary_format;

typedef struct espi_summary_options {
    espi_summary_per per;
    espi_summary_format format;
    const espi_tz *tz; /* periods in this zone, not the file's; NULL: the file's (else UTC) */
    const char *unit;  /* e.g. "kWh": values in this power-of-ten variant of their unit */
    espi_diag_fn on_diag;
    void *diag_ctx;
    size_t chunk_size; /* passed to espi_read */
} espi_summary_options;

/* Per month, as text, the file's own zone and units, no callback. */
ESPI_API void espi_summary_options_init(espi_summary_options *opts);

typedef struct espi_summarizer espi_summarizer;

/* A summarizer writes the totals of any number of files to dest; memory
 * grows with the periods and series of a file, not its readings. opts
 * NULL: the defaults of espi_summary_options_init. ESPI_E_ARG for an
 * unknown unit or period. */
ESPI_API int espi_summarizer_new(espi_summarizer **out, FILE *dest,
                                 const espi_summary_options *opts, espi_error *err);

/* Reads one file and writes its rows when it ends. Returns what espi_read
 * returns, or ESPI_E_IO with err->code "write" when the output fails. */
ESPI_API int espi_summarizer_add(espi_summarizer *m, FILE *in, const char *name, espi_error *err);

/* Ends the document (JSON; the CSV header when no file was added) and flushes. */
ESPI_API int espi_summarizer_finish(espi_summarizer *m, espi_error *err);

ESPI_API void espi_summarizer_free(espi_summarizer *m);

/* ------------------------------------------------------------------ */
/* Report: the totals as XML, and HTML with charts (docs/report-format.md) */
/* ------------------------------------------------------------------ */

typedef enum espi_report_format {
    ESPI_REPORT_HTML, /* the XML transformed by the stylesheet */
    ESPI_REPORT_XML   /* the report XML itself (namespace urn:x-espi:report:1) */
} espi_report_format;

typedef struct espi_report_options {
    espi_report_format format;
    const espi_tz *tz; /* periods in this zone, not the file's; NULL: the file's (else UTC) */
    const char *unit;  /* values in this variant of their unit; NULL: kWh for Wh readings */
    /* an XSLT 1.0 stylesheet (a path) applied instead of the bundled one; it must be one
     * file (no xsl:include or xsl:import) and may read or write nothing */
    const char *stylesheet;
    bool validate; /* add espi_validate's findings, by rule */
    espi_diag_fn on_diag;
    void *diag_ctx;
    size_t chunk_size; /* passed to espi_read */
} espi_report_options;

/* HTML with the bundled stylesheet, the file's zone, kWh, no validation. */
ESPI_API void espi_report_options_init(espi_report_options *opts);

typedef struct espi_reporter espi_reporter;

/* A reporter totals any number of files into one report, written to dest
 * by espi_reporter_finish; memory grows with the periods and series, not
 * the readings. ESPI_E_ARG for an unknown unit; ESPI_E_INPUT (err->code
 * "stylesheet") when the stylesheet cannot be read or is not XSLT 1.0 that
 * espi can run. */
ESPI_API int espi_reporter_new(espi_reporter **out, FILE *dest, const espi_report_options *opts,
                               espi_error *err);

/* Reads one file (twice with validate: a stream that cannot seek is first
 * copied to a temporary file). Returns what espi_read returns. */
ESPI_API int espi_reporter_add(espi_reporter *r, FILE *in, const char *name, espi_error *err);

/* Transforms the report and writes it to dest. ESPI_E_INPUT (code
 * "stylesheet") when the transformation fails, ESPI_E_IO (code "write")
 * when the output does. */
ESPI_API int espi_reporter_finish(espi_reporter *r, espi_error *err);

ESPI_API void espi_reporter_free(espi_reporter *r);

/* ------------------------------------------------------------------ */
/* Inputs: files, stdin, gzip and ZIP (docs/inputs.md)                 */
/* ------------------------------------------------------------------ */

/* What a gzip input or one ZIP member may unpack to by default (4 GiB):
 * beyond it, it is taken for a bomb. */
#define ESPI_INPUT_MAX_UNPACKED ((uint64_t)4 * 1024 * 1024 * 1024)

/* How many first bytes of each input espi_input_head gives. */
#define ESPI_INPUT_HEAD_BYTES 65536

typedef struct espi_input_options {
    /* bytes a gzip input, a ZIP member, and a ZIP's .xml members together
     * may unpack to; 0: the default */
    uint64_t max_unpacked;
} espi_input_options;

/* max_unpacked ESPI_INPUT_MAX_UNPACKED. */
ESPI_API void espi_input_options_init(espi_input_options *opts);

/* One path given by a user, as the inputs it holds. */
typedef struct espi_input espi_input;

/* Opens path ("-": stdin) as one or more inputs, told by their first
 * bytes, not by the name: a plain file is one input; gzip data (1f 8b) are
 * one input, inflated as they are read; a ZIP archive's .xml members are
 * one input each, in archive order, named "archive.zip:member.xml" (also
 * inside gzip). Returns 0; ESPI_E_IO with err->code "io" when path does not
 * exist ("no such file"), is a directory, or cannot be read ("cannot read:
 * REASON"); ESPI_E_INPUT when a ZIP cannot be opened or holds no .xml file
 * (the message lists what it holds), or gzip data are damaged at their
 * start; ESPI_E_LIMIT for a ZIP over 512 MiB. opts NULL: the defaults. */
ESPI_API int espi_input_open(espi_input **out, const char *path, const espi_input_options *opts,
                             espi_error *err);

/* The same for a stream already open (a pipe, a socket); in stays the
 * caller's; name is used in messages. */
ESPI_API int espi_input_open_stream(espi_input **out, FILE *in, const char *name,
                                    const espi_input_options *opts, espi_error *err);

/* The next input: its bytes (*stream, valid until the next call or
 * espi_input_close) and its name. Returns 0 with *stream NULL when none is
 * left. An input that cannot be opened (a ZIP member that is encrypted or
 * declares more than max_unpacked, say; err names it) returns its error,
 * and the next call goes on with the one after it. */
ESPI_API int espi_input_next(espi_input *in, FILE **stream, const char **name, espi_error *err);

/* The first bytes of the current input (at most ESPI_INPUT_HEAD_BYTES),
 * which its stream still gives: enough for espi_format_detect. */
ESPI_API void espi_input_head(const espi_input *in, const unsigned char **head, size_t *n);

/* After the current input was read: 0, or why reading it failed (gzip data
 * or a ZIP member damaged or truncated, "gz-bomb" or "zip-bomb", a read
 * error), which explains an I/O error that its reader met. */
ESPI_API int espi_input_check(const espi_input *in, espi_error *err);

/* Closes every stream (not a caller's stream or stdin) and frees in. NULL
 * is a no-op. */
ESPI_API void espi_input_close(espi_input *in);

/* ------------------------------------------------------------------ */
/* Atomic output: write to a temporary file, then rename                */
/* ------------------------------------------------------------------ */

typedef struct espi_output espi_output;

/* Outputs that may be open at once in a process (opened and not yet
 * committed or aborted): each one's temporary file is listed for
 * espi_output_remove_pending in a table that a signal handler can read. */
#define ESPI_OUTPUT_MAX_OPEN 64

/* Opens a temporary file beside path (or in $TMPDIR when path is NULL, for
 * output that goes to stdout on commit). ESPI_E_LIMIT (err->code
 * "output-limit") when ESPI_OUTPUT_MAX_OPEN outputs are open already: no
 * temporary file is ever left out of espi_output_remove_pending's list. */
ESPI_API int espi_output_open(espi_output **out, const char *path, espi_error *err);

/* The stream to write to. */
ESPI_API FILE *espi_output_stream(espi_output *o);

/* The temporary file's path, for validating it before commit. */
ESPI_API const char *espi_output_temp_path(const espi_output *o);

/* Flushes, syncs and renames over path (or copies to dest when path was
 * NULL), then frees o. On failure nothing is left behind and an existing
 * file at path is untouched. */
ESPI_API int espi_output_commit(espi_output *o, FILE *dest, espi_error *err);

/* Removes the temporary file and frees o. NULL is a no-op. */
ESPI_API void espi_output_abort(espi_output *o);

/* Removes every temporary file still open, without freeing anything, and
 * writes "PATH: error: interrupted: ..." for each to report_fd (unless it is
 * -1): for a SIGINT or SIGTERM handler, which then ends the process. It
 * only calls unlink and write and uses lock-free atomics, so it is
 * async-signal-safe, on whichever thread the signal arrives, while other
 * threads open and commit outputs. An output whose file it removed is still
 * the caller's to free (espi_output_abort). */
ESPI_API void espi_output_remove_pending(int report_fd);

/* ------------------------------------------------------------------ */
/* Fetch: a SmartHub portal's API, or a Green Button URL (libcurl)     */
/* ------------------------------------------------------------------ */

/* What is fetched goes into a converter (espi_converter_add), as if it
 * were given to espi convert: the caller makes the converter with the
 * options it wants, and finishes and writes the feed. Requests are made
 * one at a time over one connection, with certificate verification always
 * on; URLs must be https://, or http:// to a loopback address (127.0.0.0/8,
 * [::1], localhost). Proxies come from the usual environment variables
 * (https_proxy, HTTPS_PROXY, ALL_PROXY, NO_PROXY), as libcurl reads them;
 * a loopback address is never proxied. Secrets (the password, the token,
 * the TOTP secret) are not copied beyond the buffers that need them, are
 * never put in a message, an event or a body handed to on_body, and the
 * library's copies are wiped when done. docs/fetch.md says more. */

typedef enum espi_time_frame {
    ESPI_TIME_FRAME_AUTO = 0, /* HOURLY; for an update, what the feed holds */
    ESPI_TIME_FRAME_HOURLY,   /* the meter's native interval: 15 minutes where the co-op has it */
    ESPI_TIME_FRAME_DAILY,
    ESPI_TIME_FRAME_MONTHLY /* billing periods, which become UsageSummaries */
} espi_time_frame;

typedef enum espi_fetch_event_kind {
    ESPI_FETCH_HTTP,   /* a request was answered, or failed: method, path, status, seconds */
    ESPI_FETCH_WAIT,   /* waiting before asking again: window, reason, seconds */
    ESPI_FETCH_WINDOW, /* a window was read: window, readings */
    ESPI_FETCH_LOGIN   /* logged in (again, when reason says why) */
} espi_fetch_event_kind;

/* What a fetch tells as it goes (progress, --verbose). Never a secret, a
 * query string or a body. Pointers are valid during the callback only. */
typedef struct espi_fetch_event {
    espi_fetch_event_kind kind;
    const char *method; /* HTTP: "GET", "POST" */
    const char *path;   /* HTTP: the URL's path, without the query */
    long status;        /* HTTP: the status code; 0 when no answer came */
    double seconds;     /* HTTP: the time the request took; WAIT: the wait */
    const char *window; /* the window ("2026-03-01..2026-03-30", local days), or "login",
                           "user-data" for those requests; NULL in espi_fetch_url */
    const char *reason; /* WAIT: "PENDING", "HTTP 429", "HTTP 503"; LOGIN: NULL the first
                           time, "token expired" after a 401 */
    size_t readings;    /* WINDOW: the readings (points with a value) it gave */
} espi_fetch_event;

typedef void (*espi_fetch_event_fn)(const espi_fetch_event *event, void *ctx);

/* A response body as received, before it goes to the converter (--save-raw):
 * name is a file name made from what it answers ("user-data.json",
 * "hourly_2026-03-01_2026-03-30.json", "page-001.xml"), never a
 * secret. The login's answer (it holds the token) is never handed over.
 * Returns 0, or a negative espi_status with err filled, which stops the
 * fetch. */
typedef int (*espi_fetch_body_fn)(const char *name, const void *body, size_t size, espi_error *err,
                                  void *ctx);

typedef struct espi_fetch_options {
    const char *cacert;      /* PEM file of the CA(s) to trust instead of the system's; NULL */
    long connect_timeout_ms; /* to connect, TLS included: 20000 */
    long timeout_ms;         /* a whole request: 120000 */
    long poll_interval_ms;   /* between polls while SmartHub answers PENDING: 2000 */
    long budget_ms;  /* the longest a window may wait in all (PENDING, Retry-After): 60000 */
    size_t max_body; /* the largest response body accepted: 256 MiB */
    espi_fetch_event_fn on_event; /* may be NULL */
    void *event_ctx;
    espi_fetch_body_fn on_body; /* may be NULL */
    void *body_ctx;
    espi_diag_fn on_diag; /* warnings (an account and location user-data does not list, asked
                             for as given); may be NULL */
    void *diag_ctx;
} espi_fetch_options;

/* The defaults above, the system's CAs, no callbacks. */
ESPI_API void espi_fetch_options_init(espi_fetch_options *opts);

/* What to fetch from a SmartHub portal, and as whom. */
typedef struct espi_smarthub_query {
    const char *url;         /* the portal's origin: "https://cec.smarthub.coop" */
    const char *user;        /* the login */
    const char *password;    /* read only for the login request */
    const char *totp_secret; /* base32 (RFC 4648) MFA secret, for RFC 6238 codes; NULL: none */
    const char *totp_code;   /* an MFA code the user read; NULL: none, or made from totp_secret */
    const char *account;     /* NULL: the only active one of user-data */
    const char *location;    /* service location number; NULL: likewise */
    const espi_tz *tz;       /* the co-op's zone: the local days below are its */
    const char *start;       /* first local day, YYYY-MM-DD; required (but for an update) */
    const char *end;         /* last local day, inclusive; NULL: yesterday */
    espi_time_frame time_frame;
    bool bills; /* the MONTHLY response (billing periods) too */
} espi_smarthub_query;

/* No URL, user or dates; HOURLY; no bills. */
ESPI_API void espi_smarthub_query_init(espi_smarthub_query *q);

/* Checks a query before anything is sent: the URL (as
 * espi_fetch_url_check), the user, the zone, the dates (YYYY-MM-DD, start
 * not after end; start may be NULL), the MFA code's digits, the secret's
 * base32. The password is not looked at, so that a program can check the
 * rest before it asks for one. ESPI_E_ARG with what is wrong; ESPI_E_IO
 * (code "fetch-libcurl") when libcurl, opened when first needed, cannot be
 * loaded. */
ESPI_API int espi_smarthub_query_check(const espi_smarthub_query *q, espi_error *err);

/* Whether url may be fetched: https://, or http:// to a loopback address;
 * no user name or password in it. ESPI_E_ARG with why not; ESPI_E_IO when
 * libcurl cannot be loaded (as espi_smarthub_query_check). */
ESPI_API int espi_fetch_url_check(const char *url, espi_error *err);

/* Logs in (once; again only after a 401 on an expired token, never after a
 * refused login: portals lock an account after a few), reads the account's
 * user-data, then polls secured/utility-usage/poll for each window of at
 * most 30 days (a year for MONTHLY) from start to end, and adds user-data
 * and every COMPLETE answer to conv, in that order. ESPI_E_ARG: the query
 * or the options are not acceptable, or several locations fit (the message
 * lists their numbers); ESPI_E_INPUT: the portal refused the login or a
 * window (FAILED, COMPLETE with no reading, not the JSON expected);
 * ESPI_E_IO: no answer (timeout, refused connection, TLS), an answer that
 * says to try later (a web page, an HTTP error, PENDING or Retry-After past
 * the budget). err names the window and what to do. opts NULL: defaults. */
ESPI_API int espi_fetch_smarthub(espi_converter *conv, const espi_smarthub_query *q,
                                 const espi_fetch_options *opts, espi_error *err);

/* An update of a feed that espi_fetch_smarthub made: reads the feed from in
 * (name for messages), fetches from its last reading's local day minus 2
 * days (SmartHub revises recent days) to q->end (q->start is not used), and
 * adds to conv the feed's readings first, then what was fetched, which
 * wins where they differ (the converter's merge-conflict warnings then name
 * the revised readings). Bills are fetched again over the whole feed when it
 * holds any. ESPI_E_INPUT when the feed holds readings this account's data
 * cannot name (another location, a channel SmartHub does not give). */
ESPI_API int espi_fetch_smarthub_update(espi_converter *conv, FILE *in, const char *name,
                                        const espi_smarthub_query *q,
                                        const espi_fetch_options *opts, espi_error *err);

/* Fetches a Green Button file (a Download My Data link, or a Connect My
 * Data resource such as Batch/Subscription/{id}) with GET, sending
 * bearer_token (NULL: none) as "Authorization: Bearer", follows the feed's
 * rel="next" links when it is paged (the pages are joined into one
 * document), and adds it to conv as ESPI_FORMAT_ESPI, so that it is
 * repaired as espi convert --from espi repairs a file. */
ESPI_API int espi_fetch_url(espi_converter *conv, const char *url, const char *bearer_token,
                            const espi_fetch_options *opts, espi_error *err);

#ifdef __cplusplus
}
#endif

#endif /* ESPI_H */
