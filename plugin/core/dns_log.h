/* dns_log.h: the recent DNS traffic of a capture, by host
 *
 * A sender that stalls after 354 is often waiting for its resolver.  When
 * the capture holds that host's DNS queries, they are the evidence: the
 * glue logs every query and answer, and an explanation counts those of the
 * client's address that fall inside the silence.  The log is a fixed ring,
 * so a DNS-heavy capture only loses the oldest events.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef SMTP_TIMEOUT_DNS_LOG_H
#define SMTP_TIMEOUT_DNS_LOG_H

#include <stdint.h>

typedef enum { ST_DNS_QUERY = 1, ST_DNS_ANSWER, ST_DNS_FAILURE } st_dns_kind;

#define ST_DNS_LOG_SIZE 1024

typedef struct {
    uint32_t host;       /* a hash of the client's address (st_dns_host_key) */
    uint8_t  kind;       /* st_dns_kind */
    int64_t  ts_ns;
} st_dns_event;

typedef struct {
    st_dns_event events[ST_DNS_LOG_SIZE];
    unsigned     next;
    unsigned     count;
} st_dns_log;

typedef struct {
    uint16_t queries;
    uint16_t answers;    /* answers without error */
    uint16_t failures;   /* answers with an error code (NXDOMAIN, SERVFAIL...) */
} st_dns_counts;

uint32_t st_dns_host_key(const void *address, unsigned len);

void st_dns_log_reset(st_dns_log *log);
void st_dns_log_add(st_dns_log *log, uint32_t host, st_dns_kind kind, int64_t ts_ns);

/* The host's DNS events with from_ns <= time <= to_ns. */
st_dns_counts st_dns_log_count(const st_dns_log *log, uint32_t host, int64_t from_ns, int64_t to_ns);

#endif
