/* classify.c: what kind of reply ends a session, and which server sent it
 *
 * The texts are the servers' own (see ../shared/reference/smtp-timeouts.md
 * for their sources): the more specific a pattern, the earlier it stands.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "classify.h"

#include <glib.h>
#include <string.h>

const char *st_reply_class_name(st_reply_class c)
{
    static const char *const names[ST_CLASS_COUNT] = {
        [ST_CLASS_NONE] = "", [ST_CLASS_TIMEOUT] = "timeout",
        [ST_CLASS_CONNECTION_DROPPED] = "connection-dropped", [ST_CLASS_CAPACITY] = "capacity",
        [ST_CLASS_POLICY] = "policy", [ST_CLASS_SHUTDOWN] = "shutdown", [ST_CLASS_OTHER] = "other",
    };
    return (unsigned)c < ST_CLASS_COUNT ? names[c] : "";
}

const char *st_mta_name(st_mta mta)
{
    static const char *const names[ST_MTA_COUNT] = {
        [ST_MTA_UNKNOWN] = "unknown", [ST_MTA_POSTFIX] = "postfix", [ST_MTA_EXIM] = "exim",
        [ST_MTA_SENDMAIL] = "sendmail", [ST_MTA_EXCHANGE] = "exchange", [ST_MTA_GMAIL] = "gmail",
        [ST_MTA_QMAIL] = "qmail", [ST_MTA_HARAKA] = "haraka", [ST_MTA_SES] = "ses",
        [ST_MTA_NODEMAILER] = "nodemailer", [ST_MTA_OPENSMTPD] = "opensmtpd",
    };
    return (unsigned)mta < ST_MTA_COUNT ? names[mta] : "unknown";
}

/* Every reply of a session whose server is not yet known is searched for
 * all the marks below: the first character is compared before the rest. */
static bool contains(const st_reply *r, const char *needle)
{
    size_t n = strlen(needle);
    char first = g_ascii_tolower(needle[0]);

    for (size_t i = 0; i + n <= r->text_len; i++) {
        if (g_ascii_tolower(r->text[i]) == first && g_ascii_strncasecmp(r->text + i, needle, n) == 0)
            return true;
    }
    return false;
}

static bool is_exactly(const st_reply *r, const char *text)
{
    return r->text_len == strlen(text) && g_ascii_strncasecmp(r->text, text, r->text_len) == 0;
}

static bool contains_any(const st_reply *r, const char *const *needles)
{
    for (; *needles != NULL; needles++) {
        if (contains(r, *needles))
            return true;
    }
    return false;
}

st_reply_class st_classify_reply(const st_reply *r)
{
    static const char *const timeout[] = {
        "timeout exceeded", "command timeout", "data timeout", "timeout - closing", "timeout waiting",
        "lost input channel", "read timeout", "connection timed out", "timeout (#4.4.2)", NULL };
    static const char *const dropped[] = {
        "connection dropped", "lost input connection", "connection reset", "lost connection", NULL };
    static const char *const capacity[] = {
        "too many connections", "too many concurrent", "too many open connections", "too much load",
        "busy", "rate limit", "no system resources", "maximum number of concurrent", "too many new tls",
        "too many messages", "come back later", NULL };
    static const char *const policy[] = {
        "too many errors", "too many bad", "too many unrecognized", "tls required", "certificate",
        "not in whitelist", "unsolicited", "command too long", "open proxy", "http command",
        "talk too soon", "rdns", "protocol violation", NULL };
    static const char *const shutdown[] = {
        "shutting down", "service not available", "closing transmission channel", NULL };

    if (r->code == 0)
        return ST_CLASS_NONE;
    if (contains_any(r, timeout) || (r->code / 100 == 4 && (strcmp(r->status, "4.4.2") == 0 ||
                                                             contains(r, "timeout") || contains(r, "timed out"))))
        return contains_any(r, dropped) ? ST_CLASS_CONNECTION_DROPPED : ST_CLASS_TIMEOUT;
    if (contains_any(r, dropped))
        return ST_CLASS_CONNECTION_DROPPED;
    if (contains_any(r, capacity) || strcmp(r->status, "4.4.5") == 0 || strcmp(r->status, "4.3.2") == 0)
        return ST_CLASS_CAPACITY;
    if (contains_any(r, policy) || strncmp(r->status, "4.7.", 4) == 0 || strncmp(r->status, "5.7.", 4) == 0)
        return ST_CLASS_POLICY;
    if (contains_any(r, shutdown))
        return ST_CLASS_SHUTDOWN;
    return ST_CLASS_OTHER;
}

st_mta st_recognise_mta(const st_reply *r)
{
    static const struct { const char *text; st_mta mta; } marks[] = {
        { "ESMTP Postfix", ST_MTA_POSTFIX },       { "Error: timeout exceeded", ST_MTA_POSTFIX },
        { "All server ports are busy", ST_MTA_POSTFIX },
        { "ESMTP Exim", ST_MTA_EXIM },             { "SMTP command timeout - closing connection", ST_MTA_EXIM },
        { "SMTP incoming data timeout", ST_MTA_EXIM },
        { "Sendmail", ST_MTA_SENDMAIL },           { "Lost input channel", ST_MTA_SENDMAIL },
        { "collect: read timeout", ST_MTA_SENDMAIL },
        { "Microsoft ESMTP MAIL Service", ST_MTA_EXCHANGE }, { "Microsoft Exchange", ST_MTA_EXCHANGE },
        { "outlook.com", ST_MTA_EXCHANGE },         { "Total session duration", ST_MTA_EXCHANGE },
        { "mx.google.com", ST_MTA_GMAIL },          { " gsmtp", ST_MTA_GMAIL },
        { "qmail", ST_MTA_QMAIL },                  { "(#4.", ST_MTA_QMAIL },
        { "Haraka", ST_MTA_HARAKA },
        { "amazonses.com", ST_MTA_SES },            { "SimpleEmailService", ST_MTA_SES },
        { "Timeout waiting for data from client", ST_MTA_SES },
        { "OpenSMTPD", ST_MTA_OPENSMTPD },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(marks); i++) {
        if (contains(r, marks[i].text))
            return marks[i].mta;
    }
    /* Two servers are known by a bare timeout reply alone. */
    if (r->code == 421 && r->status[0] == '\0' && is_exactly(r, "Timeout - closing connection"))
        return ST_MTA_NODEMAILER;
    if (r->code == 421 && is_exactly(r, "timeout"))
        return ST_MTA_HARAKA;
    return ST_MTA_UNKNOWN;
}
