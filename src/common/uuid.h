/* SPDX-License-Identifier: Apache-2.0 */
/* uuid.h - RFC 4122 / RFC 9562 name-based UUIDs (version 5, SHA-1). */
#ifndef UUID_H
#define UUID_H

#include <stddef.h>
#include <stdint.h>

typedef struct uuid_bytes {
    uint8_t bytes[16];
} uuid_bytes;

/* The DNS namespace of RFC 4122 appendix C, for test vectors. */
extern const uuid_bytes uuid_ns_dns;

/* The URL namespace of RFC 4122 appendix C. */
extern const uuid_bytes uuid_ns_url;

/* espi's own namespace for the names of resources it writes. */
extern const uuid_bytes uuid_ns_espi;

/* Version 5 UUID of name (len bytes) in namespace ns. Returns 0, or -1 when
 * the SHA-1 implementation fails. */
int uuid_v5(uuid_bytes *out, const uuid_bytes *ns, const void *name, size_t len);

/* Version 5 UUID of a name made of several parts, each written as its
 * length, ':' and its bytes, so no two lists of parts give the same name
 * (joining with a separator would: "A/B"+"C" and "A"+"B/C"). */
int uuid_v5_parts(uuid_bytes *out, const uuid_bytes *ns, const char *const *parts, size_t n);

/* Lower-case "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx"; buf needs 37 bytes. */
void uuid_format(char buf[37], const uuid_bytes *u);

#endif
