/* community_id.h: the Community ID of a TCP flow (v1), to join Zeek, Suricata
 * and Arkime records
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef SMTP_TIMEOUT_COMMUNITY_ID_H
#define SMTP_TIMEOUT_COMMUNITY_ID_H

#include <stddef.h>
#include <stdint.h>

#define ST_COMMUNITY_ID_MAX 32 /* "1:" and 28 characters of base64, and the NUL */

/* The flow's Community ID, "1:<base64 of SHA-1>", with seed 0 as Wireshark,
 * Zeek and Suricata default to.  Addresses are 4 (IPv4) or 16 (IPv6)
 * bytes in network order; the two endpoints may come in either order.
 * "" when the addresses are of neither length or unlike. */
void st_community_id(const uint8_t *addr_a, const uint8_t *addr_b, size_t addr_len, uint16_t port_a,
                     uint16_t port_b, uint8_t proto, uint16_t seed, char *out, size_t size);

#endif
