/* SPDX-License-Identifier: Apache-2.0 */
/* uuid.c - version 5 UUIDs; SHA-1 comes from OpenSSL's libcrypto. */
#include "common/uuid.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

const uuid_bytes uuid_ns_dns = {{0x6b, 0xa7, 0xb8, 0x10, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00,
                                 0xc0, 0x4f, 0xd4, 0x30, 0xc8}};

const uuid_bytes uuid_ns_url = {{0x6b, 0xa7, 0xb8, 0x11, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00,
                                 0xc0, 0x4f, 0xd4, 0x30, 0xc8}};

/* 3d23f7cd-820c-5c09-b836-acf04b3dee52 = uuid5(URL namespace, "urn:espi:namespace:v1"); fixed
 * forever, because changing it would change every id espi has written. */
const uuid_bytes uuid_ns_espi = {{0x3d, 0x23, 0xf7, 0xcd, 0x82, 0x0c, 0x5c, 0x09, 0xb8, 0x36, 0xac,
                                  0xf0, 0x4b, 0x3d, 0xee, 0x52}};

/* Digests the namespace and the name pieces; NULL pieces are skipped. */
static int sha1_name(uint8_t out[16], const uuid_bytes *ns, const void *const *pieces,
                     const size_t *lengths, size_t n)
{
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int dlen = 0;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    int ok = md != NULL && EVP_DigestInit_ex(md, EVP_sha1(), NULL) == 1 &&
             EVP_DigestUpdate(md, ns->bytes, sizeof ns->bytes) == 1;
    for (size_t i = 0; ok && i < n; i++)
        ok = EVP_DigestUpdate(md, pieces[i], lengths[i]) == 1;
    ok = ok && EVP_DigestFinal_ex(md, digest, &dlen) == 1 && dlen >= 16;
    EVP_MD_CTX_free(md);
    if (ok)
        memcpy(out, digest, 16);
    return ok ? 0 : -1;
}

static void set_version(uuid_bytes *u)
{
    u->bytes[6] = (uint8_t)((u->bytes[6] & 0x0F) | 0x50); /* version 5 */
    u->bytes[8] = (uint8_t)((u->bytes[8] & 0x3F) | 0x80); /* RFC 4122 variant */
}

int uuid_v5(uuid_bytes *out, const uuid_bytes *ns, const void *name, size_t len)
{
    const void *pieces[1] = {name};
    if (sha1_name(out->bytes, ns, pieces, &len, 1) != 0)
        return -1;
    set_version(out);
    return 0;
}

int uuid_v5_parts(uuid_bytes *out, const uuid_bytes *ns, const char *const *parts, size_t n)
{
    enum { MAX_PARTS = 16 };
    if (n > MAX_PARTS)
        return -1;
    char prefixes[MAX_PARTS][24];
    const void *pieces[2 * MAX_PARTS];
    size_t lengths[2 * MAX_PARTS];
    for (size_t i = 0; i < n; i++) {
        const char *p = parts[i] ? parts[i] : "";
        size_t len = strlen(p);
        int k = snprintf(prefixes[i], sizeof prefixes[i], "%zu:", len);
        pieces[2 * i] = prefixes[i], lengths[2 * i] = (size_t)k;
        pieces[2 * i + 1] = p, lengths[2 * i + 1] = len;
    }
    if (sha1_name(out->bytes, ns, pieces, lengths, 2 * n) != 0)
        return -1;
    set_version(out);
    return 0;
}

void uuid_format(char buf[37], const uuid_bytes *u)
{
    static const char hex[] = "0123456789abcdef";
    size_t k = 0;
    for (size_t i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            buf[k++] = '-';
        buf[k++] = hex[u->bytes[i] >> 4];
        buf[k++] = hex[u->bytes[i] & 0xF];
    }
    buf[k] = '\0';
}
