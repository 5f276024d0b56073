/* community_id.c: the Community ID of a flow, version 1
 *
 * The hash covers the seed, both addresses, the IP protocol, a zero byte
 * and both ports, all in network order, with the endpoints ordered so that
 * both directions of a flow get the same ID: the one with the smaller
 * address (or, for equal addresses, the smaller port) comes first.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "community_id.h"

#include <glib.h>
#include <string.h>

static void put16(uint8_t *at, uint16_t v)
{
    at[0] = (uint8_t)(v >> 8);
    at[1] = (uint8_t)(v & 0xff);
}

void st_community_id(const uint8_t *addr_a, const uint8_t *addr_b, size_t addr_len, uint16_t port_a,
                     uint16_t port_b, uint8_t proto, uint16_t seed, char *out, size_t size)
{
    uint8_t input[2 + 16 + 16 + 2 + 4], digest[20];
    gsize digest_len = sizeof(digest);
    size_t n = 0;
    int order;
    GChecksum *sha1;
    gchar *b64;

    out[0] = '\0';
    if ((addr_len != 4 && addr_len != 16) || size < ST_COMMUNITY_ID_MAX)
        return;
    order = memcmp(addr_a, addr_b, addr_len);
    if (order > 0 || (order == 0 && port_a > port_b)) {
        const uint8_t *a = addr_a;
        uint16_t p = port_a;
        addr_a = addr_b, addr_b = a;
        port_a = port_b, port_b = p;
    }
    put16(input, seed);
    n = 2;
    memcpy(input + n, addr_a, addr_len);
    n += addr_len;
    memcpy(input + n, addr_b, addr_len);
    n += addr_len;
    input[n++] = proto;
    input[n++] = 0;
    put16(input + n, port_a);
    put16(input + n + 2, port_b);
    n += 4;
    sha1 = g_checksum_new(G_CHECKSUM_SHA1);
    g_checksum_update(sha1, input, (gssize)n);
    g_checksum_get_digest(sha1, digest, &digest_len);
    g_checksum_free(sha1);
    b64 = g_base64_encode(digest, digest_len);
    g_snprintf(out, (gulong)size, "1:%s", b64);
    g_free(b64);
}
