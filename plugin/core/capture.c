/* capture.c: the capture engine: frames to sessions
 *
 * The rules, each once, for both front ends:
 * - a session starts with a frame whose server end is known (a registered
 *   or learnt port, or the shape of its bytes), never with a bare reset;
 *   a bare SYN starts an attempt, which becomes a session when anything
 *   else of its connection comes (capture_attempts.c);
 * - a client's SYN on the ports of a session that was used retires that
 *   session and starts a new one in its place (port reuse);
 * - a session that ended (both FINs, or a reset) is retired a while after
 *   its last frame, so that memory follows the sessions open at once;
 * - the clock: a frame whose time goes back more than a second, or forward
 *   more than a day, is a jump of the capture's clock, not a silence; the
 *   engine's clock takes it as no time at all, and the frame measures
 *   nothing;
 * - DNS messages are logged by client host for the DNS evidence.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <arpa/inet.h>
#include <string.h>

#include "capture_int.h"
#include "hash.h"
#include "smtp_line.h"

/* The per-session budget (plugin/doc/performance.md). */
G_STATIC_ASSERT(sizeof(st_live) <= 256);
G_STATIC_ASSERT(sizeof(st_retired) <= 64);

#define NS_PER_S INT64_C(1000000000)
#define DNS_PORT 53
/* An ended session's late frames (a reset sent again, the last ACK) come
 * within TCP's TIME-WAIT: it is retired after that. */
#define ST_RETIRE_AFTER_S 60
#define ST_CLOCK_BACK_NS NS_PER_S
#define ST_CLOCK_JUMP_NS (INT64_C(86400) * NS_PER_S)

/* ---- options ---- */

void st_capture_options_init(st_capture_options *o)
{
    memset(o, 0, sizeof(*o));
    o->gap_threshold_s = 10;
}

bool st_capture_options_add_port(st_capture_options *o, uint16_t port, bool tls)
{
    for (unsigned i = 0; i < o->n_ports; i++) {
        if (o->port[i] == port) {
            o->tls[i] = o->tls[i] || tls;
            return true;
        }
    }
    if (o->n_ports == ST_CAPTURE_PORTS_MAX)
        return false;
    o->tls[o->n_ports] = tls;
    o->port[o->n_ports++] = port;
    return true;
}

void st_capture_options_standard_ports(st_capture_options *o)
{
    (void)st_capture_options_add_port(o, 25, false);
    (void)st_capture_options_add_port(o, 587, false);
    (void)st_capture_options_add_port(o, 465, true);
}

void st_config_defaults(st_config *cfg, unsigned gap_threshold_s)
{
    memset(cfg, 0, sizeof(*cfg));
    /* 0 would make every frame a gap: one second is the least. */
    cfg->gap_threshold_ns = (int64_t)(gap_threshold_s > 0 ? gap_threshold_s : 1) * NS_PER_S;
    /* No server's timer runs out in less than a second. */
    cfg->timer_floor_ns = NS_PER_S;
}

/* ---- endpoints ---- */

guint st_endpoints_hash(gconstpointer key)
{
    const st_endpoints *e = (const st_endpoints *)key;

    /* The same for both orders: a lookup does not know who the client is. */
    return st_hash_bytes(ST_HASH_SEED ^ e->client_port, e->client, e->addr_len) ^
           st_hash_bytes(ST_HASH_SEED ^ e->server_port, e->server, e->addr_len);
}

/* Addresses compared with a length the compiler knows: a call of memcmp
 * a frame was a tenth of the native reader's time. */
static bool same_address(const uint8_t *a, const uint8_t *b, uint8_t len)
{
    return len == 4 ? memcmp(a, b, 4) == 0 : memcmp(a, b, 16) == 0;
}

gboolean st_endpoints_equal(gconstpointer x, gconstpointer y)
{
    const st_endpoints *a = (const st_endpoints *)x, *b = (const st_endpoints *)y;
    uint8_t n = a->addr_len;

    if (a->addr_len != b->addr_len)
        return FALSE;
    return (a->client_port == b->client_port && a->server_port == b->server_port &&
            same_address(a->client, b->client, n) && same_address(a->server, b->server, n)) ||
           (a->client_port == b->server_port && a->server_port == b->client_port &&
            same_address(a->client, b->server, n) && same_address(a->server, b->client, n));
}

/* Only the first addr_len bytes of each address are set, and read. */
void st_endpoints_of(st_endpoints *e, const st_tcp_frame *f, bool sender_is_server)
{
    uint8_t *from = sender_is_server ? e->server : e->client, *to = sender_is_server ? e->client : e->server;

    e->addr_len = f->addr_len;
    if (f->addr_len == 4) {
        memcpy(from, f->src, 4);
        memcpy(to, f->dst, 4);
    } else {
        memcpy(from, f->src, 16);
        memcpy(to, f->dst, 16);
    }
    e->server_port = sender_is_server ? f->src_port : f->dst_port;
    e->client_port = sender_is_server ? f->dst_port : f->src_port;
}

st_side st_endpoints_side(const st_endpoints *e, const st_tcp_frame *f)
{
    if (f->src_port != e->server_port)
        return ST_SIDE_CLIENT;
    if (f->dst_port != e->server_port)
        return ST_SIDE_SERVER;
    return memcmp(f->src, e->server, f->addr_len) == 0 ? ST_SIDE_SERVER : ST_SIDE_CLIENT;
}

/* Decimal digits of N at P, returning the end: a report writes thousands
 * of endpoints, and printf was most of their cost. */
static char *put_decimal(char *p, unsigned n)
{
    char digits[10];
    int k = 0;

    do {
        digits[k++] = (char)('0' + n % 10);
        n /= 10;
    } while (n > 0);
    while (k > 0)
        *p++ = digits[--k];
    return p;
}

char *st_endpoint_text(const uint8_t *addr, unsigned addr_len, uint16_t port)
{
    char text[INET6_ADDRSTRLEN + 8], *p = text;

    if (addr_len == 16) {
        *p++ = '[';
        if (inet_ntop(AF_INET6, addr, p, INET6_ADDRSTRLEN) != NULL)
            p += strlen(p);
        *p++ = ']';
    } else {
        for (unsigned i = 0; i < 4; i++) {
            if (i > 0)
                *p++ = '.';
            p = put_decimal(p, addr[i]);
        }
    }
    *p++ = ':';
    p = put_decimal(p, port);
    *p = '\0';
    return g_strdup(text);
}

/* ---- the engine ---- */

static void *extension(void *ctx, size_t size)
{
    (void)ctx;
    return g_malloc0(size);
}

static void free_live(gpointer p)
{
    st_live *s = (st_live *)p;

    g_free(s->core.ext);
    g_free(s->found);
    g_free(s);
}

st_capture *st_capture_new(const st_capture_options *o)
{
    st_capture *c = g_new0(st_capture, 1);

    st_ports_init(&c->ports, o);
    st_config_defaults(&c->config, o->gap_threshold_s);
    c->config.dns = &c->dns;
    c->config.alloc = extension;
    c->config.alloc_ctx = c;
    st_dns_log_reset(&c->dns);
    st_attempts_init(&c->attempts);
    c->live = g_hash_table_new_full(st_endpoints_hash, st_endpoints_equal, NULL, free_live);
    g_queue_init(&c->done);
    c->retired = g_ptr_array_new_with_free_func(g_free);
    c->clock_next_check = INT64_MIN;
    return c;
}

void st_capture_free(st_capture *c)
{
    if (c == NULL)
        return;
    g_queue_clear(&c->done);
    g_hash_table_destroy(c->live);
    for (uint32_t i = 0; i < c->n_retired; i++)
        g_free(st_retired_at(c, i)->found);
    g_ptr_array_free(c->retired, TRUE);
    st_attempts_free(&c->attempts);
    g_free(c);
}

bool st_capture_wants(const st_capture *c, uint16_t src_port, uint16_t dst_port)
{
    return st_port_bit(&c->ports, src_port) || st_port_bit(&c->ports, dst_port);
}

/* Keep the session's row; its notes go with it. */
static void keep_row(st_capture *c, st_live *s)
{
    if (c->n_retired % ST_RETIRED_BLOCK == 0)
        g_ptr_array_add(c->retired, g_new(st_retired, ST_RETIRED_BLOCK));
    st_retired_of(s, st_retired_at(c, c->n_retired));
    c->n_retired++;
    s->found = NULL;
}

static void leave_done_queue(st_capture *c, st_live *s)
{
    if (s->done_link != NULL) {
        g_queue_delete_link(&c->done, s->done_link);
        s->done_link = NULL;
    }
}

/* A session that ended and stayed quiet: its row stays, its state goes. */
static void retire(st_capture *c, st_live *s)
{
    keep_row(c, s);
    leave_done_queue(c, s);
    g_hash_table_remove(c->live, &s->key);
}

/* Whole seconds of the engine's clock, wrapping: differences are exact
 * for 68 years. */
static uint32_t clock_seconds(int64_t ns)
{
    return (uint32_t)(ns / NS_PER_S);
}

static void retire_quiet(st_capture *c, int64_t now)
{
    uint32_t now_s = clock_seconds(now);
    st_live *s;

    while ((s = (st_live *)g_queue_peek_head(&c->done)) != NULL && (int32_t)(now_s - s->done_s) > ST_RETIRE_AFTER_S)
        retire(c, s);
}

/* The engine's clock: the frame's time, less what jumps of the capture's
 * clock added; true when this frame is such a jump. */
/* a + b and a - b, or the int64 bound they passed: hostile time stamps
 * reach both ends of the range. */
static int64_t sat_add(int64_t a, int64_t b)
{
    int64_t r;

    if (__builtin_add_overflow(a, b, &r))
        return b > 0 ? INT64_MAX : INT64_MIN;
    return r;
}

static int64_t sat_sub(int64_t a, int64_t b)
{
    int64_t r;

    if (__builtin_sub_overflow(a, b, &r))
        return b < 0 ? INT64_MAX : INT64_MIN;
    return r;
}

static bool clock_read(st_capture *c, int64_t ts_ns, int64_t *now)
{
    int64_t t = sat_sub(ts_ns, c->clock_offset);
    bool jump = false;

    if (c->clock_started && (t < sat_sub(c->clock_last, ST_CLOCK_BACK_NS) ||
                             t > sat_add(c->clock_last, ST_CLOCK_JUMP_NS))) {
        c->clock_offset = sat_add(c->clock_offset, sat_sub(t, c->clock_last));
        t = c->clock_last;
        jump = true;
        if (c->clock_jumps < UINT32_MAX)
            c->clock_jumps++;
    }
    if (!c->clock_started || t > c->clock_last)
        c->clock_last = t;
    c->clock_started = true;
    *now = t;
    /* Retirement and ageing count whole seconds: once a second is enough. */
    if (c->clock_last >= c->clock_next_check) {
        c->clock_next_check = sat_add(c->clock_last, NS_PER_S);
        retire_quiet(c, c->clock_last);
        st_attempts_age(&c->attempts, c->clock_last);
    }
    return jump;
}

void st_capture_dns(st_capture *c, const st_dns_frame *f)
{
    int64_t now;

    (void)clock_read(c, f->ts_ns, &now);
    if (f->dst_port == DNS_PORT && f->src_port != DNS_PORT)
        st_dns_log_query(&c->dns, st_dns_host_key(f->src, f->addr_len), f->id, now);
    else if (f->src_port == DNS_PORT && f->dst_port != DNS_PORT)
        st_dns_log_answer(&c->dns, st_dns_host_key(f->dst, f->addr_len), f->id, f->rcode, now);
}

/* ---- TCP frames ---- */

/* A session record for a connection's endpoints: TLS from the first byte
 * on a TLS port. */
static st_live *add_session(st_capture *c, const st_endpoints *key)
{
    st_live *s = g_new0(st_live, 1);

    s->key = *key;
    s->port_known = st_ports_server(&c->ports, s->key.server_port);
    s->client_host = st_dns_host_key(s->key.client, s->key.addr_len);
    if (st_ports_tls(&c->ports, s->key.server_port))
        st_session_init_tls(&s->core);
    else
        st_session_init(&s->core);
    g_hash_table_insert(c->live, &s->key, s);
    return s;
}

static st_live *new_session(st_capture *c, const st_tcp_frame *f, bool sender_is_server)
{
    st_endpoints key;

    st_endpoints_of(&key, f, sender_is_server);
    return add_session(c, &key);
}

/* An attempt answered (or anything else of its connection came): a
 * session, which reads the attempt's last SYN first. */
static st_live *from_attempt(st_capture *c, st_attempt *at, const st_tcp_frame *f, int64_t now)
{
    st_side from = st_endpoints_side(&at->key, f);
    uint8_t flags = f->tcp.tcp_flags;
    st_note here, earlier;
    st_segment syn;
    uint32_t earlier_frame;
    st_live *s;

    if (flags & ST_TCP_RST && f->tcp.len == 0) {
        if (from == ST_SIDE_SERVER)
            st_attempts_refused(&c->attempts, at);
        return NULL; /* a client's own reset: the attempt ages as unanswered */
    }
    if (from == ST_SIDE_CLIENT && (flags & (ST_TCP_SYN | ST_TCP_ACK)) == ST_TCP_SYN) {
        st_attempts_syn(&c->attempts, f, now); /* sent again */
        return NULL;
    }
    s = add_session(c, &at->key);
    st_attempt_segment(at, &syn);
    syn.client_host = s->client_host;
    st_attempts_answered(&c->attempts, at);
    st_session_feed(&s->core, &c->config, &syn, &here, &earlier, &earlier_frame);
    return s;
}

/* A frame of no session: it starts one when its server end is known (a
 * server port, or a reply), and is no bare reset; a bare SYN starts an
 * attempt. */
static st_live *start(st_capture *c, const st_tcp_frame *f, int64_t now)
{
    st_attempt *at = st_attempts_find(&c->attempts, f);
    st_side sender;
    uint16_t server_port;

    if (at != NULL)
        return from_attempt(c, at, f, now);
    sender = st_ports_sender_role(&c->ports, f);
    if (sender == ST_SIDE_NONE)
        return NULL;
    server_port = sender == ST_SIDE_SERVER ? f->src_port : f->dst_port;
    if (!st_ports_server(&c->ports, server_port) && !st_looks_like_reply(f->tcp.payload, f->tcp.captured))
        return NULL;
    if (f->tcp.tcp_flags & ST_TCP_RST && f->tcp.len == 0)
        return NULL;
    if ((f->tcp.tcp_flags & (ST_TCP_SYN | ST_TCP_ACK)) == ST_TCP_SYN && f->tcp.len == 0) {
        st_attempts_syn(&c->attempts, f, now);
        return NULL;
    }
    return new_session(c, f, sender == ST_SIDE_SERVER);
}

/* A new connection on the ports of a used one: the report keeps the old
 * session as it was, the record starts again (the machine resets itself
 * on the SYN). */
static void restart(st_capture *c, st_live *s)
{
    keep_row(c, s);
    leave_done_queue(c, s);
}

/* After the frame: a port the dialogue proved is learnt; a session that
 * ended waits in the queue, its time from its last frame. */
static void after_frame(st_capture *c, st_live *s, int64_t now, bool fin_or_rst)
{
    if (!s->port_known && s->core.after > ST_AFTER_CONNECT) {
        st_ports_learn(&c->ports, s->key.server_port);
        s->port_known = true;
    }
    if (s->done_link != NULL)
        g_queue_unlink(&c->done, s->done_link);
    else if (fin_or_rst && st_session_over(&s->core)) /* only a FIN or a reset ends a connection */
        s->done_link = g_list_alloc();
    else
        return;
    s->done_link->data = s;
    s->done_s = clock_seconds(now);
    g_queue_push_tail_link(&c->done, s->done_link);
}

static void feed(st_capture *c, st_live *s, const st_tcp_frame *f, int64_t now, bool jump, st_note *here,
                 st_note *earlier, uint32_t *earlier_frame)
{
    st_segment seg = f->tcp;

    seg.frame = f->frame;
    seg.ts_ns = now;
    seg.from = st_endpoints_side(&s->key, f);
    seg.client_host = s->client_host;
    seg.untimed = jump;
    if (st_session_restarts(&s->core, &seg))
        restart(c, s);
    st_session_feed(&s->core, &c->config, &seg, here, earlier, earlier_frame);
    if (here->findings != 0)
        st_found_keep(s, f->frame, here);
    if (*earlier_frame != 0)
        st_found_keep(s, *earlier_frame, earlier);
    after_frame(c, s, now, (f->tcp.tcp_flags & (ST_TCP_FIN | ST_TCP_RST)) != 0);
}

bool st_capture_tcp(st_capture *c, const st_tcp_frame *f, st_note *here, st_note *earlier, uint32_t *earlier_frame)
{
    st_endpoints probe;
    st_live *s;
    int64_t now;
    bool jump;

    here->findings = 0;
    *earlier_frame = 0;
    if (f->addr_len != 4 && f->addr_len != 16)
        return false;
    jump = clock_read(c, f->ts_ns, &now);
    st_endpoints_of(&probe, f, false);
    s = (st_live *)g_hash_table_lookup(c->live, &probe);
    if (s == NULL && (s = start(c, f, now)) == NULL)
        return false;
    feed(c, s, f, now, jump, here, earlier, earlier_frame);
    return true;
}

/* ---- what the report reads ---- */

unsigned st_capture_attempts(const st_capture *c, st_attempts_sink sink, void *ctx)
{
    return st_attempts_report(&c->attempts, sink, ctx);
}

void st_capture_counts_get(const st_capture *c, st_capture_counts *out)
{
    memset(out, 0, sizeof(*out));
    out->open = g_hash_table_size(c->live);
    out->sessions = c->n_retired + out->open;
    out->attempts_dropped = c->attempts.dropped;
    out->ports_not_learnt = c->ports.not_learnt;
    out->clock_jumps = c->clock_jumps;
}
