/* decode.h: the layers below TCP, as the native reader reads them
 *
 * Link types: Ethernet (802.1Q and QinQ tags), Linux cooked v1 and v2,
 * BSD loopback (host and network byte order), raw IPv4/IPv6.  IPv4 with
 * options and IPv6 with extension headers; fragments are counted, not
 * reassembled (Wireshark reassembles them: the one difference on purpose).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef SMTP_TIMEOUT_NATIVE_DECODE_H
#define SMTP_TIMEOUT_NATIVE_DECODE_H

#include <stdbool.h>
#include <stdint.h>

typedef struct {
    uint8_t        addr_len;     /* 4 or 16 */
    uint8_t        src[16];
    uint8_t        dst[16];
    uint8_t        proto;        /* the transport: 6 TCP, 17 UDP, 1 and 58 ICMP */
    bool           fragment;     /* a piece of a fragmented datagram */
    const uint8_t *l4;           /* the transport header, as captured ... */
    uint32_t       l4_captured;  /* ... this many bytes of it */
    uint32_t       l4_len;       /* its length on the wire, by the IP header */
} st_packet;

/* Whether the reader knows the link type. */
bool st_linktype_known(int linktype);

/* The IP datagram of one frame; false when there is none (ARP, a frame
 * too short, a version that is not 4 or 6). */
bool st_decode(int linktype, const uint8_t *data, uint32_t caplen, uint32_t wirelen, st_packet *out);

#endif
