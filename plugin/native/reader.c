/* reader.c: the native reader's sessions
 *
 * What the plugin's glue does with Wireshark's dissection, done from raw
 * frames, rule for rule (packet-smtp-timeout.c, session_map.c, fields.c):
 * a TCP frame on a server port is fed to its session; a session starts
 * with a frame whose server end is known; a new connection on the ports
 * of an old one keeps the old one for the report; the client's DNS
 * traffic is logged for the DNS evidence; the notes a report row needs are
 * kept per session.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "reader.h"

#include <glib.h>
#include <string.h>

#include "core/dns_log.h"
#include "core/hash.h"
#include "core/report_row.h"
#include "core/session.h"
#include "core/smtp_line.h"
#include "decode.h"
#include "rows.h"

#define DNS_PORT 53
#define TCP_MIN_HEADER 20

/* The ports SMTP servers were seen on, as the glue's ports.c keeps them:
 * the table's (25, 587, 465, -d), then those of sessions that began on
 * other ports; past ST_READER_PORTS_MAX, every port may be one. */
typedef struct {
    uint16_t port[ST_READER_PORTS_MAX];
    bool     tls[ST_READER_PORTS_MAX];
    unsigned n;
    bool     any;
} st_ports;

struct st_reader {
    st_reader_options options;   /* its ports are the SMTP dissector's table */
    st_ports          ports;
    st_config         config;
    st_dns_log        dns;
    GHashTable       *live;      /* st_flow by its endpoints */
    GPtrArray        *all;       /* every session, retired copies too, for the report */
    GPtrArray        *allocated; /* the sessions' extensions */
    uint32_t          frame;
};

static void *extension(void *ctx, size_t size)
{
    st_reader *r = (st_reader *)ctx;
    void *p = g_malloc0(size);

    g_ptr_array_add(r->allocated, p);
    return p;
}

static guint flow_hash(gconstpointer key)
{
    const st_flow_key *f = (const st_flow_key *)key;

    return st_hash_bytes(ST_HASH_SEED ^ f->client_port, f->client_addr, f->addr_len) ^
           st_hash_bytes(ST_HASH_SEED ^ f->server_port, f->server_addr, f->addr_len);
}

static gboolean flow_equal(gconstpointer x, gconstpointer y)
{
    const st_flow_key *a = (const st_flow_key *)x, *b = (const st_flow_key *)y;
    size_t n = a->addr_len;

    if (a->addr_len != b->addr_len)
        return FALSE;
    return (a->client_port == b->client_port && a->server_port == b->server_port &&
            memcmp(a->client_addr, b->client_addr, n) == 0 && memcmp(a->server_addr, b->server_addr, n) == 0) ||
           (a->client_port == b->server_port && a->server_port == b->client_port &&
            memcmp(a->client_addr, b->server_addr, n) == 0 && memcmp(a->server_addr, b->client_addr, n) == 0);
}

void st_reader_default_options(st_reader_options *o)
{
    memset(o, 0, sizeof(*o));
    (void)st_reader_add_port(o, 25, false);
    (void)st_reader_add_port(o, 587, false);
    (void)st_reader_add_port(o, 465, true);
    o->gap_threshold_s = 10;
}

bool st_reader_add_port(st_reader_options *o, uint16_t port, bool tls)
{
    for (unsigned i = 0; i < o->n_ports; i++) {
        if (o->ports[i] == port) {
            o->tls[i] = o->tls[i] || tls;
            return true;
        }
    }
    if (o->n_ports == ST_READER_PORTS_MAX)
        return false;
    o->tls[o->n_ports] = tls;
    o->ports[o->n_ports++] = port;
    return true;
}

st_reader *st_reader_new(const st_reader_options *options)
{
    st_reader *r = g_new0(st_reader, 1);

    r->options = *options;
    for (unsigned i = 0; i < options->n_ports; i++) {
        r->ports.port[i] = options->ports[i];
        r->ports.tls[i] = options->tls[i];
    }
    r->ports.n = options->n_ports;
    /* As the glue's: 0 would make every frame a gap, one second is the least. */
    r->config.gap_threshold_ns = (int64_t)MAX(options->gap_threshold_s, 1) * 1000000000;
    r->config.min_timeout_ns = 1000000000;
    r->config.dns = &r->dns;
    r->config.alloc = extension;
    r->config.alloc_ctx = r;
    st_dns_log_reset(&r->dns);
    r->live = g_hash_table_new(flow_hash, flow_equal);
    r->all = g_ptr_array_new_with_free_func(st_flow_free);
    r->allocated = g_ptr_array_new_with_free_func(g_free);
    return r;
}

void st_reader_free(st_reader *r)
{
    if (r == NULL)
        return;
    g_hash_table_destroy(r->live);
    g_ptr_array_free(r->all, TRUE);
    g_ptr_array_free(r->allocated, TRUE);
    g_free(r);
}

static int port_index(const st_reader *r, uint16_t port)
{
    for (unsigned i = 0; i < r->ports.n; i++) {
        if (r->ports.port[i] == port)
            return (int)i;
    }
    return -1;
}

static bool is_server_port(const st_reader *r, uint16_t port)
{
    return port_index(r, port) >= 0;
}

static bool in_table(const st_reader *r, uint16_t port)
{
    for (unsigned i = 0; i < r->options.n_ports; i++) {
        if (r->options.ports[i] == port)
            return true;
    }
    return false;
}

static void learn_port(st_reader *r, uint16_t port)
{
    if (is_server_port(r, port))
        return;
    if (r->ports.n == ST_READER_PORTS_MAX) {
        r->ports.any = true;
        return;
    }
    r->ports.tls[r->ports.n] = false;
    r->ports.port[r->ports.n++] = port;
}

static uint16_t be16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The frame's TCP header and payload, as fields.c reads them. */
static bool read_tcp(const st_packet *p, st_segment *seg, uint16_t *sport, uint16_t *dport)
{
    const uint8_t *h = p->l4;
    uint32_t header;

    if (p->l4_captured < TCP_MIN_HEADER || (h[12] >> 4) < 5)
        return false;
    header = (uint32_t)(h[12] >> 4) * 4;
    if (header > p->l4_len)
        return false; /* a bogus header length: Wireshark reads no segment either */
    *sport = be16(h);
    *dport = be16(h + 2);
    seg->seq = be32(h + 4);
    seg->ack = be32(h + 8);
    seg->tcp_flags = h[13] & (ST_TCP_FIN | ST_TCP_SYN | ST_TCP_RST | ST_TCP_ACK);
    seg->window = be16(h + 14);
    seg->len = p->l4_len - header;
    seg->captured = p->l4_captured > header ? MIN(p->l4_captured - header, seg->len) : 0;
    seg->payload = seg->captured > 0 ? h + header : NULL;
    return true;
}

/* Which end is the server: the core's rule, from the frame's ports. */
static st_side sender_role(const st_reader *r, uint16_t sport, uint16_t dport, const st_segment *seg)
{
    st_frame_ports ports;

    ports.src_port = sport;
    ports.dst_port = dport;
    ports.src_server = is_server_port(r, sport);
    ports.dst_server = is_server_port(r, dport);
    ports.src_table = in_table(r, sport);
    ports.dst_table = in_table(r, dport);
    return st_sender_role(&ports, seg);
}

static void set_endpoints(st_flow_key *f, const st_packet *p, uint16_t sport, uint16_t dport, bool sender_is_server)
{
    f->addr_len = p->addr_len;
    memcpy(sender_is_server ? f->server_addr : f->client_addr, p->src, p->addr_len);
    memcpy(sender_is_server ? f->client_addr : f->server_addr, p->dst, p->addr_len);
    f->server_port = sender_is_server ? sport : dport;
    f->client_port = sender_is_server ? dport : sport;
}

static st_flow *start_session(st_reader *r, const st_packet *p, uint16_t sport, uint16_t dport,
                              const st_segment *seg)
{
    st_side sender = sender_role(r, sport, dport, seg);
    st_flow *f;

    if (sender == ST_SIDE_NONE)
        return NULL;
    if (!r->ports.any && !is_server_port(r, sender == ST_SIDE_SERVER ? sport : dport) &&
        !st_looks_like_reply(seg->payload, seg->captured))
        return NULL;
    if (seg->tcp_flags & ST_TCP_RST && seg->len == 0)
        return NULL;
    f = g_new0(st_flow, 1);
    set_endpoints(&f->key, p, sport, dport, sender == ST_SIDE_SERVER);
    if (port_index(r, f->key.server_port) >= 0 && r->ports.tls[port_index(r, f->key.server_port)])
        st_session_init_tls(&f->core);
    else
        st_session_init(&f->core);
    f->client_host = st_dns_host_key(f->key.client_addr, f->key.addr_len);
    learn_port(r, f->key.server_port);
    g_hash_table_insert(r->live, &f->key, f);
    g_ptr_array_add(r->all, f);
    return f;
}

/* Which side sent the frame (session_map.c's st_map_side). */
static st_side side_of(const st_flow *f, const st_packet *p, uint16_t sport, uint16_t dport)
{
    if (sport != f->key.server_port)
        return ST_SIDE_CLIENT;
    if (dport != f->key.server_port)
        return ST_SIDE_SERVER;
    return memcmp(p->src, f->key.server_addr, p->addr_len) == 0 ? ST_SIDE_SERVER : ST_SIDE_CLIENT;
}

/* A new connection on the ports of a finished one: the report keeps the
 * old session as it was, the live record starts again. */
static void retire(st_reader *r, st_flow *f)
{
    st_flow *old = st_flow_copy(f);

    g_ptr_array_add(r->all, old);
    memset(&f->tally, 0, sizeof(f->tally));
    st_flow_forget_notes(f);
}

static void tcp_frame(st_reader *r, const st_packet *p, int64_t ts_ns)
{
    st_segment seg = { 0 };
    st_flow_key probe;
    st_flow *f;
    uint16_t sport, dport;
    st_note here, earlier;
    uint32_t earlier_frame;

    if (!read_tcp(p, &seg, &sport, &dport) ||
        (!r->ports.any && !is_server_port(r, sport) && !is_server_port(r, dport)))
        return;
    set_endpoints(&probe, p, sport, dport, false);
    f = (st_flow *)g_hash_table_lookup(r->live, &probe);
    if (f == NULL && (f = start_session(r, p, sport, dport, &seg)) == NULL)
        return;
    seg.frame = r->frame;
    seg.ts_ns = ts_ns;
    seg.from = side_of(f, p, sport, dport);
    seg.client_host = f->client_host;
    if (st_session_restarts(&f->core, &seg))
        retire(r, f);
    st_session_feed(&f->core, &r->config, &seg, &here, &earlier, &earlier_frame);
    if (here.findings != 0)
        st_flow_keep_note(f, r->frame, &here);
    if (earlier_frame != 0)
        st_flow_keep_note(f, earlier_frame, &earlier);
}

/* A DNS message on UDP port 53: its ID and response code (packet-smtp-
 * timeout.c's log_dns). */
static void udp_frame(st_reader *r, const st_packet *p, int64_t ts_ns)
{
    const uint8_t *u = p->l4;
    uint16_t sport, dport;

    if (p->l4_captured < 8 + 4)
        return;
    sport = be16(u);
    dport = be16(u + 2);
    if (dport == DNS_PORT && sport != DNS_PORT)
        st_dns_log_query(&r->dns, st_dns_host_key(p->src, p->addr_len), be16(u + 8), ts_ns);
    else if (sport == DNS_PORT && dport != DNS_PORT)
        st_dns_log_answer(&r->dns, st_dns_host_key(p->dst, p->addr_len), be16(u + 8), u[11] & 0x0F, ts_ns);
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
    /* IP fragments are not reassembled (a limit, README.md),
     * and an ICMP "too big" quotes a TCP header that is no segment of its
     * session: neither is read. */
    if (!st_decode(linktype, data, caplen, wirelen, &p) || p.fragment || too_big(&p))
        return;
    if (p.proto == 6)
        tcp_frame(r, &p, ts_ns);
    else if (p.proto == 17)
        udp_frame(r, &p, ts_ns);
}

void st_reader_write_csv(st_reader *r, FILE *out)
{
    st_rows_write_csv((st_flow *const *)r->all->pdata, r->all->len, out);
}
