/* decode.c: the layers below TCP
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "decode.h"

#include <string.h>

enum {
    LINK_NULL = 0, LINK_ETHERNET = 1, LINK_RAW = 12, LINK_RAW_OPENBSD = 14, LINK_LOOP = 108, LINK_SLL = 113,
    LINK_RAW_PCAP = 101, LINK_IPV4 = 228, LINK_IPV6 = 229, LINK_SLL2 = 276,
};
enum { ETH_IPV4 = 0x0800, ETH_IPV6 = 0x86DD, ETH_VLAN = 0x8100, ETH_QINQ = 0x88A8, ETH_QINQ_OLD = 0x9100 };
#define MAX_VLAN_TAGS 4
#define MAX_IPV6_EXTENSIONS 8

static uint16_t be16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

bool st_linktype_known(int linktype)
{
    switch (linktype) {
    case LINK_NULL: case LINK_ETHERNET: case LINK_RAW: case LINK_RAW_OPENBSD: case LINK_LOOP: case LINK_SLL:
    case LINK_RAW_PCAP: case LINK_IPV4: case LINK_IPV6: case LINK_SLL2:
        return true;
    default:
        return false;
    }
}

#define BY_VERSION 1 /* raw IP: the version nibble says which */

/* Where the network layer begins, and its EtherType (BY_VERSION for raw
 * IP; anything but IPv4's and IPv6's is no IP datagram). */
static bool link_layer(int linktype, const uint8_t *d, uint32_t caplen, uint32_t *at, uint16_t *type)
{
    uint32_t family;

    *type = 0;
    switch (linktype) {
    case LINK_ETHERNET:
        if (caplen < 14)
            return false;
        *type = be16(d + 12);
        *at = 14;
        for (int tags = 0; (*type == ETH_VLAN || *type == ETH_QINQ || *type == ETH_QINQ_OLD) && tags < MAX_VLAN_TAGS;
             tags++) {
            if (caplen < *at + 4)
                return false;
            *type = be16(d + *at + 2);
            *at += 4;
        }
        return true;
    case LINK_SLL:
        if (caplen < 16)
            return false;
        *type = be16(d + 14);
        *at = 16;
        return true;
    case LINK_SLL2:
        if (caplen < 20)
            return false;
        *type = be16(d);
        *at = 20;
        return true;
    case LINK_NULL:
    case LINK_LOOP:
        if (caplen < 4)
            return false;
        /* The address family, in the writer's byte order (NULL) or the
         * network's (LOOP): 2 is IPv4, 24, 28 and 30 are IPv6's. */
        memcpy(&family, d, 4);
        if (linktype == LINK_LOOP || (family & 0xFFFF) == 0)
            family = (uint32_t)d[0] << 24 | (uint32_t)d[1] << 16 | (uint32_t)d[2] << 8 | d[3];
        else
            family = d[0] | (uint32_t)d[1] << 8 | (uint32_t)d[2] << 16 | (uint32_t)d[3] << 24;
        *type = family == 2 ? ETH_IPV4 : (family == 24 || family == 28 || family == 30) ? ETH_IPV6 : 0;
        *at = 4;
        return true;
    default: /* raw IP: by its version */
        *at = 0;
        *type = BY_VERSION;
        return st_linktype_known(linktype);
    }
}

static bool ipv4(const uint8_t *p, uint32_t caplen, uint32_t wirelen, st_packet *out)
{
    uint32_t header, total;
    uint16_t frag;

    if (caplen < 20 || (p[0] >> 4) != 4 || (header = (uint32_t)(p[0] & 0x0F) * 4) < 20 || caplen < header)
        return false;
    total = be16(p + 2);
    /* A total length of 0 is a segmentation offload's: the frame says it. */
    if (total == 0 || total > wirelen)
        total = wirelen;
    if (total < header)
        return false;
    frag = be16(p + 6);
    out->fragment = (frag & 0x2000) != 0 || (frag & 0x1FFF) != 0;
    out->addr_len = 4;
    memcpy(out->src, p + 12, 4);
    memcpy(out->dst, p + 16, 4);
    out->proto = p[9];
    out->l4 = p + header;
    out->l4_captured = caplen - header;
    out->l4_len = total - header;
    return true;
}

/* Extension headers up to the transport; false on ESP or a chain too long. */
static bool ipv6_extensions(const uint8_t *p, uint32_t caplen, uint32_t *at, uint8_t *next, bool *fragment)
{
    for (int n = 0; n < MAX_IPV6_EXTENSIONS; n++) {
        uint32_t len;
        switch (*next) {
        case 0: case 43: case 60: /* hop-by-hop, routing, destination options */
            if (caplen < *at + 2)
                return false;
            len = ((uint32_t)p[*at + 1] + 1) * 8;
            break;
        case 44: /* fragment */
            if (caplen < *at + 8)
                return false;
            *fragment = true;
            len = 8;
            break;
        case 51: /* authentication header */
            if (caplen < *at + 2)
                return false;
            len = ((uint32_t)p[*at + 1] + 2) * 4;
            break;
        default:
            return true;
        }
        *next = p[*at];
        *at += len;
        if (*at > caplen)
            return false;
    }
    return false;
}

static bool ipv6(const uint8_t *p, uint32_t caplen, uint32_t wirelen, st_packet *out)
{
    uint32_t at = 40, total;
    uint8_t next;

    if (caplen < 40 || (p[0] >> 4) != 6)
        return false;
    total = 40 + (uint32_t)be16(p + 4);
    if (be16(p + 4) == 0 || total > wirelen) /* a jumbogram, or an offload's 0 */
        total = wirelen;
    next = p[6];
    out->fragment = false;
    if (!ipv6_extensions(p, caplen, &at, &next, &out->fragment) || at > total)
        return false;
    out->addr_len = 16;
    memcpy(out->src, p + 8, 16);
    memcpy(out->dst, p + 24, 16);
    out->proto = next;
    out->l4 = p + at;
    out->l4_captured = caplen - at;
    out->l4_len = total - at;
    return true;
}

bool st_decode(int linktype, const uint8_t *data, uint32_t caplen, uint32_t wirelen, st_packet *out)
{
    uint32_t at;
    uint16_t type;

    if (!link_layer(linktype, data, caplen, &at, &type) || caplen <= at)
        return false;
    if (type == BY_VERSION)
        type = (data[at] >> 4) == 6 ? ETH_IPV6 : ETH_IPV4;
    if (wirelen < caplen)
        wirelen = caplen;
    if (type == ETH_IPV4)
        return ipv4(data + at, caplen - at, wirelen - at, out);
    if (type == ETH_IPV6)
        return ipv6(data + at, caplen - at, wirelen - at, out);
    return false;
}
