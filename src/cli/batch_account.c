/* SPDX-License-Identifier: Apache-2.0 */
/* batch_account.c - espi convert --output-dir --group account: each FILE
 * read once (on the -j pool) to tell the SmartHub accounts and service
 * locations it holds, then one output per account and location, made of
 * every FILE that holds it (docs/scale.md, "Groups"). */
#include "batch.h"

#include "pool.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* One account and location a FILE holds. */
typedef struct ref {
    char *account, *location;
    bool usage;
} ref;

/* What the scan of one FILE found. */
typedef struct scanned {
    ref *refs;
    size_t n, cap;
    bool nomem;
    int code;         /* of the scan; -1: not run (the pool failed) */
    batch_outcome oc; /* why it failed */
    bool grouped;     /* it joined an account's group */
} scanned;

/* A group: an account and a location ("" for a CSV export that joins
 * none); refs point into the scans. */
typedef struct key {
    const char *account, *location;
} key;

/* A FILE in a group. */
typedef struct join {
    size_t group, input;
} join;

typedef struct planner {
    const cli_io *io;
    const batch_options *bo;
    char **inputs;
    size_t ninputs;
    scanned *files;
    key *keys;
    size_t nkeys, keys_cap;
    join *joins;
    size_t njoins, joins_cap;
    batch_outcome **notes; /* per key: warnings of the planning; NULL */
    batch_item *items;
    size_t nitems;
} planner;

static int out_of_memory(const cli_io *io)
{
    fprintf(io->err, "espi: out of memory\n");
    return CLI_IO;
}

/* Doubles *cap when n reached it; false when out of memory. */
static bool grow(void **v, size_t *cap, size_t n, size_t size)
{
    if (n < *cap)
        return true;
    size_t want = *cap ? *cap * 2 : 16;
    void *g = realloc(*v, want * size);
    if (g == NULL)
        return false;
    *v = g;
    *cap = want;
    return true;
}

void batch_item_free(batch_item *it)
{
    free(it->path);
    free(it->owned);
    free(it->account);
    free(it->location);
    free(it->noted);
}

/* ------------------------------------------------------------------ */
/* The scans, one job per FILE                                         */
/* ------------------------------------------------------------------ */

static void found(const espi_account_ref *r, void *ctx)
{
    scanned *s = ctx;
    if (s->nomem || !grow((void **)&s->refs, &s->cap, s->n, sizeof *s->refs)) {
        s->nomem = true;
        return;
    }
    ref *to = &s->refs[s->n];
    to->account = strdup(r->account);
    to->location = strdup(r->location);
    to->usage = r->usage;
    s->n++;
    s->nomem = to->account == NULL || to->location == NULL;
}

static int scan_job(void *ctx, size_t index, const cli_io *io)
{
    planner *p = ctx;
    scanned *s = &p->files[index];
    s->code = p->bo->scan(p->bo->ctx, io, p->inputs[index], found, s, &s->oc);
    if (s->nomem) {
        s->code = out_of_memory(io);
        batch_note(&s->oc, ESPI_SEV_ERROR, "espi: out of memory");
    }
    if (s->code != CLI_OK) /* what it held is not known: it joins no group */
        for (; s->n > 0; s->n--) {
            free(s->refs[s->n - 1].account);
            free(s->refs[s->n - 1].location);
        }
    return s->code;
}

/* Reads every FILE; CLI_OK unless the pool itself failed (said). */
static int scan_all(planner *p)
{
    for (size_t i = 0; i < p->ninputs; i++)
        p->files[i].code = -1;
    cli_pool pool = {.njobs = p->ninputs,
                     .workers = p->bo->workers,
                     .run = scan_job,
                     .ctx = p,
                     .progress = !p->bo->quiet && cli_pool_progress_wanted(p->io),
                     .what = "inputs read"};
    cli_pool_run(p->io, &pool);
    for (size_t i = 0; i < p->ninputs; i++)
        if (p->files[i].code == -1)
            return CLI_IO;
    return CLI_OK;
}

/* ------------------------------------------------------------------ */
/* The groups                                                          */
/* ------------------------------------------------------------------ */

static int by_key(const void *a, const void *b)
{
    const key *x = a, *y = b;
    int c = strcmp(x->account, y->account);
    return c != 0 ? c : strcmp(x->location, y->location);
}

static bool add_key(planner *p, const char *account, const char *location)
{
    if (!grow((void **)&p->keys, &p->keys_cap, p->nkeys, sizeof *p->keys))
        return false;
    p->keys[p->nkeys++] = (key){account, location};
    return true;
}

/* Sorts the keys and drops repeats. */
static void settle_keys(planner *p)
{
    if (p->nkeys == 0)
        return;
    qsort(p->keys, p->nkeys, sizeof *p->keys, by_key);
    size_t n = 1;
    for (size_t i = 1; i < p->nkeys; i++)
        if (by_key(&p->keys[n - 1], &p->keys[i]) != 0)
            p->keys[n++] = p->keys[i];
    p->nkeys = n;
}

/* The first key of account (or where it would be), and how many it has. */
static size_t account_keys(const planner *p, const char *account, size_t *count)
{
    size_t lo = 0, hi = p->nkeys;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(p->keys[mid].account, account) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    size_t end = lo;
    while (end < p->nkeys && strcmp(p->keys[end].account, account) == 0)
        end++;
    *count = end - lo;
    return lo;
}

/* The group of account and location; p->nkeys when there is none. */
static size_t find_key(const planner *p, const char *account, const char *location)
{
    key k = {account, location};
    const key *at = p->nkeys ? bsearch(&k, p->keys, p->nkeys, sizeof k, by_key) : NULL;
    return at ? (size_t)(at - p->keys) : p->nkeys;
}

/* The one location the account records of the run give account, else NULL. */
static const char *only_record_location(const planner *p, const char *account)
{
    const char *only = NULL;
    for (size_t i = 0; i < p->ninputs; i++)
        for (size_t k = 0; k < p->files[i].n; k++) {
            const ref *r = &p->files[i].refs[k];
            if (r->usage || r->location[0] == '\0' || strcmp(r->account, account) != 0 ||
                (only && strcmp(only, r->location) == 0))
                continue;
            if (only != NULL)
                return NULL;
            only = r->location;
        }
    return only;
}

/* Where a CSV export (usage of an account, no location) goes: the one
 * location of the account's usage in the run, else the one its account
 * records name, else a group of the account alone (location ""). */
static key place_export(const planner *p, const ref *r)
{
    size_t count, first = account_keys(p, r->account, &count);
    if (count == 1)
        return p->keys[first];
    const char *only = count == 0 ? only_record_location(p, r->account) : NULL;
    return (key){r->account, only ? only : ""};
}

/* The groups: every account and location with usage, then those the CSV
 * exports go to (placed among the first alone, then all settled). */
static int make_keys(planner *p)
{
    for (size_t i = 0; i < p->ninputs; i++)
        for (size_t k = 0; k < p->files[i].n; k++) {
            const ref *r = &p->files[i].refs[k];
            if (r->usage && r->location[0] != '\0' && !add_key(p, r->account, r->location))
                return out_of_memory(p->io);
        }
    settle_keys(p);
    size_t nextra = 0, extra_cap = 0;
    key *extra = NULL;
    for (size_t i = 0; i < p->ninputs; i++)
        for (size_t k = 0; k < p->files[i].n; k++) {
            const ref *r = &p->files[i].refs[k];
            if (!r->usage || r->location[0] != '\0')
                continue;
            if (!grow((void **)&extra, &extra_cap, nextra, sizeof *extra)) {
                free(extra);
                return out_of_memory(p->io);
            }
            extra[nextra++] = place_export(p, r);
        }
    for (size_t i = 0; i < nextra; i++)
        if (!add_key(p, extra[i].account, extra[i].location)) {
            free(extra);
            return out_of_memory(p->io);
        }
    free(extra);
    settle_keys(p);
    return CLI_OK;
}

static bool add_join(planner *p, size_t group, size_t input)
{
    if (!grow((void **)&p->joins, &p->joins_cap, p->njoins, sizeof *p->joins))
        return false;
    p->joins[p->njoins++] = (join){group, input};
    p->files[input].grouped = true;
    return true;
}

static char *group_stem(const key *k);

/* Output names of the account's groups with a location, for a message:
 * "A-1.xml, A-2.xml". */
static void group_names(const planner *p, const char *account, char *buf, size_t size)
{
    size_t count, first = account_keys(p, account, &count), len = 0;
    buf[0] = '\0';
    for (size_t g = first; g < first + count && len < size; g++) {
        char *stem = p->keys[g].location[0] ? group_stem(&p->keys[g]) : NULL;
        int k = stem ? snprintf(buf + len, size - len, "%s%s.xml", len ? ", " : "", stem) : 0;
        len += k > 0 ? (size_t)k : 0;
        free(stem);
    }
}

/* A CSV export of an account whose usage in the run is of several
 * locations: which one is not known, so it makes a group of its own,
 * with a warning (printed unless -q, and counted in that group's line). */
static int say_export_alone(planner *p, size_t input, size_t group)
{
    const char *account = p->keys[group].account;
    size_t count;
    account_keys(p, account, &count);
    if (count < 3) /* the account's own group and one location: no choice was made */
        return CLI_OK;
    char names[600], line[1400];
    group_names(p, account, names, sizeof names);
    char *alone = group_stem(&p->keys[group]);
    if (alone == NULL)
        return out_of_memory(p->io);
    snprintf(line, sizeof line,
             "%s: warning: group-account: a CSV export names its account, not its service "
             "location, and this run holds usage of %zu locations of that account (%s): it is "
             "not joined to any of them but converted without them, to %s.xml; convert it "
             "with the polls of its location with -o to merge them",
             p->inputs[input], count - 1, names, alone);
    free(alone);
    if (!p->bo->quiet)
        fprintf(p->io->err, "%s\n", line);
    if (p->notes[group] == NULL && (p->notes[group] = calloc(1, sizeof **p->notes)) == NULL)
        return out_of_memory(p->io);
    batch_note(p->notes[group], ESPI_SEV_WARNING, line);
    return CLI_OK;
}

/* Each FILE into the groups it names: usage into its own, a CSV export
 * as place_export says, account records into every group of their
 * account (of their location, when they name one that has a group). */
static int join_one(planner *p, size_t input, const ref *r)
{
    if (r->usage) {
        key to = r->location[0] ? (key){r->account, r->location} : place_export(p, r);
        size_t g = find_key(p, to.account, to.location);
        if (!add_join(p, g, input))
            return out_of_memory(p->io);
        return to.location[0] == '\0' ? say_export_alone(p, input, g) : CLI_OK;
    }
    /* a location without a group of its own: the account's group of CSV
     * exports alone, if there is one (the read dates check their zone) */
    const char *location = r->location;
    if (location[0] != '\0' && find_key(p, r->account, location) == p->nkeys)
        location = "";
    size_t count, first = account_keys(p, r->account, &count);
    for (size_t g = first; g < first + count; g++)
        if ((r->location[0] == '\0' || strcmp(location, p->keys[g].location) == 0) &&
            !add_join(p, g, input))
            return out_of_memory(p->io);
    return CLI_OK;
}

static int by_join(const void *a, const void *b)
{
    const join *x = a, *y = b;
    if (x->group != y->group)
        return x->group < y->group ? -1 : 1;
    return (x->input > y->input) - (x->input < y->input);
}

static int make_joins(planner *p)
{
    p->notes = calloc(p->nkeys + 1, sizeof *p->notes);
    if (p->notes == NULL)
        return out_of_memory(p->io);
    for (size_t i = 0; i < p->ninputs; i++)
        for (size_t k = 0; k < p->files[i].n; k++) {
            int code = join_one(p, i, &p->files[i].refs[k]);
            if (code != CLI_OK)
                return code;
        }
    if (p->njoins > 0)
        qsort(p->joins, p->njoins, sizeof *p->joins, by_join);
    return CLI_OK;
}

/* ------------------------------------------------------------------ */
/* The items                                                           */
/* ------------------------------------------------------------------ */

/* A byte kept in an output's name; any other becomes '_' (the numbers
 * come from the input: no '/' or NUL may reach the path). */
static char name_byte(char c)
{
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.';
    return ok ? c : '_';
}

/* ACCOUNT-LOCATION, or ACCOUNT when the location is "". */
static char *group_stem(const key *k)
{
    size_t a = strlen(k->account), l = strlen(k->location);
    char *s = malloc(a + 1 + l + 1);
    if (s == NULL)
        return NULL;
    size_t n = 0;
    for (size_t i = 0; i < a; i++)
        s[n++] = name_byte(k->account[i]);
    if (l > 0)
        s[n++] = '-';
    for (size_t i = 0; i < l; i++)
        s[n++] = name_byte(k->location[i]);
    s[n] = '\0';
    return s;
}

/* The item of group g: its FILEs are joins[*at ...], in command-line order. */
static int group_item(planner *p, size_t g, size_t *at)
{
    batch_item *it = &p->items[p->nitems++];
    size_t end = *at;
    it->index = p->joins[*at].input; /* the first, joins being sorted */
    while (end < p->njoins && p->joins[end].group == g)
        end++;
    it->owned = malloc((end - *at) * sizeof *it->owned);
    char *stem = group_stem(&p->keys[g]);
    it->account = strdup(p->keys[g].account);
    it->location = strdup(p->keys[g].location);
    if (it->owned == NULL || stem == NULL || it->account == NULL || it->location == NULL) {
        free(stem);
        return out_of_memory(p->io);
    }
    for (; *at < end; (*at)++) {
        size_t input = p->joins[*at].input;
        if (it->nargs == 0 || it->owned[it->nargs - 1] != p->inputs[input])
            it->owned[it->nargs++] = p->inputs[input];
    }
    it->args = it->owned;
    size_t name_at = 0;
    it->path = batch_output_path(p->bo->dir, stem, strlen(stem), &name_at);
    free(stem);
    if (it->path == NULL)
        return out_of_memory(p->io);
    it->name = it->path + name_at;
    it->noted = p->notes[g];
    p->notes[g] = NULL;
    return CLI_OK;
}

/* A FILE that is no account's: its own item, named as --group input
 * names it; one that could not be read carries its error. */
static int own_item(planner *p, size_t input)
{
    batch_item *it = &p->items[p->nitems++];
    scanned *s = &p->files[input];
    const char *stem;
    size_t len = batch_output_stem(p->inputs[input], &stem), name_at = 0;
    it->args = &p->inputs[input];
    it->nargs = 1;
    it->index = input;
    it->path = batch_output_path(p->bo->dir, stem, len, &name_at);
    if (it->path == NULL)
        return out_of_memory(p->io);
    it->name = it->path + name_at;
    it->failed = s->code;
    if (s->code != CLI_OK) { /* after its error, which the scan printed */
        fprintf(p->io->err,
                "espi: %s: not converted: it could not be read, so its account (its group) is "
                "not known; counted as %s, which is not written\n",
                p->inputs[input], it->path);
        it->noted = malloc(sizeof *it->noted);
        if (it->noted == NULL)
            return out_of_memory(p->io);
        *it->noted = s->oc;
    }
    return CLI_OK;
}

static int by_output(const void *a, const void *b)
{
    const batch_item *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    return c != 0 ? c : (x->index > y->index) - (x->index < y->index);
}

static int make_items(planner *p)
{
    p->items = calloc(p->nkeys + p->ninputs + 1, sizeof *p->items);
    if (p->items == NULL)
        return out_of_memory(p->io);
    size_t at = 0;
    for (size_t g = 0; g < p->nkeys; g++) {
        int code = group_item(p, g, &at);
        if (code != CLI_OK)
            return code;
    }
    size_t grouped = p->nitems;
    for (size_t i = 0; i < p->ninputs; i++) {
        int code = p->files[i].grouped ? CLI_OK : own_item(p, i);
        if (code != CLI_OK)
            return code;
    }
    qsort(p->items + grouped, p->nitems - grouped, sizeof *p->items, by_output);
    return CLI_OK;
}

/* ------------------------------------------------------------------ */

/* FILEs that cannot be read twice, or cannot name an output. */
static int refuse_inputs(const planner *p)
{
    for (size_t i = 0; i < p->ninputs; i++) {
        const char *arg = p->inputs[i], *stem;
        struct stat st;
        if (strcmp(arg, "-") == 0 ||
            (stat(arg, &st) == 0 && (S_ISFIFO(st.st_mode) || S_ISCHR(st.st_mode))))
            return cli_usage(p->io, "convert",
                             "%s is read twice by --group account (once to tell its account, "
                             "then with its group): give a file, not stdin or a pipe",
                             strcmp(arg, "-") == 0 ? "- (stdin)" : arg);
        if (batch_output_stem(arg, &stem) == 0)
            return cli_usage(p->io, "convert",
                             "'%s' has no file name to name its output in --output-dir", arg);
    }
    return CLI_OK;
}

static void planner_free(planner *p)
{
    for (size_t i = 0; p->files && i < p->ninputs; i++) {
        for (size_t k = 0; k < p->files[i].n; k++) {
            free(p->files[i].refs[k].account);
            free(p->files[i].refs[k].location);
        }
        free(p->files[i].refs);
    }
    for (size_t g = 0; p->notes && g < p->nkeys; g++)
        free(p->notes[g]);
    free(p->notes);
    free(p->files);
    free(p->keys);
    free(p->joins);
}

int batch_plan_accounts(const cli_io *io, const batch_options *bo, char **inputs, int ninputs,
                        batch_item **items, size_t *n)
{
    planner p = {.io = io, .bo = bo, .inputs = inputs, .ninputs = (size_t)ninputs};
    int code = refuse_inputs(&p);
    if (code == CLI_OK && (p.files = calloc(p.ninputs + 1, sizeof *p.files)) == NULL)
        code = out_of_memory(io);
    if (code == CLI_OK)
        code = scan_all(&p);
    if (code == CLI_OK)
        code = make_keys(&p);
    if (code == CLI_OK)
        code = make_joins(&p);
    if (code == CLI_OK)
        code = make_items(&p);
    *items = p.items;
    *n = p.nitems;
    planner_free(&p);
    return code;
}
