/* reply_class.c: what kind of reply ends a session
 *
 * The texts are the servers' own (see mta.c for the sources), the status
 * codes RFC 3463's.  Rows are tried in order, the first that matches
 * wins: a dropped connection that mentions a timeout is a dropped
 * connection.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "reply_class.h"

#include <string.h>

#include "text.h"

typedef struct {
    st_reply_class     cls;
    const char        *name;       /* the value of smtp_timeout.reply_class */
    const char *const *marks;      /* texts that tell the class, any code */
    const char *const *marks_4xx;  /* texts that tell it in a 4xx reply only */
    const char *const *statuses;   /* enhanced status codes; "4.7." is a prefix */
    const char *const *statuses_4xx;
    const char        *hint;       /* what to do first, for a class that is no timeout */
} class_row;

#define LIST(...) ((const char *const[]){ __VA_ARGS__, NULL })

static const class_row rows[] = {
    { ST_CLASS_CONNECTION_DROPPED, "connection-dropped",
      LIST("connection dropped", "lost input connection", "connection reset", "lost connection"), NULL, NULL,
      NULL,
      "The connection itself failed: look for resets and TLS alerts around this reply, and check TLS versions "
      "on both sides" },
    { ST_CLASS_TIMEOUT, "timeout",
      LIST("timeout exceeded", "command timeout", "data timeout", "timeout - closing", "timeout waiting",
           "lost input channel", "read timeout", "connection timed out", "timeout (#4.4.2)"),
      LIST("timeout", "timed out"), NULL, LIST("4.4.2"), "" },
    { ST_CLASS_CAPACITY, "capacity",
      LIST("too many connections", "too many concurrent", "too many open connections", "too much load", "busy",
           "rate limit", "no system resources", "maximum number of concurrent", "too many new tls",
           "too many messages", "come back later"),
      NULL, LIST("4.4.5", "4.3.2"), NULL,
      "The server is at capacity: the client should retry later; on the server, check its connection limits "
      "(Postfix default_process_limit and smtpd_client_connection_count_limit, Exim smtp_accept_max)" },
    { ST_CLASS_POLICY, "policy",
      LIST("too many errors", "too many bad", "too many unrecognized", "tls required", "certificate",
           "not in whitelist", "unsolicited", "command too long", "open proxy", "http command", "talk too soon",
           "rdns", "protocol violation"),
      NULL, LIST("4.7.", "5.7."), NULL,
      "The server refused by policy: fix what its reply names on the client (errors, TLS, authorisation) "
      "before retrying" },
    { ST_CLASS_SHUTDOWN, "shutdown", LIST("shutting down", "service not available", "closing transmission channel"),
      NULL, NULL, NULL, "The server was shutting down: nothing to fix on the client, which should retry later" },
    { ST_CLASS_OTHER, "other", NULL, NULL, NULL, NULL,
      "The server ended the session for its own reasons: read its reply text and its log" },
};

static const class_row *row_of(st_reply_class c)
{
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        if (rows[i].cls == c)
            return &rows[i];
    }
    return NULL;
}

const char *st_reply_class_name(st_reply_class c)
{
    const class_row *row = row_of(c);

    return row != NULL ? row->name : "";
}

const char *st_reply_class_hint(st_reply_class c)
{
    const class_row *row = row_of(c);

    return row != NULL ? row->hint : "";
}

/* "4.7." matches every 4.7.x; other entries match exactly. */
static bool status_in(const char *status, const char *const *list)
{
    for (; list != NULL && *list != NULL; list++) {
        size_t n = strlen(*list);
        if ((*list)[n - 1] == '.' ? strncmp(status, *list, n) == 0 : strcmp(status, *list) == 0)
            return true;
    }
    return false;
}

static bool row_matches(const class_row *row, const st_reply *r)
{
    bool transient = r->code / 100 == 4;

    if (row->cls == ST_CLASS_OTHER)
        return true;
    return st_text_has_any(r->text, r->text_len, row->marks) || status_in(r->status, row->statuses) ||
           (transient && (st_text_has_any(r->text, r->text_len, row->marks_4xx) ||
                          status_in(r->status, row->statuses_4xx)));
}

bool st_reply_says_timeout(const st_reply *r)
{
    return r->code != 0 && row_matches(row_of(ST_CLASS_TIMEOUT), r);
}

st_reply_class st_classify_reply(const st_reply *r)
{
    if (r->code == 0)
        return ST_CLASS_NONE;
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        if (row_matches(&rows[i], r))
            return rows[i].cls;
    }
    return ST_CLASS_OTHER;
}

bool st_reply_ends_session(const st_reply *r, bool unsolicited)
{
    if (r->code == 421)
        return true;
    return r->code / 100 == 4 && unsolicited && st_reply_says_timeout(r);
}
