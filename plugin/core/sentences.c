/* sentences.c: the words of smtp-timeout, from the facts of a note
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

    if (note->reply_status[0] != '\0')
        g_snprintf(head, sizeof(head), "%u %s", note->reply_code, note->reply_status);
    else
        g_snprintf(head, sizeof(head), "%u", note->reply_code);
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

    st_format_duration(note->since_close_ns, since, sizeof(since));
    st_format_duration(note->client_stall_ns, stall, sizeof(stall));
    st_format_duration(note->exceeded_by_ns, over, sizeof(over));
    st_format_duration(note->server_timeout_ns, timeout, sizeof(timeout));
    if (note->has & ST_HAS_EXCEEDED_BY)
        g_snprintf(buf, (gulong)size,
                   "Client sent %u bytes %s after the server closed (frame %u): it stalled %s, %s past the server's %s timeout",
                   note->late_bytes, since, note->close_frame, stall, over, timeout);
    else if (note->has & ST_HAS_CLIENT_STALL)
        g_snprintf(buf, (gulong)size, "Client sent %u bytes %s after the server closed (frame %u): it stalled %s",
                   note->late_bytes, since, note->close_frame, stall);
    else
        g_snprintf(buf, (gulong)size, "Client sent %u bytes %s after the server closed (frame %u)",
                   note->late_bytes, since, note->close_frame);
}

static void message_rst(const st_note *note, char *buf, size_t size)
{
    char since[32], reply[48] = "";

    st_format_duration(note->since_close_ns, since, sizeof(since));
    if (note->has & ST_HAS_REPLY_FRAME && note->reply_frame != note->close_frame)
        g_snprintf(reply, sizeof(reply), " (%u reply in frame %u)", note->reply_code, note->reply_frame);
    g_snprintf(buf, (gulong)size, "%s reset the connection %s after the close in frame %u%s",
               side_title((st_side)note->rst_from), since, note->close_frame, reply);
}

static void message_benign_rst(const st_note *note, char *buf, size_t size)
{
    char since[32];

    st_format_duration(note->since_close_ns, since, sizeof(since));
    if (note->has & ST_HAS_CLOSE_FRAME)
        g_snprintf(buf, (gulong)size, "%s reset the connection %s after the close in frame %u: a normal ending",
                   side_title((st_side)note->rst_from), since, note->close_frame);
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

void st_note_message(const st_note *note, st_finding finding, char *buf, size_t size)
{
    char after[64], idle[32];

    format_after(note, after, sizeof(after));
    if (after[0] == '\0' && note->has & ST_HAS_ENCRYPTED && note->opaque)
        g_strlcpy(after, " inside TLS", sizeof(after));
    st_format_duration(note->idle_ns, idle, sizeof(idle));
    switch (finding) {
    case ST_FIND_GAP:
        g_snprintf(buf, (gulong)size, "%s silent for %s%s, since frame %u",
                   side_title((st_side)note->silent_side), idle, after, note->idle_start_frame);
        break;
    case ST_FIND_REPLY:
        message_reply(note, after, buf, size);
        break;
    case ST_FIND_SILENT_CLOSE:
        message_silent_close(note, after, idle, buf, size);
        break;
    case ST_FIND_ENCRYPTED_CLOSE:
        message_encrypted_close(note, idle, buf, size);
        break;
    case ST_FIND_DATA_AFTER_CLOSE:
        message_late_data(note, buf, size);
        break;
    case ST_FIND_RST_AFTER_CLOSE:
        message_rst(note, buf, size);
        break;
    case ST_FIND_RST_AFTER_END:
        message_benign_rst(note, buf, size);
        break;
    case ST_FIND_IDLE_START:
        st_format_duration(note->silence_ns, idle, sizeof(idle));
        g_snprintf(buf, (gulong)size, "Idle interval starts here: the %s stayed silent for %s, until frame %u",
                   st_side_name((st_side)note->silence_side), idle, note->silence_end_frame);
        break;
    default:
        buf[0] = '\0';
    }
}

/* ---- the explanation ---- */

const char *st_note_timer(const st_note *n)
{
    return n->has & ST_HAS_EXPLANATION ? st_timer_text(n->timer) : "";
}

/* "none answered", or "1 unanswered, 2 failed; the slowest answer after 8.000 s" */
static void dns_summary(const st_note *n, char *buf, size_t size)
{
    char t[32];
    const char *sep = "";

    buf[0] = '\0';
    if (n->ev_answered == 0 && n->ev_failed == 0) {
        g_strlcpy(buf, "none answered", size);
        return;
    }
    if (n->ev_unanswered > 0) {
        g_snprintf(buf, (gulong)size, "%u unanswered", n->ev_unanswered);
        sep = ", ";
    }
    if (n->ev_failed > 0) {
        g_snprintf(buf + strlen(buf), (gulong)(size - strlen(buf)), "%s%u failed", sep, n->ev_failed);
        sep = ", ";
    }
    if (n->ev_answered > 0)
        g_snprintf(buf + strlen(buf), (gulong)(size - strlen(buf)), "%s%u answered", sep, n->ev_answered);
    st_format_duration(n->ev_ns, t, sizeof(t));
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
        dns_summary(n, summary, sizeof(summary));
        g_snprintf(buf, (gulong)size, "%u DNS %s from the client during the silence, %s", n->ev_count,
                   n->ev_count == 1 ? "query" : "queries", summary);
        break;
    case ST_CAUSE_MTU_BLACKHOLE:
        if (n->ev_bytes >= ST_FULL_SIZE_MIN)
            g_snprintf(buf, (gulong)size, "%u bytes of the %s's segments never arrived, and its peer never "
                       "acknowledged them", n->ev_bytes, st_side_name((st_side)n->ev_side));
        else
            g_snprintf(buf, (gulong)size, "full-size %s segments sent again %u times and never answered",
                       n->ev_side == ST_SIDE_SERVER ? "server" : "client", n->ev_count);
        break;
    case ST_CAUSE_ZERO_WINDOW:
        st_format_duration(n->ev_ns, t, sizeof(t));
        g_snprintf(buf, (gulong)size, "the server advertised a zero window for %s", t);
        break;
    case ST_CAUSE_PACKET_LOSS:
        g_snprintf(buf, (gulong)size, "%u segments sent again during the silence", n->ev_count);
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

void st_note_explanation(const st_note *n, char *buf, size_t size)
{
    char t[32], why[160], timer[160] = "", rfc[64] = "";
    const char *side = st_gave_up_name((st_gave_up)n->gave_up);
    const char *cause = st_cause_name((st_cause)n->cause);

    st_format_duration(n->timed_ns, t, sizeof(t));
    evidence(n, why, sizeof(why));
    if (n->timer != 0)
        g_snprintf(timer, sizeof(timer), ", matching %s", st_note_timer(n));
    if (n->explain & ST_EX_BELOW_RFC)
        g_strlcpy(rfc, ", below RFC 5321's 5-minute minimum", sizeof(rfc));
    if (n->explain & ST_EX_BOTH_RESET)
        g_strlcpy(rfc, ", resets reached both ends", sizeof(rfc));
    if (n->gave_up == ST_GAVE_UP_NONE)
        g_snprintf(buf, (gulong)size, "Cause %s: %s", cause, why);
    else if (n->findings & ST_FIND_REPLY && !(n->has & ST_HAS_SERVER_TIMEOUT) && n->reply_class != ST_CLASS_TIMEOUT)
        g_snprintf(buf, (gulong)size, "The server ended the session with a reply of class %s; cause %s: %s",
                   st_reply_class_name((st_reply_class)n->reply_class), cause, why);
    else if (n->explain & ST_EX_UNTIMED)
        g_snprintf(buf, (gulong)size, "The %s gave up (the capture begins too late to show after how long); "
                   "cause %s: %s", side, cause, why);
    else
        g_snprintf(buf, (gulong)size, "The %s gave up after %s%s%s; cause %s: %s", side, t, timer, rfc, cause, why);
}

/* ---- the hint ---- */

/* A value in the setting's own units. */
static void format_value(st_units units, unsigned secs, char *buf, size_t size)
{
    if (units == ST_UNITS_HMS)
        g_snprintf(buf, (gulong)size, "%02u:%02u:%02u", secs / 3600, secs / 60 % 60, secs % 60);
    else if (units == ST_UNITS_MS)
        g_snprintf(buf, (gulong)size, "%u000", secs);
    else
        g_snprintf(buf, (gulong)size, "%u", secs);
}

/* The table's way to set a value, with "{value}" filled in. */
static void fill_in(const char *template, const char *value, char *buf, size_t size)
{
    const char *at = strstr(template, "{value}");

    if (at == NULL) {
        g_strlcpy(buf, template, size);
        return;
    }
    g_snprintf(buf, (gulong)size, "%.*s%s%s", (int)(at - template), template, value, at + strlen("{value}"));
}

/* The server's setting by name, or how to set it to secs (> 0). */
static void server_setting(const st_note *n, const st_advice *a, unsigned secs, char *buf, size_t size)
{
    const st_mta_profile *p = st_mta_profile_of((st_mta)n->mta);
    const char *name = a->in_body && p->setting_body != NULL ? p->setting_body : p->setting;
    const char *set_to = a->in_body && p->set_to_body != NULL ? p->set_to_body : p->set_to;
    char value[32];

    if (p->fixed != NULL) {
        g_strlcpy(buf, p->fixed, size);
    } else if (secs > 0) {
        format_value(p->units, secs, value, sizeof(value));
        fill_in(set_to, value, buf, size);
    } else {
        g_strlcpy(buf, name, size);
    }
}

/* What to raise on the server meanwhile, as the end of the hint. */
static void raise_clause(const st_note *n, const st_advice *a, char *buf, size_t size)
{
    char setting[160], t[32];

    buf[0] = '\0';
    switch (a->raise) {
    case ST_RAISE_FIXED:
        server_setting(n, a, 0, setting, sizeof(setting));
        g_snprintf(buf, (gulong)size, "; on the server side: %s", setting);
        break;
    case ST_RAISE_TO_VALUE:
        st_format_duration(n->client_stall_ns, t, sizeof(t));
        server_setting(n, a, a->value_s, setting, sizeof(setting));
        g_snprintf(buf, (gulong)size, "; as a mitigation, raise the server's timeout above the %s stall: %s", t,
                   setting);
        break;
    case ST_RAISE_ABOVE_STALL:
        server_setting(n, a, 0, setting, sizeof(setting));
        g_snprintf(buf, (gulong)size, "; as a mitigation, raise %s above the client's stall", setting);
        break;
    case ST_RAISE_FROM_TIMED:
        st_format_duration(n->timed_ns, t, sizeof(t));
        server_setting(n, a, 0, setting, sizeof(setting));
        g_snprintf(buf, (gulong)size, "; as a mitigation, raise %s (%s here) above the client's stall", setting, t);
        break;
    default:
        break;
    }
}

static const char *tls_setting(st_mta mta)
{
    const st_mta_profile *p = st_mta_profile_of(mta);

    return p->tls_setting != NULL ? p->tls_setting : st_mta_profile_of(ST_MTA_UNKNOWN)->tls_setting;
}

static void hint_dns(const st_note *n, const char *rest, char *buf, size_t size)
{
    char summary[128];
    bool failed = n->ev_unanswered == 0 && n->ev_failed > 0 && n->ev_ns < ST_DNS_SLOW_NS;

    dns_summary(n, summary, sizeof(summary));
    g_snprintf(buf, (gulong)size, "Fix the sender first: %s (%u %s, %s)%s",
               failed ? "its DNS lookups failed" : "it was waiting for DNS", n->ev_count,
               n->ev_count == 1 ? "query" : "queries", summary, rest);
}

/* The hints that need figures of the note. */
static void hint_with_figures(const st_note *n, const st_advice *a, const char *after, const char *rest,
                              char *buf, size_t size)
{
    char t[32];

    switch (a->fix) {
    case ST_FIX_MIDDLEBOX:
        st_format_duration(n->timed_ns, t, sizeof(t));
        g_snprintf(buf, (gulong)size, "Fix the network first: raise the idle timeout of the load balancer or firewall "
                   "between the hosts above the SMTP timeouts (over 300 s); it reset a connection idle for %s", t);
        break;
    case ST_FIX_SENDER_DNS:
        hint_dns(n, rest, buf, size);
        break;
    case ST_FIX_SENDER:
        g_snprintf(buf, (gulong)size, "Fix the sender first: find what kept it silent%s (a milter, a content "
                   "filter, the application)%s", after, rest);
        break;
    case ST_FIX_SENDER_UNTIMED:
        g_snprintf(buf, (gulong)size, "Fix the sender first: the server's wait for it ran out%s; find what kept "
                   "it silent (a milter, a content filter, the application)%s", after, rest);
        break;
    case ST_FIX_SERVER_READING:
        st_format_duration(n->ev_ns, t, sizeof(t));
        g_snprintf(buf, (gulong)size, "Fix the server first: it stopped reading (zero window for %s); check its "
                   "load, disk and content filters", t);
        break;
    case ST_FIX_PATH_LOSS:
        g_snprintf(buf, (gulong)size, "Fix the network path first: %u segments were sent again during the silence",
                   n->ev_count);
        break;
    case ST_FIX_TLS:
        g_snprintf(buf, (gulong)size, "Fix the TLS negotiation first: check TLS versions and ciphers on both sides, "
                   "and the path MTU (large certificate flights); %s bounds the server's wait",
                   tls_setting((st_mta)n->mta));
        break;
    case ST_FIX_SERVER_SLOW:
        st_format_duration(n->idle_ns, t, sizeof(t));
        g_snprintf(buf, (gulong)size, "Fix the server first: it did not answer%s for %s (look at its milters, "
                   "policy services and content filters); the client's timer: %s", after, t,
                   st_client_settings((st_after)n->after));
        break;
    default:
        buf[0] = '\0';
        break;
    }
}

/* The hints that are the same words every time. */
static const char *fixed_hint(const st_note *n, st_fix fix)
{
    switch (fix) {
    case ST_FIX_SERVER_STRESS:
        return "Fix the server first: Postfix is likely in stress mode (a 10 s timeout); raise its process limit "
               "(default_process_limit, or maxproc of the smtp service in master.cf) rather than smtpd_timeout";
    case ST_FIX_SENDER_POOL: /* idle by design: no server setting to raise */
        return "Fix the sender first: close pooled connections before the server's timeout, or check them with "
               "NOOP before reuse";
    case ST_FIX_PATH_MTU:
        return "Fix the network path first: full-size segments do not get through (an MTU black hole); allow ICMP "
               "fragmentation-needed on the path or clamp the TCP MSS";

    case ST_FIX_INSPECTION:
        return "Turn off SMTP inspection on the firewall first (Cisco ASA: no inspect esmtp, PIX: no fixup protocol "
               "smtp 25): it masks the banner and rewrites commands";
    case ST_FIX_BY_CLASS:
        return st_reply_class_hint((st_reply_class)n->reply_class);
    default:
        return NULL;
    }
}

void st_note_hint(const st_note *n, char *buf, size_t size)
{
    st_advice a;
    char rest[256], after[48] = "";
    const char *words;

    buf[0] = '\0';
    st_advise(n, &a);
    if (a.fix == ST_FIX_NONE)
        return;
    /* Late data knows the state the server gave up in, without the field. */
    if (n->after != ST_AFTER_NONE)
        g_snprintf(after, sizeof(after), " after %s", st_after_name((st_after)n->after));
    words = fixed_hint(n, a.fix);
    if (words != NULL) {
        g_strlcpy(buf, words, size);
        return;
    }
    raise_clause(n, &a, rest, sizeof(rest));
    hint_with_figures(n, &a, after, rest, buf, size);
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
