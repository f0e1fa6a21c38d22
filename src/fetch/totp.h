/* SPDX-License-Identifier: Apache-2.0 */
/* totp.h - one-time passwords for SmartHub's MFA: RFC 4226 HOTP and RFC
 * 6238 TOTP with HMAC-SHA1 (libcrypto), from a base32 (RFC 4648) secret
 * as authenticator apps take it, or from an otpauth:// URI holding one. */
#ifndef FETCH_TOTP_H
#define FETCH_TOTP_H

#include "espi.h"

#include <stddef.h>
#include <stdint.h>

/* The longest secret accepted, in bytes once decoded. */
#define FETCH_TOTP_MAX_KEY 128

/* Decodes base32 text (letters in either case; blanks, '-' and '='
 * padding ignored) into out. Returns the number of bytes, or -1 when the
 * text holds another character, decodes to nothing, or to more than cap. */
int fetch_base32_decode(unsigned char *out, size_t cap, const char *text);

/* The HOTP value of counter with digits digits (6 to 9), as text with
 * leading zeros. Returns 0, or -1 when libcrypto fails. */
int fetch_hotp(char out[16], const unsigned char *key, size_t keylen, uint64_t counter, int digits);

/* The 6-digit TOTP code of secret (base32, or an otpauth:// URI whose
 * secret= it takes) at the UTC second now, with 30-second steps. Returns 0,
 * or ESPI_E_ARG with err saying what is wrong with the secret (never the
 * secret itself). The decoded key is wiped. */
int fetch_totp(char out[16], const char *secret, int64_t now, espi_error *err);

#endif
