/* SPDX-License-Identifier: Apache-2.0 */
/* load_shape.c - the heat map's grid (local day x hour of day) and its
 * PNG: 8-bit palette, one pixel per cell, compressed with zlib. Drawn in C
 * because a year is 8,784 cells, which cost libxslt far more as SVG
 * rectangles than the rest of the page together (docs/performance.md). */
#include "report/load_shape.h"

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

/* The palette of the steps: viridis in six steps, as the stylesheet's
 * legend (readable by colour-blind readers, on light and dark pages). */
static const unsigned char palette[LOAD_SHAPE_STEPS][3] = {
    {0x44, 0x01, 0x54}, {0x41, 0x44, 0x87}, {0x2a, 0x78, 0x8e},
    {0x22, 0xa8, 0x84}, {0x7a, 0xd1, 0x51}, {0xfd, 0xe7, 0x25},
};

int load_shape_make(load_shape *ls, const agg_periods *hours, const agg_totals *days, size_t ndays,
                    int power)
{
    memset(ls, 0, sizeof *ls);
    ls->ndays = ndays;
    ls->day = days;
    ls->max = (amount){false, false, 0, power};
    ls->cell = calloc(ndays * 24 + 1, sizeof *ls->cell);
    if (ls->cell == NULL)
        return ESPI_E_NOMEM;
    size_t d = 0;
    for (size_t i = 0; i < hours->n && d < ndays; i++) {
        const agg_totals *h = &hours->p[i];
        while (d < ndays && days[d].end <= h->start)
            d++;
        if (d == ndays || h->start < days[d].start || !h->has_value)
            continue;
        /* the hour of day of its label; a fall-back hour twice goes in one cell */
        int hour = (h->label[11] - '0') * 10 + (h->label[12] - '0');
        if (hour < 0 || hour > 23)
            continue;
        amount *c = &ls->cell[d * 24 + (size_t)hour];
        *c = amount_combine(*c, amount_of(h, power), 1);
    }
    for (size_t i = 0; i < ndays * 24; i++)
        if (amount_greater(ls->cell[i], ls->max))
            ls->max = ls->cell[i];
    return 0;
}

void load_shape_free(load_shape *ls)
{
    free(ls->cell);
    ls->cell = NULL;
}

int load_shape_step(const load_shape *ls, amount cell)
{
    if (!cell.has || cell.overflow)
        return -1;
    if (!ls->max.has || ls->max.overflow || ls->max.v <= 0 || cell.v <= 0)
        return 0;
    /* both at the channel's power: floor(6 v / max) */
    __int128 s = (__int128)cell.v * LOAD_SHAPE_STEPS / ls->max.v;
    return s >= LOAD_SHAPE_STEPS ? LOAD_SHAPE_STEPS - 1 : (int)s;
}

/* ------------------------------------------------------------------ */
/* PNG                                                                 */
/* ------------------------------------------------------------------ */

typedef struct bytes {
    unsigned char *p;
    size_t n, cap;
    bool failed;
} bytes;

static void put(bytes *b, const void *data, size_t n)
{
    if (b->failed || n == 0)
        return;
    if (b->n + n > b->cap) {
        size_t cap = (b->cap ? b->cap : 1024);
        while (cap < b->n + n)
            cap *= 2;
        unsigned char *g = realloc(b->p, cap);
        if (g == NULL) {
            b->failed = true;
            return;
        }
        b->p = g;
        b->cap = cap;
    }
    memcpy(b->p + b->n, data, n);
    b->n += n;
}

static void put_u32(bytes *b, uint32_t v)
{
    unsigned char x[4] = {(unsigned char)(v >> 24), (unsigned char)(v >> 16),
                          (unsigned char)(v >> 8), (unsigned char)v};
    put(b, x, 4);
}

/* A chunk: length, type, data, CRC of type and data. */
static void chunk(bytes *b, const char type[4], const unsigned char *data, size_t n)
{
    put_u32(b, (uint32_t)n);
    put(b, type, 4);
    put(b, data, n);
    uLong crc = crc32(0L, (const Bytef *)type, 4);
    if (n > 0) /* crc32 of no buffer is the initial value, not crc */
        crc = crc32(crc, data, (uInt)n);
    put_u32(b, (uint32_t)crc);
}

/* The PNG: width ndays, height 24, palette index = step + 1 (0: none). */
static bool png_of(const load_shape *ls, bytes *out)
{
    size_t w = ls->ndays, row = w + 1;
    unsigned char *raw = malloc(row * 24);
    if (raw == NULL || w == 0 || w > 0xFFFFFF) {
        free(raw);
        return false;
    }
    for (size_t y = 0; y < 24; y++) {
        raw[y * row] = 0; /* filter: none */
        for (size_t x = 0; x < w; x++)
            raw[y * row + 1 + x] = (unsigned char)(load_shape_step(ls, ls->cell[x * 24 + y]) + 1);
    }
    uLongf zn = compressBound((uLong)(row * 24));
    unsigned char *z = malloc(zn);
    bool ok = z && compress2(z, &zn, raw, (uLong)(row * 24), 9) == Z_OK;
    if (ok) {
        static const unsigned char signature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
        unsigned char ihdr[13] = {0, 0, 0, 0, 0, 0, 0, 24, 8, 3, 0, 0, 0};
        ihdr[1] = (unsigned char)(w >> 16);
        ihdr[2] = (unsigned char)(w >> 8);
        ihdr[3] = (unsigned char)w;
        unsigned char plte[3 * (LOAD_SHAPE_STEPS + 1)] = {0};
        memcpy(plte + 3, palette, sizeof palette);
        static const unsigned char trns[1] = {0}; /* index 0 transparent */
        put(out, signature, sizeof signature);
        chunk(out, "IHDR", ihdr, sizeof ihdr);
        chunk(out, "PLTE", plte, sizeof plte);
        chunk(out, "tRNS", trns, sizeof trns);
        chunk(out, "IDAT", z, zn);
        chunk(out, "IEND", NULL, 0);
        ok = !out->failed;
    }
    free(z);
    free(raw);
    return ok;
}

char *load_shape_png_uri(const load_shape *ls)
{
    static const char prefix[] = "data:image/png;base64,";
    static const char digits[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    bytes png = {0};
    if (!png_of(ls, &png)) {
        free(png.p);
        return NULL;
    }
    size_t n = sizeof prefix - 1 + (png.n + 2) / 3 * 4 + 1;
    char *uri = malloc(n), *o = uri;
    if (uri) {
        memcpy(o, prefix, sizeof prefix - 1);
        o += sizeof prefix - 1;
        for (size_t i = 0; i < png.n; i += 3) {
            uint32_t v = (uint32_t)png.p[i] << 16;
            if (i + 1 < png.n)
                v |= (uint32_t)png.p[i + 1] << 8;
            if (i + 2 < png.n)
                v |= png.p[i + 2];
            *o++ = digits[v >> 18 & 63];
            *o++ = digits[v >> 12 & 63];
            *o++ = i + 1 < png.n ? digits[v >> 6 & 63] : '=';
            *o++ = i + 2 < png.n ? digits[v & 63] : '=';
        }
        *o = '\0';
    }
    free(png.p);
    return uri;
}
