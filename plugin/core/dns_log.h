/* dns_log.h: the recent DNS lookups of a capture, by host
 *
 * A sender that stalls after 354 is often waiting for its resolver.  When
 * the capture holds that host's DNS queries, they are the evidence: the
 * glue logs every query and every answer, answers find their query by host
 * and DNS ID, and an explanation counts the client's queries that fall
 * inside the silence.  Only lookups left unanswered, failing (SERVFAIL,
 * REFUSED...) or answered late count against DNS: a quick answer, NXDOMAIN
 * included, is no cause of a stall.  The log is a fixed ring, so a
 * DNS-heavy capture only loses the oldest queries.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef SMTP_TIMEOUT_DNS_LOG_H
#define SMTP_TIMEOUT_DNS_LOG_H

#include <stdbool.h>
#include <stdint.h>

#define ST_DNS_LOG_SIZE 4096    /* queries kept */
#define ST_DNS_PENDING 1024     /* queries awaiting an answer, found by host and ID */
/* An answer this late came after a resolver's retry (glibc and Sendmail
 * wait 5 s a try): part of a stall, not a lookup in passing. */
#define ST_DNS_SLOW_NS (INT64_C(5) * 1000000000)

typedef struct {
    int64_t  ts_ns;
    int64_t  answer_ns;  /* when its answer came, or 0 */
    uint32_t host;       /* a hash of the client's address (st_dns_host_key) */
    uint16_t id;         /* the DNS message ID */
    uint8_t  failed;     /* the answer was an error: SERVFAIL, REFUSED... */
} st_dns_query;

typedef struct {
    uint32_t host;       /* 0: a free slot */
    uint16_t id;
    uint32_t number;     /* the query's number in the log */
    int64_t  ts_ns;
} st_dns_pending;

typedef struct {
    st_dns_query   queries[ST_DNS_LOG_SIZE];
    st_dns_pending pending[ST_DNS_PENDING];
    uint32_t       logged; /* queries ever logged; the next goes to logged % ST_DNS_LOG_SIZE */
} st_dns_log;

typedef struct {
    uint16_t queries;
    uint16_t unanswered; /* no answer before the silence ended */
    uint16_t answers;    /* answers without error (NXDOMAIN too: it is an answer) */
    uint16_t failures;   /* answers with an error (SERVFAIL, REFUSED...) */
    int64_t  slowest_ns; /* the longest wait for an answer, unanswered ones aside */
} st_dns_counts;

uint32_t st_dns_host_key(const void *address, unsigned len);

void st_dns_log_reset(st_dns_log *log);
void st_dns_log_query(st_dns_log *log, uint32_t host, uint16_t id, int64_t ts_ns);
/* rcode: the answer's DNS response code (0 NOERROR, 3 NXDOMAIN...). */
void st_dns_log_answer(st_dns_log *log, uint32_t host, uint16_t id, unsigned rcode, int64_t ts_ns);

/* The host's queries with from_ns <= time <= to_ns, and their answers up
 * to to_ns. */
st_dns_counts st_dns_log_count(const st_dns_log *log, uint32_t host, int64_t from_ns, int64_t to_ns);

/* Whether the counts show DNS in trouble: queries unanswered, failing or
 * answered late. */
bool st_dns_stalled(const st_dns_counts *counts);

#endif
