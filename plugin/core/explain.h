/* explain.h: who gave up, why, and which setting to change
 *
 * The session decides when a finding ends a session and gathers what the
 * capture showed during the silence; this file turns that into the words an
 * administrator acts on, from the facts in the project's reference notes
 * (each MTA's defaults, RFC 5321's minimums, capture signatures of causes).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef SMTP_TIMEOUT_EXPLAIN_H
#define SMTP_TIMEOUT_EXPLAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "classify.h"
#include "dns_log.h"
#include "note.h"

/* What the capture showed during the silence that ended here. */
typedef struct {
    uint16_t      retrans;         /* payload sent again (keep-alives aside) */
    uint16_t      retrans_full;    /* of it, full-size client segments */
    int64_t       zero_window_ns;  /* how long the server's window stayed closed */
    st_dns_counts dns;             /* the client's DNS traffic */
    bool          inspected;       /* a masked banner or XXXX commands */
    bool          tls;             /* the silence followed STARTTLS */
} st_evidence;

const char *st_gave_up_name(st_gave_up gave_up);
const char *st_cause_name(st_cause cause);

/* Fill in the note's explanation.  n->silent_side, after, idle and server
 * timeout must be set; timed_ns is the interval the timer that ran out
 * measured (the server's timeout, or the idle interval). */
void st_explain(st_note *n, st_gave_up gave_up, st_mta mta, int64_t timed_ns, const st_evidence *ev);

/* "Postfix smtpd_timeout default (300 s)", or "" when no known default
 * matches the interval. */
const char *st_note_timer(const st_note *n);

/* The expert-info sentence: who gave up, after what, the cause and its
 * evidence. */
void st_note_explanation(const st_note *n, char *buf, size_t size);

/* One sentence: the side to fix first and the setting, with a value when
 * the capture shows how long the client needed. */
void st_note_hint(const st_note *n, char *buf, size_t size);

/* The value to suggest for a timeout that must outlast a stall: a margin of
 * a quarter, rounded up to 10 s, a minute or 5 minutes. */
unsigned st_suggest_timeout_s(int64_t stall_ns);

#endif
