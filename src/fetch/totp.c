/* SPDX-License-Identifier: Apache-2.0 */
/* totp.c - RFC 4226 HOTP and RFC 6238 TOTP codes with libcrypto's
 * HMAC-SHA1, from a base32 secret. */
#include "fetch/totp.h"

#include "common/error.h"
#include "fetch/secret.h"

#include <ctype.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <string.h>

#define TOTP_STEP 30
#define TOTP_DIGITS 6

/* The value of a base32 letter; -1 for a character to skip, -2 for one
 * that does not belong. */
static int base32_value(char c)
{
    static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '-' || c == '=')
        return -1;
    const char *p = c ? strchr(alphabet, toupper((unsigned char)c)) : NULL;
    return p ? (int)(p - alphabet) : -2;
}

int fetch_base32_decode(unsigned char *out, size_t cap, const char *text)
{
    uint32_t bits = 0;
    int nbits = 0;
    size_t n = 0;
    for (const char *p = text; *p; p++) {
        int v = base32_value(*p);
        if (v == -1)
            continue;
        if (v < 0)
            return -1;
        bits = (bits << 5 | (uint32_t)v) & 0xFFFFu;
        nbits += 5;
        if (nbits < 8)
            continue;
        nbits -= 8;
        if (n == cap)
            return -1;
        out[n++] = (unsigned char)(bits >> nbits);
    }
    return n == 0 ? -1 : (int)n;
}

int fetch_hotp(char out[16], const unsigned char *key, size_t keylen, uint64_t counter, int digits)
{
    unsigned char msg[8], mac[EVP_MAX_MD_SIZE];
    unsigned int maclen = 0;
    for (int i = 7; i >= 0; i--, counter >>= 8)
        msg[i] = (unsigned char)(counter & 0xFF);
    if (digits < 6 || digits > 9 || keylen > (size_t)INT32_MAX ||
        HMAC(EVP_sha1(), key, (int)keylen, msg, sizeof msg, mac, &maclen) == NULL || maclen < 20)
        return -1;
    unsigned off = mac[maclen - 1] & 0x0F;
    uint32_t bin = (uint32_t)(mac[off] & 0x7F) << 24 | (uint32_t)mac[off + 1] << 16 |
                   (uint32_t)mac[off + 2] << 8 | mac[off + 3];
    fetch_wipe(mac, sizeof mac);
    uint32_t mod = 1;
    for (int i = 0; i < digits; i++)
        mod *= 10;
    snprintf(out, 16, "%0*lu", digits, (unsigned long)(bin % mod));
    return 0;
}

/* The secret= value of an otpauth:// URI, or the text itself; the end of
 * the value is at *len. */
static const char *secret_text(const char *text, size_t *len)
{
    while (isspace((unsigned char)*text))
        text++;
    if (strncmp(text, "otpauth://", 10) == 0) {
        const char *q = strchr(text, '?');
        for (const char *p = q; p != NULL; p = strchr(p + 1, '&'))
            if (strncmp(p + 1, "secret=", 7) == 0) {
                text = p + 8;
                *len = strcspn(text, "&#");
                return text;
            }
        *len = 0;
        return text;
    }
    *len = strlen(text);
    return text;
}

int fetch_totp(char out[16], const char *secret, int64_t now, espi_error *err)
{
    size_t len;
    const char *text = secret_text(secret, &len);
    char copy[FETCH_TOTP_MAX_KEY * 2];
    unsigned char key[FETCH_TOTP_MAX_KEY];
    int n = -1;
    if (len < sizeof copy) {
        memcpy(copy, text, len);
        copy[len] = '\0';
        n = fetch_base32_decode(key, sizeof key, copy);
    }
    int rc = 0;
    if (n < 10)
        rc = err_fail(err, ESPI_E_ARG, "totp-secret", NULL,
                      "the TOTP secret is not base32 (the letters A-Z and digits 2-7 an "
                      "authenticator app is given, at least 16 of them) or an otpauth:// URI "
                      "with a secret");
    else if (now < 0 || fetch_hotp(out, key, (size_t)n, (uint64_t)now / TOTP_STEP, TOTP_DIGITS))
        rc = err_fail(err, ESPI_E_IO, "totp", NULL, "cannot make the TOTP code (libcrypto)");
    fetch_wipe(copy, sizeof copy);
    fetch_wipe(key, sizeof key);
    return rc;
}
