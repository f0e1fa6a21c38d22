/* SPDX-License-Identifier: Apache-2.0 */
/* schema_relay.c - the schema validator on its own thread, fed recorded
 * SAX events (schema_relay.h).
 *
 * Why: espi_validate's one pass parses, checks the rules and checks the
 * schema; the schema is about half its time on a large feed. Run where
 * the parse runs, the other half waits for it. Recording the events costs
 * the parse's thread about a fifth more, so the pass takes about as long
 * as its longer half and that fifth when a second core is free. */
#include "validate/schema_relay.h"

#include <libxml/parserInternals.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define BLOCK_DEFAULT (256 * 1024) /* bytes of events handed over at once */
#define IN_FLIGHT 8                /* blocks recorded and not yet validated, at most */

static size_t round8(size_t n)
{
    return (n + 7) & ~(size_t)7;
}

typedef enum ev_type { EV_START, EV_END, EV_TEXT, EV_CDATA, EV_NOTE } ev_type;

/* Records are kept small: a large feed makes several times its size in
 * events, and writing them is most of the relay's cost. Each starts so, at
 * a multiple of 8 bytes. */
typedef struct ev_head {
    uint32_t line; /* the parser's line when it was delivered (libxml2's is an int) */
    uint32_t word; /* the type << TYPE_SHIFT | n: text and notes their length, a start its size */
} ev_head;

#define TYPE_SHIFT 28
#define N_MAX (((uint32_t)1 << TYPE_SHIFT) - 1)

/* A start tag; then 2 * nb_ns namespace pointers (prefix, URI), then per
 * attribute an ev_attr and its value's bytes. The validator takes neither
 * the element's prefix nor the count of defaulted attributes. */
typedef struct ev_start {
    ev_head h;
    const xmlChar *localname, *uri;
    int32_t nb_ns, nb_attr;
} ev_start;

typedef struct ev_attr {
    const xmlChar *localname, *prefix, *uri;
    size_t len;
} ev_attr;

typedef struct ev_end {
    ev_head h;
    const xmlChar *localname, *uri;
} ev_end;

static ev_head head_of(ev_type type, uint32_t n, unsigned long line)
{
    return (ev_head){(uint32_t)line, (uint32_t)type << TYPE_SHIFT | n};
}

static size_t record_size(const ev_head *h)
{
    uint32_t n = h->word & N_MAX;
    switch ((ev_type)(h->word >> TYPE_SHIFT)) {
    case EV_START: return n;
    case EV_END: return sizeof(ev_end);
    default: return sizeof *h + round8(n);
    }
}

typedef struct block {
    struct block *next;
    size_t used, cap;
    max_align_t data[];
} block;

struct schema_relay {
    /* the validator's side */
    xmlSchemaValidCtxtPtr vc;
    xmlSchemaSAXPlugPtr plug;
    xmlSAXHandlerPtr vsax; /* the validator's handlers (plugged with no SAX of its own) */
    void *vdata;
    relay_note_fn note;
    void *note_ctx;
    unsigned long line; /* of the event being validated: the validator's locator */
    const xmlChar **attrs;
    size_t attrs_cap;
    bool lost; /* an event could not be replayed (out of memory) */
    /* the parser's side */
    xmlParserCtxtPtr parser;
    xmlSAXHandler sax; /* what the parser calls: the relay's own handlers */
    xmlSAXHandlerPtr user_sax;
    void *user_data;
    xmlSAXHandlerPtr *sax_ptr;
    void **user_data_ptr;
    size_t block_size;
    block *cur;
    unsigned char *at, *end; /* the current block's free room (its used is set when it is full) */
    bool failed;
    bool started;
    bool threaded_once; /* a thread was started (relay_threaded) */
    pthread_t thread;
    /* between the two */
    pthread_mutex_t lock;
    pthread_cond_t filled; /* a block was handed over, or the parse ended */
    pthread_cond_t room;   /* a block was validated */
    block *head, *tail;    /* handed over, not yet taken */
    size_t in_flight;      /* handed over and not yet validated */
    bool done;
    block *spare; /* validated blocks, for reuse */
};

/* ------------------------------------------------------------------ */
/* The validator's side                                                */
/* ------------------------------------------------------------------ */

static int locate(void *ctx, const char **file, unsigned long *line)
{
    schema_relay *r = ctx;
    *file = NULL;
    *line = r->line;
    return 0;
}

static void replay_start(schema_relay *r, const ev_start *e)
{
    const unsigned char *p = (const unsigned char *)(e + 1);
    const xmlChar **ns = (const xmlChar **)(uintptr_t)p;
    p += sizeof(const xmlChar *) * 2 * (size_t)e->nb_ns;
    size_t need = 5 * (size_t)e->nb_attr;
    if (need > r->attrs_cap) {
        const xmlChar **grown = realloc(r->attrs, need * sizeof *grown);
        if (grown == NULL) {
            r->lost = true; /* the validator cannot be given it: the validation fails */
            return;
        }
        r->attrs = grown;
        r->attrs_cap = need;
    }
    for (int i = 0; i < e->nb_attr; i++) {
        const ev_attr *a = (const ev_attr *)(uintptr_t)p;
        const xmlChar *value = (const xmlChar *)(a + 1);
        r->attrs[5 * i] = a->localname;
        r->attrs[5 * i + 1] = a->prefix;
        r->attrs[5 * i + 2] = a->uri;
        r->attrs[5 * i + 3] = value;
        r->attrs[5 * i + 4] = value + a->len;
        p += sizeof *a + round8(a->len);
    }
    r->vsax->startElementNs(r->vdata, e->localname, NULL, e->uri, e->nb_ns, ns, e->nb_attr, 0,
                            r->attrs);
}

static void replay_one(schema_relay *r, const ev_head *h)
{
    const unsigned char *body = (const unsigned char *)(h + 1);
    uint32_t n = h->word & N_MAX;
    r->line = h->line;
    switch ((ev_type)(h->word >> TYPE_SHIFT)) {
    case EV_START: replay_start(r, (const ev_start *)h); break;
    case EV_END: {
        const ev_end *e = (const ev_end *)h;
        r->vsax->endElementNs(r->vdata, e->localname, NULL, e->uri);
        break;
    }
    case EV_TEXT: r->vsax->characters(r->vdata, body, (int)n); break;
    case EV_CDATA: r->vsax->cdataBlock(r->vdata, body, (int)n); break;
    case EV_NOTE:
        if (r->note)
            r->note(r->note_ctx, body, n);
        break;
    }
}

static void replay_block(schema_relay *r, const block *b)
{
    const unsigned char *p = (const unsigned char *)b->data;
    for (size_t at = 0; at < b->used;) {
        const ev_head *h = (const ev_head *)(uintptr_t)(p + at);
        replay_one(r, h);
        at += record_size(h);
    }
}

/* ------------------------------------------------------------------ */
/* Between the two                                                     */
/* ------------------------------------------------------------------ */

/* Under the lock: a validated block back to the spares, or freed. */
static void recycle(schema_relay *r, block *b)
{
    if (b->cap == r->block_size) {
        b->next = r->spare;
        r->spare = b;
    } else {
        free(b);
    }
}

static void *validator_thread(void *arg)
{
    schema_relay *r = arg;
    pthread_mutex_lock(&r->lock);
    for (;;) {
        while (r->head == NULL && !r->done)
            pthread_cond_wait(&r->filled, &r->lock);
        block *b = r->head;
        if (b == NULL)
            break;
        r->head = b->next;
        if (r->head == NULL)
            r->tail = NULL;
        pthread_mutex_unlock(&r->lock);
        replay_block(r, b);
        pthread_mutex_lock(&r->lock);
        recycle(r, b);
        r->in_flight--;
        pthread_cond_signal(&r->room);
    }
    pthread_mutex_unlock(&r->lock);
    return NULL;
}

/* A block goes to the validator's thread, waiting while IN_FLIGHT are on
 * their way. The first full one starts the thread; without one (the last
 * block of a document of one, or no thread to be had) it is validated
 * here. */
static void hand_over(schema_relay *r, block *b, bool last)
{
    if (!r->started && !last && pthread_create(&r->thread, NULL, validator_thread, r) == 0)
        r->started = true;
    if (!r->started) {
        replay_block(r, b);
        pthread_mutex_lock(&r->lock);
        recycle(r, b);
        pthread_mutex_unlock(&r->lock);
        return;
    }
    b->next = NULL;
    pthread_mutex_lock(&r->lock);
    while (r->in_flight >= IN_FLIGHT)
        pthread_cond_wait(&r->room, &r->lock);
    if (r->tail)
        r->tail->next = b;
    else
        r->head = b;
    r->tail = b;
    r->in_flight++;
    pthread_cond_signal(&r->filled);
    pthread_mutex_unlock(&r->lock);
}

/* ------------------------------------------------------------------ */
/* The parser's side: recording                                        */
/* ------------------------------------------------------------------ */

/* The current block, its used bytes set, taken from the relay. */
static block *take_current(schema_relay *r)
{
    block *b = r->cur;
    if (b != NULL)
        b->used = (size_t)(r->at - (unsigned char *)b->data);
    r->cur = NULL;
    r->at = r->end = NULL;
    return b;
}

/* Memory ran out: the parse stops as the reader stops it (not with
 * xmlStopParser, which frees the input under the parser in libxml2 2.9). */
static void fail(schema_relay *r)
{
    r->failed = true;
    block *b = take_current(r); /* no room from now on: reserve_next says NULL */
    if (b) {
        b->used = 0;
        r->cur = b; /* freed with the relay */
    }
    r->parser->disableSAX = 1;
    r->parser->instate = XML_PARSER_EOF;
}

/* reserve's way when the current block has no room: the next block (a
 * spare, or a new one; one larger than a block for a record that is).
 * NULL when memory ran out. */
static unsigned char *reserve_next(schema_relay *r, size_t size)
{
    if (r->failed)
        return NULL;
    if (r->cur) {
        block *full = take_current(r);
        hand_over(r, full, false);
    }
    {
        size_t cap = size > r->block_size ? size : r->block_size;
        block *b = NULL;
        pthread_mutex_lock(&r->lock);
        if (cap == r->block_size && r->spare) {
            b = r->spare;
            r->spare = b->next;
        }
        pthread_mutex_unlock(&r->lock);
        if (b == NULL && (b = malloc(sizeof *b + cap)) == NULL) {
            fail(r);
            return NULL;
        }
        b->cap = cap;
        b->used = 0;
        r->cur = b;
        r->at = (unsigned char *)b->data;
        r->end = r->at + cap;
    }
    unsigned char *at = r->at;
    r->at += size;
    return at;
}

/* Room for a record of size bytes. Most records fit in the current block:
 * that way is kept short, since there are several records an element. */
static inline unsigned char *reserve(schema_relay *r, size_t size)
{
    if ((size_t)(r->end - r->at) >= size) {
        unsigned char *at = r->at;
        r->at += size;
        return at;
    }
    return reserve_next(r, size);
}

static unsigned long parser_line(const schema_relay *r)
{
    return r->parser->input ? (unsigned long)r->parser->input->line : 0;
}

static void record_start(schema_relay *r, const xmlChar *localname, const xmlChar *prefix,
                         const xmlChar *uri, int nb_ns, const xmlChar **namespaces, int nb_attr,
                         int nb_def, const xmlChar **attrs)
{
    (void)prefix, (void)nb_def; /* the validator takes neither */
    size_t size = sizeof(ev_start) + sizeof(const xmlChar *) * 2 * (size_t)nb_ns;
    for (int i = 0; i < nb_attr; i++)
        size += sizeof(ev_attr) + round8((size_t)(attrs[5 * i + 4] - attrs[5 * i + 3]));
    if (size > N_MAX) { /* a start tag of 256 MB: libxml2 refuses far less */
        fail(r);
        return;
    }
    unsigned char *p = reserve(r, size);
    if (p == NULL)
        return;
    ev_start *e = (ev_start *)(uintptr_t)p;
    *e = (ev_start){head_of(EV_START, (uint32_t)size, parser_line(r)), localname, uri, nb_ns,
                    nb_attr};
    p += sizeof *e;
    if (nb_ns > 0)
        memcpy(p, namespaces, sizeof(const xmlChar *) * 2 * (size_t)nb_ns);
    p += sizeof(const xmlChar *) * 2 * (size_t)nb_ns;
    for (int i = 0; i < nb_attr; i++) {
        size_t len = (size_t)(attrs[5 * i + 4] - attrs[5 * i + 3]);
        ev_attr *a = (ev_attr *)(uintptr_t)p;
        *a = (ev_attr){attrs[5 * i], attrs[5 * i + 1], attrs[5 * i + 2], len};
        memcpy(a + 1, attrs[5 * i + 3], len);
        p += sizeof *a + round8(len);
    }
}

static void record_bytes(schema_relay *r, ev_type type, const void *bytes, size_t len)
{
    unsigned char *p = reserve(r, sizeof(ev_head) + round8(len));
    if (p == NULL)
        return;
    ev_head *h = (ev_head *)(uintptr_t)p;
    *h = head_of(type, (uint32_t)len, parser_line(r));
    memcpy(h + 1, bytes, len);
}

/* The relay's SAX handlers: the parser's own first, as the schema plug
 * calls them, then the record. */

static void on_start(void *ctx, const xmlChar *localname, const xmlChar *prefix, const xmlChar *uri,
                     int nb_ns, const xmlChar **namespaces, int nb_attr, int nb_def,
                     const xmlChar **attrs)
{
    schema_relay *r = ctx;
    if (r->user_sax->startElementNs)
        r->user_sax->startElementNs(r->user_data, localname, prefix, uri, nb_ns, namespaces,
                                    nb_attr, nb_def, attrs);
    record_start(r, localname, prefix, uri, nb_ns, namespaces, nb_attr, nb_def, attrs);
}

static void on_end(void *ctx, const xmlChar *localname, const xmlChar *prefix, const xmlChar *uri)
{
    schema_relay *r = ctx;
    if (r->user_sax->endElementNs)
        r->user_sax->endElementNs(r->user_data, localname, prefix, uri);
    unsigned char *p = reserve(r, sizeof(ev_end));
    if (p != NULL)
        *(ev_end *)(uintptr_t)p = (ev_end){head_of(EV_END, 0, parser_line(r)), localname, uri};
}

/* A text longer than a block goes in pieces: the validator joins the
 * pieces of one text, as it joins the parser's. */
static void record_text(schema_relay *r, ev_type type, const xmlChar *ch, int len)
{
    size_t left = len > 0 ? (size_t)len : 0;
    do {
        size_t most = r->block_size < N_MAX ? r->block_size : N_MAX;
        size_t n = left < most ? left : most;
        record_bytes(r, type, ch, n);
        ch += n;
        left -= n;
    } while (left > 0 && !r->failed);
}

static void on_text(void *ctx, const xmlChar *ch, int len)
{
    schema_relay *r = ctx;
    if (r->user_sax->characters)
        r->user_sax->characters(r->user_data, ch, len);
    record_text(r, EV_TEXT, ch, len);
}

static void on_cdata(void *ctx, const xmlChar *ch, int len)
{
    schema_relay *r = ctx;
    if (r->user_sax->cdataBlock)
        r->user_sax->cdataBlock(r->user_data, ch, len);
    record_text(r, EV_CDATA, ch, len);
}

/* The schema plug takes entity references too (the parser's handling of
 * one depends on it), but its validator does nothing with them. */
static void on_reference(void *ctx, const xmlChar *name)
{
    schema_relay *r = ctx;
    if (r->user_sax->reference)
        r->user_sax->reference(r->user_data, name);
}

/* ------------------------------------------------------------------ */
/* The relay                                                           */
/* ------------------------------------------------------------------ */

schema_relay *relay_new(xmlSchemaValidCtxtPtr vc, size_t block_size, relay_note_fn note, void *ctx)
{
    schema_relay *r = calloc(1, sizeof *r);
    if (r == NULL)
        return NULL;
    r->vc = vc;
    r->note = note;
    r->note_ctx = ctx;
    r->block_size = block_size ? round8(block_size) : BLOCK_DEFAULT;
    pthread_mutex_init(&r->lock, NULL);
    pthread_cond_init(&r->filled, NULL);
    pthread_cond_init(&r->room, NULL);
    return r;
}

int relay_plug(schema_relay *r, xmlParserCtxtPtr parser, xmlSAXHandlerPtr *sax, void **user_data)
{
    /* Plugged with no SAX of its own, the validator's handlers are
     * libxml2's and take the validation context itself. */
    r->plug = xmlSchemaSAXPlug(r->vc, &r->vsax, &r->vdata);
    if (r->plug == NULL)
        return -1;
    xmlSchemaValidateSetLocator(r->vc, locate, r);
    r->parser = parser;
    r->sax_ptr = sax;
    r->user_data_ptr = user_data;
    r->user_sax = *sax;
    r->user_data = *user_data;
    /* As the plug does: the parser's own handlers for these, and no
     * serror (parse errors then go to the thread's handler, as plugged). */
    memset(&r->sax, 0, sizeof r->sax);
    r->sax.initialized = XML_SAX2_MAGIC;
    r->sax.startElementNs = on_start;
    r->sax.endElementNs = on_end;
    r->sax.characters = on_text;
    r->sax.ignorableWhitespace = on_text;
    r->sax.cdataBlock = on_cdata;
    r->sax.reference = on_reference;
    *sax = &r->sax;
    *user_data = r;
    return 0;
}

void relay_note(schema_relay *r, const void *note, size_t len)
{
    if (len <= r->block_size && len <= N_MAX)
        record_bytes(r, EV_NOTE, note, len);
}

int relay_finish(schema_relay *r)
{
    if (r->cur && !r->failed) {
        block *last = take_current(r);
        hand_over(r, last, true);
    }
    if (r->started) {
        pthread_mutex_lock(&r->lock);
        r->done = true;
        pthread_cond_signal(&r->filled);
        pthread_mutex_unlock(&r->lock);
        pthread_join(r->thread, NULL);
        r->started = false;
        r->threaded_once = true;
    }
    if (r->plug) {
        xmlSchemaSAXUnplug(r->plug);
        r->plug = NULL;
    }
    if (r->sax_ptr) {
        *r->sax_ptr = r->user_sax;
        *r->user_data_ptr = r->user_data;
        r->sax_ptr = NULL;
    }
    return r->failed || r->lost ? -1 : 0;
}

int relay_threaded(const schema_relay *r)
{
    return r->threaded_once;
}

void relay_free(schema_relay *r)
{
    if (r == NULL)
        return;
    if (r->sax_ptr || r->started || r->plug)
        relay_finish(r);
    free(r->cur);
    while (r->spare) {
        block *b = r->spare;
        r->spare = b->next;
        free(b);
    }
    free(r->attrs);
    pthread_cond_destroy(&r->filled);
    pthread_cond_destroy(&r->room);
    pthread_mutex_destroy(&r->lock);
    free(r);
}
