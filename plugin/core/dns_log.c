/* dns_log.c: the recent DNS lookups of a capture, by host
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "dns_log.h"

#include <string.h>

#include "hash.h"

#define PROBES 16                                   /* slots tried in the pending table */
#define PENDING_FOR_NS (INT64_C(60) * 1000000000)   /* resolvers give up long before */

uint32_t st_dns_host_key(const void *address, unsigned len)
{
    uint32_t h = st_hash_bytes(ST_HASH_SEED, address, len);

    return h != 0 ? h : 1; /* 0 means "no host" */
}

void st_dns_log_reset(st_dns_log *log)
{
    memset(log, 0, sizeof(*log));
}

static unsigned home_slot(uint32_t host, uint16_t id)
{
    const uint8_t key[2] = { (uint8_t)(id >> 8), (uint8_t)id };

    return (unsigned)(st_hash_bytes(host, key, sizeof(key)) % ST_DNS_PENDING);
}

/* A pending entry is done with once its query left the ring or waited
 * longer than any resolver does. */
static bool expired(const st_dns_log *log, const st_dns_pending *p, int64_t now_ns)
{
    return p->host == 0 || log->logged - p->number > ST_DNS_LOG_SIZE || now_ns - p->ts_ns > PENDING_FOR_NS;
}

void st_dns_log_query(st_dns_log *log, uint32_t host, uint16_t id, int64_t ts_ns)
{
    st_dns_query *q = &log->queries[log->logged % ST_DNS_LOG_SIZE];
    unsigned slot = home_slot(host, id);

    memset(q, 0, sizeof(*q));
    q->ts_ns = ts_ns;
    q->host = host;
    q->id = id;
    /* A full neighbourhood leaves the query without an entry: it then
     * counts as unanswered, as it is when DNS is that busy failing. */
    for (unsigned i = 0; i < PROBES; i++) {
        st_dns_pending *p = &log->pending[(slot + i) % ST_DNS_PENDING];
        if (expired(log, p, ts_ns) || (p->host == host && p->id == id)) {
            p->host = host;
            p->id = id;
            p->number = log->logged;
            p->ts_ns = ts_ns;
            break;
        }
    }
    log->logged++;
}

void st_dns_log_answer(st_dns_log *log, uint32_t host, uint16_t id, unsigned rcode, int64_t ts_ns)
{
    unsigned slot = home_slot(host, id);

    for (unsigned i = 0; i < PROBES; i++) {
        st_dns_pending *p = &log->pending[(slot + i) % ST_DNS_PENDING];
        st_dns_query *q;
        if (p->host != host || p->id != id)
            continue;
        q = &log->queries[p->number % ST_DNS_LOG_SIZE];
        if (!expired(log, p, ts_ns) && ts_ns >= q->ts_ns) {
            q->answer_ns = ts_ns > 0 ? ts_ns : 1;
            q->failed = rcode != 0 && rcode != 3; /* NXDOMAIN is an answer */
        }
        p->host = 0;
        return;
    }
}

st_dns_counts st_dns_log_count(const st_dns_log *log, uint32_t host, int64_t from_ns, int64_t to_ns)
{
    st_dns_counts c;
    unsigned kept;

    memset(&c, 0, sizeof(c));
    if (log == NULL || host == 0)
        return c;
    kept = log->logged < ST_DNS_LOG_SIZE ? log->logged : ST_DNS_LOG_SIZE;
    for (unsigned i = 0; i < kept; i++) {
        const st_dns_query *q = &log->queries[i];
        if (q->host != host || q->ts_ns < from_ns || q->ts_ns > to_ns)
            continue;
        if (c.queries < UINT16_MAX)
            c.queries++;
        if (q->answer_ns == 0 || q->answer_ns > to_ns) {
            if (c.unanswered < UINT16_MAX)
                c.unanswered++;
            continue;
        }
        if (q->failed && c.failures < UINT16_MAX)
            c.failures++;
        else if (!q->failed && c.answers < UINT16_MAX)
            c.answers++;
        if (q->answer_ns - q->ts_ns > c.slowest_ns)
            c.slowest_ns = q->answer_ns - q->ts_ns;
    }
    return c;
}

bool st_dns_stalled(const st_dns_counts *c)
{
    return c->queries > 0 && (c->unanswered > 0 || c->failures > 0 || c->slowest_ns >= ST_DNS_SLOW_NS);
}
