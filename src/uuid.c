/* uuid.c - version 5 UUIDs; SHA-1 comes from OpenSSL's libcrypto. */
#include "uuid.h"

#include <openssl/evp.h>
#include <string.h>

const espi_uuid espi_uuid_ns_dns = {{0x6b, 0xa7, 0xb8, 0x10, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4,
                                     0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8}};

const espi_uuid espi_uuid_ns_url = {{0x6b, 0xa7, 0xb8, 0x11, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4,
                                     0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8}};

/* 3d23f7cd-820c-5c09-b836-acf04b3dee52 = uuid5(URL namespace, "urn:espi:namespace:v1"); fixed
 * forever, because changing it would change every id espi has written. */
const espi_uuid espi_uuid_ns_espi = {{0x3d, 0x23, 0xf7, 0xcd, 0x82, 0x0c, 0x5c, 0x09, 0xb8, 0x36,
                                      0xac, 0xf0, 0x4b, 0x3d, 0xee, 0x52}};

int espi_uuid_v5(espi_uuid *out, const espi_uuid *ns, const void *name, size_t len)
{
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int dlen = 0;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    int ok = md != NULL && EVP_DigestInit_ex(md, EVP_sha1(), NULL) == 1 &&
             EVP_DigestUpdate(md, ns->bytes, sizeof ns->bytes) == 1 &&
             EVP_DigestUpdate(md, name, len) == 1 && EVP_DigestFinal_ex(md, digest, &dlen) == 1 &&
             dlen >= 16;
    EVP_MD_CTX_free(md);
    if (!ok)
        return -1;
    memcpy(out->bytes, digest, 16);
    out->bytes[6] = (uint8_t)((out->bytes[6] & 0x0F) | 0x50); /* version 5 */
    out->bytes[8] = (uint8_t)((out->bytes[8] & 0x3F) | 0x80); /* RFC 4122 variant */
    return 0;
}

void espi_uuid_format(char buf[37], const espi_uuid *u)
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
