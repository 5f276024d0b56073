/* dns_log.h: the recent DNS traffic of a capture, by host
 *
 * A sender that stalls after 354 is often waiting for its resolver.  When
 * the capture holds that host's DNS queries, they are the evidence: the
 * glue logs every query and answer, and an explanation pairs those of the
 * client's address that fall inside the silence (by DNS ID).  Only queries
 * left unanswered, failing or answered late count against DNS: a quick
 * lookup during a silence is no cause of it.  The log is a fixed ring, so
 * a DNS-heavy capture only loses the oldest events.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef SMTP_TIMEOUT_DNS_LOG_H
#define SMTP_TIMEOUT_DNS_LOG_H

#include <stdbool.h>
#include <stdint.h>

typedef enum { ST_DNS_QUERY = 1, ST_DNS_ANSWER, ST_DNS_FAILURE } st_dns_kind;

#define ST_DNS_LOG_SIZE 4096
#define ST_DNS_SLOW_NS INT64_C(1000000000) /* an answer this late is part of a stall */

typedef struct {
    int64_t  ts_ns;
    uint32_t host;       /* a hash of the client's address (st_dns_host_key) */
    uint16_t id;         /* the DNS message ID, which pairs answers with queries */
    uint8_t  kind;       /* st_dns_kind */
} st_dns_event;

typedef struct {
    st_dns_event events[ST_DNS_LOG_SIZE];
    unsigned     next;
    unsigned     count;
} st_dns_log;

typedef struct {
    uint16_t queries;
    uint16_t unanswered; /* no answer before the silence ended */
    uint16_t answers;    /* answers without error */
    uint16_t failures;   /* answers with an error code (NXDOMAIN, SERVFAIL...) */
    int64_t  slowest_ns; /* the longest wait for an answer, unanswered ones aside */
} st_dns_counts;

uint32_t st_dns_host_key(const void *address, unsigned len);

void st_dns_log_reset(st_dns_log *log);
void st_dns_log_add(st_dns_log *log, uint32_t host, st_dns_kind kind, uint16_t id, int64_t ts_ns);

/* The host's DNS queries with from_ns <= time <= to_ns, and their answers
 * up to to_ns. */
st_dns_counts st_dns_log_count(const st_dns_log *log, uint32_t host, int64_t from_ns, int64_t to_ns);

/* Whether the counts show DNS in trouble: queries unanswered, failing or
 * answered late. */
bool st_dns_stalled(const st_dns_counts *counts);

#endif
