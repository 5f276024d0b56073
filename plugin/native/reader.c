/* reader.c: the native reader's frames, translated for the capture engine
 *
 * A frame's IP datagram (decode.c) becomes an st_tcp_frame or an
 * st_dns_frame; the engine does the rest.  IP fragments are not
 * reassembled (a limit, README.md), and an ICMP "too big" quotes a TCP
 * header that is no segment of its session: neither is fed, as the
 * plugin feeds neither.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "reader.h"

#include <glib.h>
#include <string.h>

#include "decode.h"

#define TCP_MIN_HEADER 20
#define UDP_HEADER 8
#define DNS_PORT 53

struct st_reader {
    st_capture *capture;
    uint32_t    frame;
};

st_reader *st_reader_new(const st_capture_options *options)
{
    st_reader *r = g_new0(st_reader, 1);

    r->capture = st_capture_new(options);
    return r;
}

void st_reader_free(st_reader *r)
{
    if (r == NULL)
        return;
    st_capture_free(r->capture);
    g_free(r);
}

static uint16_t be16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The frame's TCP header and payload, as the plugin's fields.c reads them. */
static bool read_tcp(const st_packet *p, st_tcp_frame *f)
{
    const uint8_t *h = p->l4;
    st_segment *seg = &f->tcp;
    uint32_t header;

    if (p->l4_captured < TCP_MIN_HEADER || (h[12] >> 4) < 5)
        return false;
    header = (uint32_t)(h[12] >> 4) * 4;
    if (header > p->l4_len)
        return false; /* a bogus header length: Wireshark reads no segment either */
    f->src_port = be16(h);
    f->dst_port = be16(h + 2);
    seg->seq = be32(h + 4);
    seg->ack = be32(h + 8);
    seg->tcp_flags = h[13] & (ST_TCP_FIN | ST_TCP_SYN | ST_TCP_RST | ST_TCP_ACK);
    seg->window = be16(h + 14);
    seg->len = p->l4_len - header;
    seg->captured = p->l4_captured > header ? MIN(p->l4_captured - header, seg->len) : 0;
    seg->payload = seg->captured > 0 ? h + header : NULL;
    return true;
}

static void tcp_frame(st_reader *r, const st_packet *p, int64_t ts_ns)
{
    st_tcp_frame f;
    st_note here, earlier;
    uint32_t earlier_frame;

    memset(&f, 0, sizeof(f));
    if (p->l4_captured < 4 || !st_capture_wants(r->capture, be16(p->l4), be16(p->l4 + 2)) || !read_tcp(p, &f))
        return;
    f.frame = r->frame;
    f.ts_ns = ts_ns;
    f.addr_len = p->addr_len;
    f.src = p->src;
    f.dst = p->dst;
    (void)st_capture_tcp(r->capture, &f, &here, &earlier, &earlier_frame);
}

/* A DNS message on UDP port 53: its ID and response code. */
static void udp_frame(st_reader *r, const st_packet *p, int64_t ts_ns)
{
    const uint8_t *u = p->l4;
    st_dns_frame f;

    if (p->l4_captured < UDP_HEADER + 4)
        return;
    f.ts_ns = ts_ns;
    f.addr_len = p->addr_len;
    f.src = p->src;
    f.dst = p->dst;
    f.src_port = be16(u);
    f.dst_port = be16(u + 2);
    if (f.src_port != DNS_PORT && f.dst_port != DNS_PORT)
        return;
    f.id = be16(u + UDP_HEADER);
    f.rcode = u[UDP_HEADER + 3] & 0x0F;
    st_capture_dns(r->capture, &f);
}

static bool too_big(const st_packet *p)
{
    return p->l4_captured >= 2 && ((p->proto == 1 && p->l4[0] == 3 && p->l4[1] == 4) ||
                                   (p->proto == 58 && p->l4[0] == 2));
}

void st_reader_frame(st_reader *r, int linktype, int64_t ts_ns, const uint8_t *data, uint32_t caplen,
                     uint32_t wirelen)
{
    st_packet p;

    r->frame++;
    if (!st_decode(linktype, data, caplen, wirelen, &p) || p.fragment || too_big(&p))
        return;
    if (p.proto == 6)
        tcp_frame(r, &p, ts_ns);
    else if (p.proto == 17)
        udp_frame(r, &p, ts_ns);
}

void st_reader_write_csv(st_reader *r, FILE *out)
{
    st_capture_write_csv(r->capture, out);
}

void st_reader_write_attempts_csv(st_reader *r, FILE *out)
{
    st_capture_write_attempts_csv(r->capture, out);
}
