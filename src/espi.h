/*
 * espi.h - the one public header of libespi, a library for Green Button
 * (NAESB REQ.21 ESPI) energy data.
 *
 * Data flow: a reader turns an input (SmartHub poll JSON today) into an
 * espi_feed, the feed model; a writer turns the model into an ESPI Atom feed;
 * the schema module validates ESPI files against the bundled schemas.
 *
 * Conventions:
 *  - every public name starts with espi_;
 *  - functions return 0 (ESPI_OK) or a negative espi_status, and fill the
 *    caller's espi_error with a message that names the file and the line;
 *  - out-parameters come first, callbacks take their context pointer last;
 *  - _new/_free pairs; every _free accepts NULL;
 *  - warnings go to an espi_diag_fn callback; nothing is printed.
 * All functions are thread-safe for distinct objects: no global time zone.
 * Process-wide state is limited to schema validation: on first use it
 * initialises libxml2, installs an external-entity loader that serves the
 * bundled schemas (and passes every other URL to the loader it replaced),
 * and keeps the compiled schemas for later calls.
 */
#ifndef ESPI_H
#define ESPI_H

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

#define ESPI_VERSION "0.1.0"

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

/* Reads one COMPLETE response of POST secured/utility-usage/poll from in
 * (streamed; memory grows with the number of points, not the text), and
 * builds the feed model. name is used in messages. */
ESPI_API int espi_smarthub_read(espi_feed **out, FILE *in, const char *name,
                                const espi_smarthub_options *opts, espi_error *err);

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
/* Atomic output: write to a temporary file, then rename                */
/* ------------------------------------------------------------------ */

typedef struct espi_output espi_output;

/* Opens a temporary file beside path (or in $TMPDIR when path is NULL, for
 * output that goes to stdout on commit). */
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

#ifdef __cplusplus
}
#endif

#endif /* ESPI_H */
