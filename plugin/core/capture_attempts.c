/* capture_attempts.c: connection attempts that are not sessions yet
 *
 * A bare SYN to an SMTP port costs no session: it waits here, in a table
 * of bounded size, until the other end answers (then it becomes a session,
 * fed its SYN first), a reset refuses it, or it ages past any client's
 * connect timer.  Attempts that never became sessions are counted per
 * destination, as conntrack counts them: "connect to host:25: Connection
 * timed out" is the commonest timeout of all, and a SYN flood must not
 * cost a session each.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <string.h>

#include "capture_int.h"
#include "hash.h"

/* Pending attempts kept at once; past it the oldest is counted unanswered. */
#define ST_ATTEMPTS_MAX 8192
/* Destinations counted one by one; the rest together. */
#define ST_DESTINATIONS_MAX 4096
/* Linux retries a SYN for 127 s (tcp_syn_retries 6); no client waits longer. */
#define ST_ATTEMPT_AGE_NS (INT64_C(180) * 1000000000)

typedef struct {
    uint8_t  addr[16];
    uint8_t  addr_len;
    uint16_t port;
    uint32_t first_frame;
    uint32_t unanswered;
    uint32_t refused;
    uint32_t syns;
} st_destination;

static guint destination_hash(gconstpointer key)
{
    const st_destination *d = (const st_destination *)key;

    return st_hash_bytes(ST_HASH_SEED ^ d->port, d->addr, d->addr_len);
}

static gboolean destination_equal(gconstpointer x, gconstpointer y)
{
    const st_destination *a = (const st_destination *)x, *b = (const st_destination *)y;

    return a->port == b->port && a->addr_len == b->addr_len && memcmp(a->addr, b->addr, a->addr_len) == 0;
}

void st_attempts_init(st_attempts *a)
{
    memset(a, 0, sizeof(*a));
    a->pending = g_hash_table_new_full(st_endpoints_hash, st_endpoints_equal, NULL, g_free);
    a->by_server = g_hash_table_new_full(destination_hash, destination_equal, NULL, g_free);
    g_queue_init(&a->age);
}

void st_attempts_free(st_attempts *a)
{
    g_queue_clear(&a->age);
    g_hash_table_destroy(a->pending);
    g_hash_table_destroy(a->by_server);
}

static void add_up(uint32_t *to, uint32_t n)
{
    *to = *to > UINT32_MAX - n ? UINT32_MAX : *to + n;
}

/* An attempt that ended without a session, into its destination's counts. */
static void count(GHashTable *by_server, st_attempts *a, const st_attempt *at, bool refused)
{
    st_destination probe, *d;

    memset(&probe, 0, sizeof(probe));
    probe.addr_len = at->key.addr_len;
    memcpy(probe.addr, at->key.server, at->key.addr_len);
    probe.port = at->key.server_port;
    d = (st_destination *)g_hash_table_lookup(by_server, &probe);
    if (d == NULL && g_hash_table_size(by_server) < ST_DESTINATIONS_MAX) {
        d = g_new(st_destination, 1);
        *d = probe;
        d->first_frame = at->first_frame;
        g_hash_table_insert(by_server, d, d);
    }
    if (d == NULL) {
        if (a->other_first == 0 || at->first_frame < a->other_first)
            a->other_first = at->first_frame;
        add_up(refused ? &a->other_refused : &a->other_unanswered, 1);
        add_up(&a->other_syns, at->syns);
        return;
    }
    if (at->first_frame < d->first_frame)
        d->first_frame = at->first_frame;
    add_up(refused ? &d->refused : &d->unanswered, 1);
    add_up(&d->syns, at->syns);
}

static void forget(st_attempts *a, st_attempt *at)
{
    g_queue_delete_link(&a->age, at->link);
    g_hash_table_remove(a->pending, &at->key); /* frees it */
}

void st_attempts_syn(st_attempts *a, const st_tcp_frame *f, int64_t now_ns)
{
    st_endpoints key;
    st_attempt *at;

    st_endpoints_of(&key, f, false);
    at = (st_attempt *)g_hash_table_lookup(a->pending, &key);
    if (at == NULL) {
        if (g_hash_table_size(a->pending) >= ST_ATTEMPTS_MAX) {
            st_attempt *oldest = (st_attempt *)g_queue_peek_head(&a->age);
            count(a->by_server, a, oldest, false);
            add_up(&a->dropped, 1);
            forget(a, oldest);
        }
        at = g_new0(st_attempt, 1);
        at->key = key;
        at->first_frame = f->frame;
        g_hash_table_insert(a->pending, &at->key, at);
        g_queue_push_tail(&a->age, at);
        at->link = g_queue_peek_tail_link(&a->age);
    } else {
        g_queue_unlink(&a->age, at->link); /* the newest SYN: youngest again */
        g_queue_push_tail_link(&a->age, at->link);
    }
    if (at->syns < UINT8_MAX)
        at->syns++;
    at->seq = f->tcp.seq;
    at->window = f->tcp.window;
    at->frame = f->frame;
    at->ts_ns = now_ns;
}

st_attempt *st_attempts_find(st_attempts *a, const st_tcp_frame *f)
{
    st_endpoints key;

    if (g_hash_table_size(a->pending) == 0)
        return NULL;
    st_endpoints_of(&key, f, false);
    return (st_attempt *)g_hash_table_lookup(a->pending, &key);
}

void st_attempts_refused(st_attempts *a, st_attempt *at)
{
    count(a->by_server, a, at, true);
    forget(a, at);
}

void st_attempts_answered(st_attempts *a, st_attempt *at)
{
    forget(a, at);
}

void st_attempts_age(st_attempts *a, int64_t now_ns)
{
    st_attempt *at;

    while ((at = (st_attempt *)g_queue_peek_head(&a->age)) != NULL && now_ns > at->ts_ns &&
           (uint64_t)now_ns - (uint64_t)at->ts_ns > (uint64_t)ST_ATTEMPT_AGE_NS) {
        count(a->by_server, a, at, false);
        forget(a, at);
    }
}

void st_attempt_segment(const st_attempt *at, st_segment *seg)
{
    memset(seg, 0, sizeof(*seg));
    seg->frame = at->frame;
    seg->ts_ns = at->ts_ns;
    seg->from = ST_SIDE_CLIENT;
    seg->seq = at->seq;
    seg->window = at->window;
    seg->tcp_flags = ST_TCP_SYN;
}

/* ---- the report ---- */

static void copy_destination(gpointer key, gpointer value, gpointer to)
{
    st_destination *d = g_new(st_destination, 1);

    (void)key;
    *d = *(const st_destination *)value;
    g_hash_table_insert((GHashTable *)to, d, d);
}

static gint by_first_frame(gconstpointer x, gconstpointer y)
{
    const st_destination *a = *(const st_destination *const *)x, *b = *(const st_destination *const *)y;

    return a->first_frame < b->first_frame ? -1 : a->first_frame > b->first_frame;
}

static void emit(const st_destination *d, const char *server, st_attempts_sink sink, void *ctx)
{
    st_attempts_row row;

    row.server = server;
    row.first_frame = d->first_frame;
    row.unanswered = d->unanswered;
    row.refused = d->refused;
    row.syns = d->syns;
    if (sink != NULL)
        sink(&row, ctx);
}

/* Pending attempts count as unanswered: the capture ends before any answer. */
unsigned st_attempts_report(const st_attempts *a, st_attempts_sink sink, void *ctx)
{
    GHashTable *all = g_hash_table_new_full(destination_hash, destination_equal, NULL, g_free);
    st_attempts copy = *a;
    GPtrArray *sorted = g_ptr_array_new();
    GHashTableIter it;
    gpointer value;
    unsigned n;

    g_hash_table_foreach(a->by_server, copy_destination, all);
    for (GList *l = a->age.head; l != NULL; l = l->next)
        count(all, &copy, (const st_attempt *)l->data, false);
    g_hash_table_iter_init(&it, all);
    while (g_hash_table_iter_next(&it, NULL, &value))
        g_ptr_array_add(sorted, value);
    g_ptr_array_sort(sorted, by_first_frame);
    for (guint i = 0; i < sorted->len; i++) {
        const st_destination *d = (const st_destination *)sorted->pdata[i];
        char *server = st_endpoint_text(d->addr, d->addr_len, d->port);
        emit(d, server, sink, ctx);
        g_free(server);
    }
    n = sorted->len;
    if (copy.other_unanswered + copy.other_refused > 0) {
        st_destination other = { .first_frame = copy.other_first, .unanswered = copy.other_unanswered,
                                  .refused = copy.other_refused, .syns = copy.other_syns };
        emit(&other, "other destinations", sink, ctx);
        n++;
    }
    g_ptr_array_free(sorted, TRUE);
    g_hash_table_destroy(all);
    return n;
}
