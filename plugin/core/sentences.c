/* sentences.c: the words of smtp-timeout, from the facts of a note: the
 * findings, the explanation and the report's ending (the hints are in
 * sentences_hints.c)
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "sentences.h"

#include <glib.h>
#include <inttypes.h>
#include <string.h>

#include "explain.h"
#include "mta.h"
#include "reply_class.h"

void st_format_duration(int64_t ns, char *buf, size_t size)
{
    int64_t ms;

    if (ns < 0)
        ns = 0;
    ms = (ns + 500000) / 1000000;
    g_snprintf(buf, (gulong)size, "%" PRId64 ".%03d s", ms / 1000, (int)(ms % 1000));
}

static const char *side_title(st_side side)
{
    return side == ST_SIDE_SERVER ? "Server" : "Client";
}

/* ---- findings ---- */

/* " after DATA (0 bytes)", " after EHLO", or "" when not known. */
static void format_after(const st_note *note, char *buf, size_t size)
{
    const char *name = st_after_name((st_after)note->after);

    if (!(note->has & ST_HAS_AFTER) || name[0] == '\0')
        buf[0] = '\0';
    else if (note->has & ST_HAS_DATA_BYTES)
        g_snprintf(buf, (gulong)size, " after %s (%" PRIu64 " bytes)", name, note->data_bytes);
    else
        g_snprintf(buf, (gulong)size, " after %s", name);
}

static void message_reply(const st_note *note, const char *after, char *buf, size_t size)
{
    char head[32], idle[32];

    if (note->reply.status[0] != '\0')
        g_snprintf(head, sizeof(head), "%u %s", note->reply.code, note->reply.status);
    else
        g_snprintf(head, sizeof(head), "%u", note->reply.code);
    st_format_duration(note->idle_ns, idle, sizeof(idle));
    if (note->has & ST_HAS_SERVER_TIMEOUT)
        g_snprintf(buf, (gulong)size, "%s%s: server gave up after %s of client silence", head, after, idle);
    else if (note->silent_side == ST_SIDE_SERVER && note->has & ST_HAS_AFTER)
        g_snprintf(buf, (gulong)size, "%s in reply to %s: server ends the session, not a timeout",
                   head, st_after_name((st_after)note->after));
    else if (note->has & ST_HAS_IDLE)
        g_snprintf(buf, (gulong)size, "%s%s: server ends the session %s after the last payload", head, after, idle);
    else
        g_snprintf(buf, (gulong)size, "%s%s: server ends the session", head, after);
}

static void message_late_data(const st_note *note, char *buf, size_t size)
{
    char since[32], stall[32], over[32], timeout[32];

    st_format_duration(note->closed.since_ns, since, sizeof(since));
    st_format_duration(note->client_stall_ns, stall, sizeof(stall));
    st_format_duration(note->exceeded_by_ns, over, sizeof(over));
    st_format_duration(note->server_timeout_ns, timeout, sizeof(timeout));
    if (note->has & ST_HAS_EXCEEDED_BY)
        g_snprintf(buf, (gulong)size,
                   "Client sent %u bytes %s after the server closed (frame %u): it stalled %s, %s past the server's %s timeout",
                   note->late_bytes, since, note->closed.frame, stall, over, timeout);
    else if (note->has & ST_HAS_CLIENT_STALL)
        g_snprintf(buf, (gulong)size, "Client sent %u bytes %s after the server closed (frame %u): it stalled %s",
                   note->late_bytes, since, note->closed.frame, stall);
    else
        g_snprintf(buf, (gulong)size, "Client sent %u bytes %s after the server closed (frame %u)",
                   note->late_bytes, since, note->closed.frame);
}

static void message_rst(const st_note *note, char *buf, size_t size)
{
    char since[32], reply[48] = "";

    st_format_duration(note->closed.since_ns, since, sizeof(since));
    if (note->has & ST_HAS_REPLY_FRAME && note->closed.reply_frame != note->closed.frame)
        g_snprintf(reply, sizeof(reply), " (%u reply in frame %u)", note->reply.code, note->closed.reply_frame);
    g_snprintf(buf, (gulong)size, "%s reset the connection %s after the close in frame %u%s",
               side_title((st_side)note->rst_from), since, note->closed.frame, reply);
}

static void message_benign_rst(const st_note *note, char *buf, size_t size)
{
    char since[32];

    st_format_duration(note->closed.since_ns, since, sizeof(since));
    if (note->has & ST_HAS_CLOSE_FRAME)
        g_snprintf(buf, (gulong)size, "%s reset the connection %s after the close in frame %u: a normal ending",
                   side_title((st_side)note->rst_from), since, note->closed.frame);
    else if (note->explain & ST_EX_NOTIFIED)
        g_snprintf(buf, (gulong)size, "%s reset the connection after the TLS close_notify: a normal ending",
                   side_title((st_side)note->rst_from));
    else if (note->explain & ST_EX_QUICK_RESET)
        g_snprintf(buf, (gulong)size, "%s reset the connection right after the server's last TLS record: a normal "
                   "ending, as far as the records tell", side_title((st_side)note->rst_from));
    else
        g_snprintf(buf, (gulong)size, "%s reset the connection after QUIT and 221: a normal ending",
                   side_title((st_side)note->rst_from));
}

/* Where in a handshake the server closed. */
static void message_silent_close(const st_note *note, const char *after, const char *idle, char *buf, size_t size)
{
    const char *stage = st_tls_stage_name((st_tls_stage)note->tls_stage);

    if (!(note->has & ST_HAS_TLS_STAGE) || note->tls_stage == ST_TLS_CLIENT_HELLO)
        g_snprintf(buf, (gulong)size,
                   "Server closed the connection without a reply%s: it gave up after %s of client silence", after, idle);
    else if (note->silent_side == ST_SIDE_CLIENT)
        g_snprintf(buf, (gulong)size, "Server closed the connection during the TLS handshake (%s)%s: it gave up "
                   "after %s of client silence", stage, after, idle);
    else
        g_snprintf(buf, (gulong)size, "Server closed the connection during the TLS handshake (%s)%s, %s after the "
                   "client's last record: its own flight never came", stage, after, idle);
}

static void message_encrypted_close(const st_note *note, const char *idle, char *buf, size_t size)
{
    char sizes[32];

    if (note->records >= 2)
        g_snprintf(sizes, sizeof(sizes), "%u TLS records (%u and %u bytes)", note->records, note->record_sizes[0],
                   note->record_sizes[1]);
    else
        g_snprintf(sizes, sizeof(sizes), "1 TLS record (%u bytes)", note->record_sizes[0]);
    g_snprintf(buf, (gulong)size, "Server sent %s after %s of client silence, then closed: it gave up on the "
               "encrypted session", sizes, idle);
}

/* What the client waited for, in words. */
static void awaited(const st_note *note, char *buf, size_t size)
{
    st_after after = (st_after)note->after;
    const char *name = note->has & ST_HAS_AFTER ? st_after_name(after) : "";

    if (note->has & ST_HAS_TLS_STAGE)
        g_snprintf(buf, (gulong)size, "the server's TLS flight (%s)", st_tls_stage_name((st_tls_stage)note->tls_stage));
    else if (name[0] != '\0' && after == ST_AFTER_CONNECT)
        g_strlcpy(buf, "the server's greeting", size);
    else if (name[0] != '\0' && note->has & ST_HAS_DATA_BYTES && after != ST_AFTER_DATA)
        g_snprintf(buf, (gulong)size, "the reply to %s (%" PRIu64 " bytes)", name, note->data_bytes);
    else if (name[0] != '\0')
        g_snprintf(buf, (gulong)size, "the reply to %s", name);
    else
        g_strlcpy(buf, note->opaque ? "the server's next TLS record" : "the server", size);
}

static void message_client_gave_up(const st_note *note, const char *idle, char *buf, size_t size)
{
    char what[96];

    awaited(note, what, sizeof(what));
    g_snprintf(buf, (gulong)size, "Client %s the connection after %s waiting for %s: it gave up",
               note->rst_from == ST_SIDE_CLIENT ? "reset" : "closed", idle, what);
}

/* What the messages share: the command waited after (" after DATA (0
 * bytes)", or " inside TLS" without keys) and the idle interval. */
static void message_context(const st_note *note, char *after, size_t after_size, char *idle, size_t idle_size)
{
    format_after(note, after, after_size);
    if (after[0] == '\0' && note->has & ST_HAS_ENCRYPTED && note->opaque)
        g_strlcpy(after, " inside TLS", after_size);
    st_format_duration(note->idle_ns, idle, idle_size);
}

void st_message_gap(const st_note *note, char *buf, size_t size)
{
    char after[64], idle[32];

    message_context(note, after, sizeof(after), idle, sizeof(idle));
    g_snprintf(buf, (gulong)size, "%s silent for %s%s, since frame %u", side_title((st_side)note->silent_side),
               idle, after, note->idle_start_frame);
}

void st_message_reply(const st_note *note, char *buf, size_t size)
{
    char after[64], idle[32];

    message_context(note, after, sizeof(after), idle, sizeof(idle));
    message_reply(note, after, buf, size);
}

void st_message_silent_close(const st_note *note, char *buf, size_t size)
{
    char after[64], idle[32];

    message_context(note, after, sizeof(after), idle, sizeof(idle));
    message_silent_close(note, after, idle, buf, size);
}

void st_message_encrypted_close(const st_note *note, char *buf, size_t size)
{
    char idle[32];

    st_format_duration(note->idle_ns, idle, sizeof(idle));
    message_encrypted_close(note, idle, buf, size);
}

void st_message_late_data(const st_note *note, char *buf, size_t size)
{
    message_late_data(note, buf, size);
}

void st_message_client_gave_up(const st_note *note, char *buf, size_t size)
{
    char idle[32];

    st_format_duration(note->idle_ns, idle, sizeof(idle));
    message_client_gave_up(note, idle, buf, size);
}

void st_message_rst_after_close(const st_note *note, char *buf, size_t size)
{
    message_rst(note, buf, size);
}

void st_message_rst_after_end(const st_note *note, char *buf, size_t size)
{
    message_benign_rst(note, buf, size);
}

void st_message_idle_start(const st_note *note, char *buf, size_t size)
{
    char idle[32];

    st_format_duration(note->begins.ns, idle, sizeof(idle));
    g_snprintf(buf, (gulong)size, "Idle interval starts here: the %s stayed silent for %s, until frame %u",
               st_side_name((st_side)note->begins.side), idle, note->begins.until_frame);
}

/* What the analysis could not read, each reason in words. */
static const char *const unread_words[ST_UNREAD_COUNT] = {
    [ST_UNREAD_NOT_SMTP] = "server bytes that are no SMTP reply",
    [ST_UNREAD_LINE_LOST] = "a line cut across segments that could not be kept",
    [ST_UNREAD_HOLE] = "bytes after a sequence hole the capture never filled",
    [ST_UNREAD_CUT] = "bytes the capture cut (its snap length)",
    [ST_UNREAD_CLOCK] = "a jump of the capture's clock (back, or over a day ahead): nothing is measured across it",
};

void st_message_unread(const st_note *note, char *buf, size_t size)
{
    GString *text = g_string_new("Not analysed: ");
    const char *sep = "";

    for (unsigned why = 0; why < ST_UNREAD_COUNT; why++) {
        if (note->unread & (1u << why)) {
            g_string_append_printf(text, "%s%s", sep, unread_words[why]);
            sep = "; ";
        }
    }
    if (note->unread != (1u << ST_UNREAD_CLOCK))
        g_string_append(text, ". Who owes the next word is unknown until a reply can be read again");
    g_strlcpy(buf, text->str, size);
    g_string_free(text, TRUE);
}

/* ---- the explanation ---- */

const char *st_say_timer(const st_note *n)
{
    return n->has & ST_HAS_EXPLANATION ? st_timer_text(n->timer) : "";
}

void st_dns_summary(const st_note *n, char *buf, size_t size)
{
    char t[32];
    const char *sep = "";

    buf[0] = '\0';
    if (n->evidence.dns.answered == 0 && n->evidence.dns.failed == 0) {
        g_strlcpy(buf, "none answered", size);
        return;
    }
    if (n->evidence.dns.unanswered > 0) {
        g_snprintf(buf, (gulong)size, "%u unanswered", n->evidence.dns.unanswered);
        sep = ", ";
    }
    if (n->evidence.dns.failed > 0) {
        g_snprintf(buf + strlen(buf), (gulong)(size - strlen(buf)), "%s%u failed", sep, n->evidence.dns.failed);
        sep = ", ";
    }
    if (n->evidence.dns.answered > 0)
        g_snprintf(buf + strlen(buf), (gulong)(size - strlen(buf)), "%s%u answered", sep,
                   n->evidence.dns.answered);
    st_format_duration(n->evidence.dns.slowest_ns, t, sizeof(t));
    g_snprintf(buf + strlen(buf), (gulong)(size - strlen(buf)), "; the slowest answer after %s", t);
}

/* How far the handshake got, in words. */
static void tls_evidence(const st_note *n, char *buf, size_t size)
{
    static const char *const owed[ST_TLS_COUNT] = {
        [ST_TLS_CLIENT_HELLO] = "the client's ClientHello never came",
        [ST_TLS_SERVER_HELLO] = "the server's first flight never came",
        [ST_TLS_SERVER_FLIGHT] = "the rest of the server's flight never came",
        [ST_TLS_CLIENT_FINISHED] = "the client's key exchange and Finished never came",
        [ST_TLS_SERVER_FINISHED] = "the server's Finished never came",
    };
    const char *what = (unsigned)n->tls_stage < ST_TLS_COUNT ? owed[n->tls_stage] : NULL;

    /* No handshake at all after STARTTLS says it plainly. */
    if (!(n->has & ST_HAS_TLS_STAGE) || what == NULL ||
        (n->tls_stage == ST_TLS_CLIENT_HELLO && n->after == ST_AFTER_STARTTLS))
        g_strlcpy(buf, "the TLS handshake after STARTTLS did not complete", size);
    else
        g_snprintf(buf, (gulong)size, "the TLS handshake did not complete: %s", what);
}

static void evidence(const st_note *n, char *buf, size_t size)
{
    char t[32], summary[128];

    switch ((st_cause)n->cause) {
    case ST_CAUSE_DNS_LOOKUP:
        st_dns_summary(n, summary, sizeof(summary));
        g_snprintf(buf, (gulong)size, "%u DNS %s from the client during the silence, %s",
                   n->evidence.dns.queries, n->evidence.dns.queries == 1 ? "query" : "queries", summary);
        break;
    case ST_CAUSE_MTU_BLACKHOLE:
        if (n->evidence.loss.hole_bytes >= ST_FULL_SIZE_MIN)
            g_snprintf(buf, (gulong)size, "%u bytes of the %s's segments never arrived, and its peer never "
                       "acknowledged them", n->evidence.loss.hole_bytes,
                       st_side_name((st_side)n->evidence.loss.side));
        else
            g_snprintf(buf, (gulong)size, "full-size %s segments sent again %u times and never answered",
                       n->evidence.loss.side == ST_SIDE_SERVER ? "server" : "client", n->evidence.loss.resent);
        break;
    case ST_CAUSE_ZERO_WINDOW:
        st_format_duration(n->evidence.window.closed_ns, t, sizeof(t));
        g_snprintf(buf, (gulong)size, "the server advertised a zero window for %s", t);
        break;
    case ST_CAUSE_PACKET_LOSS:
        g_snprintf(buf, (gulong)size, "%u segments sent again during the silence", n->evidence.loss.resent);
        break;
    case ST_CAUSE_TLS_STALL:
        tls_evidence(n, buf, size);
        break;
    case ST_CAUSE_SMTP_INSPECTION:
        g_strlcpy(buf, "a masked banner or XXXX commands: a firewall rewrites SMTP", size);
        break;
    case ST_CAUSE_CLIENT_IDLE:
        g_strlcpy(buf, n->explain & ST_EX_POOLED ? "the client left a pooled connection idle"
                                                 : "the client was silent with nothing else on the wire", size);
        break;
    case ST_CAUSE_SERVER_SLOW:
        g_strlcpy(buf, "the server did not answer", size);
        break;
    default:
        g_strlcpy(buf, "the capture does not tell", size);
        break;
    }
}

void st_say_explanation(const st_note *n, char *buf, size_t size)
{
    char t[32], why[160], timer[160] = "", rfc[64] = "";
    const char *side = st_gave_up_name((st_gave_up)n->gave_up);
    const char *cause = st_cause_name((st_cause)n->cause);

    st_format_duration(n->timed_ns, t, sizeof(t));
    evidence(n, why, sizeof(why));
    if (n->timer != 0)
        g_snprintf(timer, sizeof(timer), ", matching %s", st_say_timer(n));
    if (n->explain & ST_EX_BELOW_RFC)
        g_strlcpy(rfc, ", below RFC 5321's 5-minute minimum", sizeof(rfc));
    if (n->explain & ST_EX_BOTH_RESET)
        g_strlcpy(rfc, ", resets reached both ends", sizeof(rfc));
    if (n->gave_up == ST_GAVE_UP_NONE)
        g_snprintf(buf, (gulong)size, "Cause %s: %s", cause, why);
    else if (n->findings & ST_FIND_REPLY && !(n->has & ST_HAS_SERVER_TIMEOUT) && n->reply.cls != ST_CLASS_TIMEOUT)
        g_snprintf(buf, (gulong)size, "The server ended the session with a reply of class %s; cause %s: %s",
                   st_reply_class_name((st_reply_class)n->reply.cls), cause, why);
    else if (n->explain & ST_EX_UNTIMED)
        g_snprintf(buf, (gulong)size, "The %s gave up (the capture begins too late to show after how long); "
                   "cause %s: %s", side, cause, why);
    else
        g_snprintf(buf, (gulong)size, "The %s gave up after %s%s%s; cause %s: %s", side, t, timer, rfc, cause, why);
    if (n->explain & ST_EX_DUPLICATE)
        g_strlcat(buf, "; the server may have taken the message all the same, and the client, which never heard "
                  "so, will send it again: a duplicate", size);
}

/* ---- reports ---- */

void st_ending_text(const st_summary *s, char *buf, size_t size)
{
    static const char *const words[ST_END_COUNT] = {
        [ST_END_OPEN] = "open", [ST_END_OK] = "ok", [ST_END_SILENT_CLOSE] = "silent close",
        [ST_END_ENCRYPTED_TIMEOUT] = "encrypted timeout",
        [ST_END_CLIENT_GAVE_UP] = "client gave up", [ST_END_MIDDLEBOX] = "middlebox reset",
        [ST_END_RESET] = "reset",
    };

    if (s->ending == ST_END_REPLY)
        g_snprintf(buf, (gulong)size, "%u %s", s->reply_code, st_reply_class_name((st_reply_class)s->reply_class));
    else
        g_strlcpy(buf, (unsigned)s->ending < ST_END_COUNT && words[s->ending] != NULL ? words[s->ending] : "", size);
}
