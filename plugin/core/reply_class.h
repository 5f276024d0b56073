/* reply_class.h: what kind of reply ends a session
 *
 * One table (reply_class.c) says which texts and enhanced status codes
 * tell each class; one rule says whether a reply is a timeout, and the
 * session and the classifier both use it.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef SMTP_TIMEOUT_REPLY_CLASS_H
#define SMTP_TIMEOUT_REPLY_CLASS_H

#include <stdbool.h>

#include "smtp_line.h"

typedef enum {
    ST_CLASS_NONE = 0,
    ST_CLASS_TIMEOUT,            /* the server's wait for the client ran out */
    ST_CLASS_CONNECTION_DROPPED, /* the connection itself failed */
    ST_CLASS_CAPACITY,           /* too many connections, busy, rate limits */
    ST_CLASS_POLICY,             /* too many errors, TLS required, not allowed */
    ST_CLASS_SHUTDOWN,           /* the service is going away */
    ST_CLASS_OTHER,
    ST_CLASS_COUNT
} st_reply_class;

const char *st_reply_class_name(st_reply_class c);

st_reply_class st_classify_reply(const st_reply *reply);

/* Whether the reply says the server's wait ran out: a timeout text of a
 * known server, or a 4xx with status 4.4.2 or the words "timeout" or
 * "timed out". */
bool st_reply_says_timeout(const st_reply *reply);

/* A reply by which a server ends the session or says its wait ran out: any
 * 421; unasked for (unsolicited), also a 4xx that says timeout (Gmail,
 * SES, qmail).  A 4xx answering a command is an error the dialogue
 * survives ("451 4.4.2 upstream lookup failed" to a RCPT). */
bool st_reply_ends_session(const st_reply *reply, bool unsolicited);

/* What to do first after a session ended with a reply of this class that
 * was no timeout; "" for none. */
const char *st_reply_class_hint(st_reply_class c);

#endif
