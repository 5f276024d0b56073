/* dns_log.c: the recent DNS traffic of a capture, by host
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "dns_log.h"

#include <string.h>

uint32_t st_dns_host_key(const void *address, unsigned len)
{
    const uint8_t *p = (const uint8_t *)address;
    uint32_t h = 2166136261u; /* FNV-1a: short keys, few collisions */

    for (unsigned i = 0; i < len; i++) {
        h ^= p[i];
        h *= 16777619u;
    }
    return h != 0 ? h : 1; /* 0 means "no host" */
}

void st_dns_log_reset(st_dns_log *log)
{
    memset(log, 0, sizeof(*log));
}

void st_dns_log_add(st_dns_log *log, uint32_t host, st_dns_kind kind, uint16_t id, int64_t ts_ns)
{
    st_dns_event *e = &log->events[log->next];

    e->host = host;
    e->kind = (uint8_t)kind;
    e->id = id;
    e->ts_ns = ts_ns;
    log->next = (log->next + 1) % ST_DNS_LOG_SIZE;
    if (log->count < ST_DNS_LOG_SIZE)
        log->count++;
}

/* The host's events from from_ns to to_ns, oldest first, at most max. */
static unsigned select_events(const st_dns_log *log, uint32_t host, int64_t from_ns, int64_t to_ns,
                              const st_dns_event **out, unsigned max)
{
    unsigned oldest = log->count < ST_DNS_LOG_SIZE ? 0 : log->next, n = 0;

    for (unsigned i = 0; i < log->count && n < max; i++) {
        const st_dns_event *e = &log->events[(oldest + i) % ST_DNS_LOG_SIZE];
        if (e->host == host && e->ts_ns >= from_ns && e->ts_ns <= to_ns)
            out[n++] = e;
    }
    return n;
}

#define ST_DNS_WINDOW_MAX 256

st_dns_counts st_dns_log_count(const st_dns_log *log, uint32_t host, int64_t from_ns, int64_t to_ns)
{
    const st_dns_event *seen[ST_DNS_WINDOW_MAX];
    bool paired[ST_DNS_WINDOW_MAX];
    st_dns_counts c;
    unsigned n;

    memset(&c, 0, sizeof(c));
    if (log == NULL || host == 0)
        return c;
    n = select_events(log, host, from_ns, to_ns, seen, ST_DNS_WINDOW_MAX);
    memset(paired, 0, sizeof(paired));
    for (unsigned i = 0; i < n; i++) {
        const st_dns_event *q = seen[i];
        bool answered = false;
        if (q->kind != ST_DNS_QUERY)
            continue;
        if (c.queries < UINT16_MAX)
            c.queries++;
        /* The first answer with the query's ID that comes after it; a
         * retried query with the same ID takes the next one. */
        for (unsigned j = i + 1; j < n && !answered; j++) {
            const st_dns_event *a = seen[j];
            if (paired[j] || a->kind == ST_DNS_QUERY || a->id != q->id)
                continue;
            paired[j] = answered = true;
            if (a->kind == ST_DNS_FAILURE && c.failures < UINT16_MAX)
                c.failures++;
            else if (a->kind == ST_DNS_ANSWER && c.answers < UINT16_MAX)
                c.answers++;
            if (a->ts_ns - q->ts_ns > c.slowest_ns)
                c.slowest_ns = a->ts_ns - q->ts_ns;
        }
        if (!answered && c.unanswered < UINT16_MAX)
            c.unanswered++;
    }
    return c;
}

bool st_dns_stalled(const st_dns_counts *c)
{
    return c->queries > 0 && (c->unanswered > 0 || c->failures > 0 || c->slowest_ns >= ST_DNS_SLOW_NS);
}
