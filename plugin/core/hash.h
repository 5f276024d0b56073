/* hash.h: the one hash of the project (FNV-1a, 32 bits)
 *
 * Short keys (addresses, ports) with few collisions and no setup: the DNS
 * log keys hosts with it, the glue's session map keys endpoints.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef SMTP_TIMEOUT_HASH_H
#define SMTP_TIMEOUT_HASH_H

#include <stddef.h>
#include <stdint.h>

#define ST_HASH_SEED UINT32_C(2166136261)

/* Fold len bytes into h (start from ST_HASH_SEED). */
static inline uint32_t st_hash_bytes(uint32_t h, const void *data, size_t len)
{
    const uint8_t *p = (const uint8_t *)data;

    for (size_t i = 0; i < len; i++)
        h = (h ^ p[i]) * UINT32_C(16777619);
    return h;
}

#endif
