/* explain.h: who gave up, why, and what to change, as facts
 *
 * The session decides when a finding ends a session and gathers what the
 * capture showed during the silence; this file decides the cause, the
 * known default the wait matches and the advice (which side to fix first,
 * which setting to raise, to which value).  sentences.c says them.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef SMTP_TIMEOUT_EXPLAIN_H
#define SMTP_TIMEOUT_EXPLAIN_H

#include <stdbool.h>
#include <stdint.h>

#include "dns_log.h"
#include "mta.h"
#include "note.h"

/* A segment of this many bytes or more is near the path's MSS: one sent
 * again and again, or a hole of its size, is a full-size segment lost. */
#define ST_FULL_SIZE_MIN 1000

/* What the capture showed during the silence that ended here. */
typedef struct {
    uint16_t      retrans;         /* payload sent again (keep-alives aside) */
    uint16_t      retrans_full;    /* of it, full-size segments */
    uint32_t      hole;            /* bytes a sequence hole left out, never acknowledged */
    st_side       hole_side;       /* whose bytes they were */
    int64_t       zero_window_ns;  /* how long the server's window stayed closed */
    st_dns_counts dns;             /* the client's DNS traffic */
    bool          inspected;       /* a masked banner or XXXX commands */
    bool          tls;             /* STARTTLS was accepted, or the port speaks TLS */
    bool          decrypted;       /* ... and the front end decrypts it */
    uint8_t       tls_stage;       /* how far the handshake got (st_tls_stage) */
} st_evidence;

/* Fill in the note's explanation.  n->silent_side, after, idle and server
 * timeout must be set; timed_ns is the interval the timer that ran out
 * measured (the server's timeout, or the idle interval), < 0 when the
 * capture does not show it. */
void st_explain(st_note *n, st_gave_up gave_up, st_mta mta, int64_t timed_ns, const st_evidence *ev);

/* The side to fix first. */
typedef enum {
    ST_FIX_NONE = 0,
    ST_FIX_SERVER_STRESS,      /* Postfix in stress mode: its process limit */
    ST_FIX_MIDDLEBOX,          /* a load balancer's or firewall's idle timeout */
    ST_FIX_SENDER_DNS,         /* the sender was waiting for DNS */
    ST_FIX_SENDER_POOL,        /* the sender left a pooled connection idle */
    ST_FIX_SENDER,             /* what kept the sender silent */
    ST_FIX_SENDER_UNTIMED,     /* a timeout reply; the capture shows too little of the wait */
    ST_FIX_PATH_MTU,
    ST_FIX_SERVER_READING,     /* the server closed its window */
    ST_FIX_PATH_LOSS,
    ST_FIX_TLS,
    ST_FIX_INSPECTION,
    ST_FIX_SERVER_SLOW,
    ST_FIX_BY_CLASS,           /* what the reply's class calls for */
} st_fix;

/* What to raise on the server meanwhile. */
typedef enum {
    ST_RAISE_NOTHING = 0,
    ST_RAISE_FIXED,            /* the server's timeout cannot be changed */
    ST_RAISE_TO_VALUE,         /* above the client's known stall: value_s */
    ST_RAISE_ABOVE_STALL,      /* above the stall, which the capture does not time */
    ST_RAISE_FROM_TIMED,       /* from the timeout seen here, above the stall */
} st_raise;

typedef struct {
    st_fix   fix;
    st_raise raise;
    unsigned value_s;          /* ST_RAISE_TO_VALUE */
    bool     in_body;          /* the wait was for message data: some servers name another setting */
} st_advice;

void st_advise(const st_note *n, st_advice *out);

/* The value to suggest for a timeout that must outlast a stall: a margin of
 * a quarter, rounded up to 10 s, a minute or 5 minutes; 0 for a stall of
 * over a day, which no timeout should wait for. */
unsigned st_suggest_timeout_s(int64_t stall_ns);

#endif
