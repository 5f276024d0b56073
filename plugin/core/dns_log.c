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

void st_dns_log_add(st_dns_log *log, uint32_t host, st_dns_kind kind, int64_t ts_ns)
{
    st_dns_event *e = &log->events[log->next];

    e->host = host;
    e->kind = (uint8_t)kind;
    e->ts_ns = ts_ns;
    log->next = (log->next + 1) % ST_DNS_LOG_SIZE;
    if (log->count < ST_DNS_LOG_SIZE)
        log->count++;
}

st_dns_counts st_dns_log_count(const st_dns_log *log, uint32_t host, int64_t from_ns, int64_t to_ns)
{
    st_dns_counts c = { 0, 0, 0 };

    if (log == NULL || host == 0)
        return c;
    for (unsigned i = 0; i < log->count; i++) {
        const st_dns_event *e = &log->events[i];
        if (e->host != host || e->ts_ns < from_ns || e->ts_ns > to_ns)
            continue;
        if (e->kind == ST_DNS_QUERY && c.queries < UINT16_MAX)
            c.queries++;
        else if (e->kind == ST_DNS_ANSWER && c.answers < UINT16_MAX)
            c.answers++;
        else if (e->kind == ST_DNS_FAILURE && c.failures < UINT16_MAX)
            c.failures++;
    }
    return c;
}
