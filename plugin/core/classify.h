/* classify.h: what kind of reply ends a session, and which server sent it
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef SMTP_TIMEOUT_CLASSIFY_H
#define SMTP_TIMEOUT_CLASSIFY_H

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

typedef enum {
    ST_MTA_UNKNOWN = 0,
    ST_MTA_POSTFIX,
    ST_MTA_EXIM,
    ST_MTA_SENDMAIL,
    ST_MTA_EXCHANGE,
    ST_MTA_GMAIL,
    ST_MTA_QMAIL,
    ST_MTA_HARAKA,
    ST_MTA_SES,
    ST_MTA_NODEMAILER,
    ST_MTA_OPENSMTPD,
    ST_MTA_COUNT
} st_mta;

const char *st_reply_class_name(st_reply_class c);
const char *st_mta_name(st_mta mta);

st_reply_class st_classify_reply(const st_reply *reply);

/* The server software a reply's text names or betrays (a greeting, an EHLO
 * reply, a 421), or ST_MTA_UNKNOWN. */
st_mta st_recognise_mta(const st_reply *reply);

#endif
