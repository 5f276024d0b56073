/* explain.c: who gave up, why, and which setting to change
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "explain.h"

#include <glib.h>
#include <inttypes.h>
#include <string.h>

#define NS_PER_S INT64_C(1000000000)
#define RFC_SERVER_MIN_S 300 /* RFC 5321 4.5.3.2.7 */
#define ST_SUGGEST_MAX_S INT64_C(86400)

const char *st_gave_up_name(st_gave_up gave_up)
{
    switch (gave_up) {
    case ST_GAVE_UP_SERVER:    return "server";
    case ST_GAVE_UP_CLIENT:    return "client";
    case ST_GAVE_UP_MIDDLEBOX: return "middlebox";
    default:                   return "";
    }
}

const char *st_cause_name(st_cause cause)
{
    switch (cause) {
    case ST_CAUSE_DNS_LOOKUP:      return "dns-lookup";
    case ST_CAUSE_MTU_BLACKHOLE:   return "mtu-blackhole";
    case ST_CAUSE_ZERO_WINDOW:     return "zero-window";
    case ST_CAUSE_PACKET_LOSS:     return "packet-loss";
    case ST_CAUSE_TLS_STALL:       return "tls-stall";
    case ST_CAUSE_SMTP_INSPECTION: return "smtp-inspection";
    case ST_CAUSE_CLIENT_IDLE:     return "client-idle";
    case ST_CAUSE_SERVER_SLOW:     return "server-slow";
    case ST_CAUSE_UNKNOWN:         return "unknown";
    default:                       return "";
    }
}

/* ---- known timers ---- */

#define ANY_MTA 0xff

typedef struct {
    uint8_t     side;      /* st_gave_up: whose timer */
    uint8_t     mta;       /* the server software it belongs to, or ANY_MTA */
    uint8_t     after;     /* the state it guards, or ST_AFTER_NONE for any */
    uint16_t    seconds;
    const char *text;
} known_timer;

/* Defaults from the reference notes (each MTA's sources and manuals).  For a
 * server whose software is not known, the generic 300 s row stands for the
 * many that use it.  Index 0 means "no match". */
static const known_timer timers[] = {
    { 0, 0, 0, 0, "" },
    { ST_GAVE_UP_SERVER, ST_MTA_POSTFIX, ST_AFTER_NONE, 300, "Postfix smtpd_timeout default (300 s)" },
    { ST_GAVE_UP_SERVER, ST_MTA_POSTFIX, ST_AFTER_NONE, 10, "Postfix smtpd_timeout under stress (10 s)" },
    { ST_GAVE_UP_SERVER, ST_MTA_EXIM, ST_AFTER_NONE, 300, "Exim smtp_receive_timeout default (5 min)" },
    { ST_GAVE_UP_SERVER, ST_MTA_SENDMAIL, ST_AFTER_NONE, 3600, "Sendmail Timeout.datablock/command default (1 h)" },
    { ST_GAVE_UP_SERVER, ST_MTA_EXCHANGE, ST_AFTER_NONE, 60, "Exchange Edge ConnectionInactivityTimeout default (1 min)" },
    { ST_GAVE_UP_SERVER, ST_MTA_EXCHANGE, ST_AFTER_NONE, 300, "Exchange Mailbox ConnectionInactivityTimeout default (5 min)" },
    { ST_GAVE_UP_SERVER, ST_MTA_QMAIL, ST_AFTER_NONE, 1200, "qmail timeoutsmtpd default (1200 s)" },
    { ST_GAVE_UP_SERVER, ST_MTA_HARAKA, ST_AFTER_NONE, 300, "Haraka inactivity_timeout default (300 s)" },
    { ST_GAVE_UP_SERVER, ST_MTA_OPENSMTPD, ST_AFTER_NONE, 300, "OpenSMTPD's fixed session timeout (300 s)" },
    { ST_GAVE_UP_SERVER, ST_MTA_UNKNOWN, ST_AFTER_NONE, 300,
      "the usual server default (300 s: Postfix, Exim, Haraka, OpenSMTPD, Exchange Mailbox)" },
    { ST_GAVE_UP_CLIENT, ANY_MTA, ST_AFTER_DATA, 120, "Postfix client smtp_data_init_timeout default (120 s)" },
    { ST_GAVE_UP_CLIENT, ANY_MTA, ST_AFTER_DATA, 180, "Postfix client smtp_data_xfer_timeout default (180 s)" },
    { ST_GAVE_UP_CLIENT, ANY_MTA, ST_AFTER_END_OF_MESSAGE, 600,
      "Postfix client smtp_data_done_timeout and Exim final_timeout defaults (600 s)" },
    { ST_GAVE_UP_CLIENT, ANY_MTA, ST_AFTER_END_OF_MESSAGE, 3600, "Sendmail client Timeout.datafinal default (1 h)" },
    { ST_GAVE_UP_CLIENT, ANY_MTA, ST_AFTER_MAIL, 600, "Sendmail client Timeout.mail default (10 min)" },
    { ST_GAVE_UP_CLIENT, ANY_MTA, ST_AFTER_RCPT, 3600, "Sendmail client Timeout.rcpt default (1 h)" },
    { ST_GAVE_UP_CLIENT, ANY_MTA, ST_AFTER_NONE, 300, "the usual client command timeout (300 s: Postfix, Exim, Sendmail)" },
    { ST_GAVE_UP_MIDDLEBOX, ANY_MTA, ST_AFTER_NONE, 240, "Azure Load Balancer idle timeout default (4 min)" },
    { ST_GAVE_UP_MIDDLEBOX, ANY_MTA, ST_AFTER_NONE, 350, "AWS Network Load Balancer idle timeout default (350 s)" },
    { ST_GAVE_UP_MIDDLEBOX, ANY_MTA, ST_AFTER_NONE, 3600, "a firewall's TCP idle timeout (1 h)" },
};

#define N_TIMERS (sizeof(timers) / sizeof(timers[0]))
#define STRESS_TIMER 2

/* Timers fire late by scheduling and delayed ACKs, never early by much. */
static bool near(int64_t ns, unsigned seconds)
{
    int64_t t = (int64_t)seconds * NS_PER_S;
    int64_t tolerance = t / 50 > NS_PER_S ? t / 50 : NS_PER_S;

    return ns >= t - tolerance && ns <= t + tolerance;
}

static unsigned match_timer(st_gave_up side, st_mta mta, st_after after, int64_t ns)
{
    for (int pass = 0; pass < 2; pass++) {
        for (unsigned i = 1; i < N_TIMERS; i++) {
            const known_timer *k = &timers[i];
            bool mta_ok = pass == 0 ? (k->mta == ANY_MTA || k->mta == mta) : k->mta == ST_MTA_UNKNOWN;
            if (k->side != side || !mta_ok || !near(ns, k->seconds))
                continue;
            if (k->after != ST_AFTER_NONE && k->after != after)
                continue;
            return i;
        }
        if (side != ST_GAVE_UP_SERVER || mta != ST_MTA_UNKNOWN)
            break; /* a known server's other values are its site's settings */
    }
    return 0;
}

const char *st_note_timer(const st_note *n)
{
    return n->has & ST_HAS_EXPLANATION && n->timer < N_TIMERS ? timers[n->timer].text : "";
}

/* ---- the cause ---- */

static st_cause pick_cause(const st_note *n, st_gave_up gave_up, const st_evidence *ev)
{
    bool timeout = n->has & ST_HAS_SERVER_TIMEOUT || n->reply_class == ST_CLASS_TIMEOUT ||
                   gave_up != ST_GAVE_UP_SERVER || !(n->findings & ST_FIND_REPLY);
    /* Data after the close ends the client's own silence. */
    st_side silent = n->findings & ST_FIND_DATA_AFTER_CLOSE ? ST_SIDE_CLIENT : (st_side)n->silent_side;

    if (ev->inspected)
        return ST_CAUSE_SMTP_INSPECTION;
    if (!timeout)
        return ST_CAUSE_UNKNOWN; /* a refusal (capacity, policy...), not a wait */
    if (ev->tls)
        return ST_CAUSE_TLS_STALL;
    if (ev->retrans_full >= 2)
        return ST_CAUSE_MTU_BLACKHOLE;
    if (ev->zero_window_ns > 0)
        return ST_CAUSE_ZERO_WINDOW;
    if (st_dns_stalled(&ev->dns) && silent != ST_SIDE_SERVER)
        return ST_CAUSE_DNS_LOOKUP;
    if (ev->retrans >= 2)
        return ST_CAUSE_PACKET_LOSS;
    if (silent == ST_SIDE_CLIENT)
        return ST_CAUSE_CLIENT_IDLE;
    if (silent == ST_SIDE_SERVER)
        return ST_CAUSE_SERVER_SLOW;
    return ST_CAUSE_UNKNOWN;
}

void st_explain(st_note *n, st_gave_up gave_up, st_mta mta, int64_t timed_ns, const st_evidence *ev)
{
    n->has |= ST_HAS_EXPLANATION;
    n->gave_up = (uint8_t)gave_up;
    n->cause = (uint8_t)pick_cause(n, gave_up, ev);
    n->timed_ns = timed_ns > 0 ? timed_ns : 0;
    n->explain &= (uint8_t)~ST_EX_UNTIMED;
    if (timed_ns < 0)
        n->explain |= ST_EX_UNTIMED;
    n->timer = timed_ns < 0 ? 0 : (uint8_t)match_timer(gave_up, mta, (st_after)n->after, timed_ns);
    n->ev_count = n->ev_answered = n->ev_failed = n->ev_unanswered = 0;
    n->ev_ns = 0;
    switch (n->cause) {
    case ST_CAUSE_DNS_LOOKUP:
        n->ev_count = ev->dns.queries;
        n->ev_answered = ev->dns.answers;
        n->ev_failed = ev->dns.failures;
        n->ev_unanswered = ev->dns.unanswered;
        n->ev_ns = ev->dns.slowest_ns;
        break;
    case ST_CAUSE_MTU_BLACKHOLE:
        n->ev_count = ev->retrans_full;
        break;
    case ST_CAUSE_PACKET_LOSS:
        n->ev_count = ev->retrans;
        break;
    case ST_CAUSE_ZERO_WINDOW:
        n->ev_ns = ev->zero_window_ns;
        break;
    default:
        break;
    }
    if (gave_up == ST_GAVE_UP_SERVER && n->has & ST_HAS_SERVER_TIMEOUT &&
        n->server_timeout_ns < (int64_t)RFC_SERVER_MIN_S * NS_PER_S - NS_PER_S)
        n->explain |= ST_EX_BELOW_RFC;
}

unsigned st_suggest_timeout_s(int64_t stall_ns)
{
    int64_t want, step, secs;

    /* A stall of over a day asks for no timeout: the sender is broken. */
    if (stall_ns <= 0 || stall_ns > ST_SUGGEST_MAX_S * NS_PER_S)
        return 0;
    want = stall_ns + stall_ns / 4;
    step = want <= 60 * NS_PER_S ? 10 : want <= 600 * NS_PER_S ? 60 : 300;
    secs = (want + NS_PER_S - 1) / NS_PER_S;
    return (unsigned)((secs + step - 1) / step * step);
}

/* ---- sentences ---- */

static void duration(int64_t ns, char *buf, size_t size)
{
    st_format_duration(ns, buf, size);
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
    duration(n->ev_ns, t, sizeof(t));
    g_snprintf(buf + strlen(buf), (gulong)(size - strlen(buf)), "; the slowest answer after %s", t);
}

static void dns_evidence(const st_note *n, char *buf, size_t size)
{
    char summary[128];

    dns_summary(n, summary, sizeof(summary));
    g_snprintf(buf, (gulong)size, "%u DNS %s from the client during the silence, %s", n->ev_count,
               n->ev_count == 1 ? "query" : "queries", summary);
}

static void evidence(const st_note *n, char *buf, size_t size)
{
    char t[32];

    switch ((st_cause)n->cause) {
    case ST_CAUSE_DNS_LOOKUP:
        dns_evidence(n, buf, size);
        break;
    case ST_CAUSE_MTU_BLACKHOLE:
        g_snprintf(buf, (gulong)size, "full-size client segments sent again %u times and never answered", n->ev_count);
        break;
    case ST_CAUSE_ZERO_WINDOW:
        duration(n->ev_ns, t, sizeof(t));
        g_snprintf(buf, (gulong)size, "the server advertised a zero window for %s", t);
        break;
    case ST_CAUSE_PACKET_LOSS:
        g_snprintf(buf, (gulong)size, "%u segments sent again during the silence", n->ev_count);
        break;
    case ST_CAUSE_TLS_STALL:
        g_strlcpy(buf, "the TLS handshake after STARTTLS did not complete", size);
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
    char t[32], why[128], timer[160] = "", rfc[64] = "";
    const char *side = st_gave_up_name((st_gave_up)n->gave_up);

    duration(n->timed_ns, t, sizeof(t));
    evidence(n, why, sizeof(why));
    if (n->timer != 0)
        g_snprintf(timer, sizeof(timer), ", matching %s", st_note_timer(n));
    if (n->explain & ST_EX_BELOW_RFC)
        g_strlcpy(rfc, ", below RFC 5321's 5-minute minimum", sizeof(rfc));
    if (n->explain & ST_EX_BOTH_RESET)
        g_strlcpy(rfc, ", resets reached both ends", sizeof(rfc));
    if (n->gave_up == ST_GAVE_UP_NONE)
        g_snprintf(buf, (gulong)size, "Cause %s: %s", st_cause_name((st_cause)n->cause), why);
    else if (n->findings & ST_FIND_REPLY && !(n->has & ST_HAS_SERVER_TIMEOUT) &&
             n->reply_class != ST_CLASS_TIMEOUT)
        g_snprintf(buf, (gulong)size, "The server ended the session with a reply of class %s; cause %s: %s",
                   st_reply_class_name((st_reply_class)n->reply_class), st_cause_name((st_cause)n->cause), why);
    else if (n->explain & ST_EX_UNTIMED)
        g_snprintf(buf, (gulong)size, "The %s gave up (the capture begins too late to show after how long); "
                   "cause %s: %s", side, st_cause_name((st_cause)n->cause), why);
    else
        g_snprintf(buf, (gulong)size, "The %s gave up after %s%s%s; cause %s: %s", side, t, timer, rfc,
                   st_cause_name((st_cause)n->cause), why);
}

/* The server's setting, with the value when one is given (secs > 0). */
static void server_setting(const st_note *n, unsigned secs, char *buf, size_t size)
{
    bool in_data = n->after == ST_AFTER_DATA || n->after == ST_AFTER_BDAT;

    switch ((st_mta)n->mta) {
    case ST_MTA_POSTFIX:
        if (secs > 0)
            g_snprintf(buf, (gulong)size, "postconf -e smtpd_timeout=%us", secs);
        else
            g_strlcpy(buf, "Postfix smtpd_timeout", size);
        break;
    case ST_MTA_EXIM:
        if (secs > 0)
            g_snprintf(buf, (gulong)size, "smtp_receive_timeout = %us in the Exim configuration", secs);
        else
            g_strlcpy(buf, "Exim smtp_receive_timeout", size);
        break;
    case ST_MTA_SENDMAIL:
        if (secs > 0)
            g_snprintf(buf, (gulong)size, "define(`%s', `%us') in sendmail.mc",
                       in_data ? "confTO_DATABLOCK" : "confTO_COMMAND", secs);
        else
            g_strlcpy(buf, in_data ? "Sendmail confTO_DATABLOCK" : "Sendmail confTO_COMMAND", size);
        break;
    case ST_MTA_EXCHANGE:
        if (secs > 0)
            g_snprintf(buf, (gulong)size, "Set-ReceiveConnector <name> -ConnectionInactivityTimeout %02u:%02u:%02u",
                       secs / 3600, secs / 60 % 60, secs % 60);
        else
            g_strlcpy(buf, "Exchange Set-ReceiveConnector -ConnectionInactivityTimeout", size);
        break;
    case ST_MTA_QMAIL:
        if (secs > 0)
            g_snprintf(buf, (gulong)size, "echo %u > /var/qmail/control/timeoutsmtpd", secs);
        else
            g_strlcpy(buf, "qmail control/timeoutsmtpd", size);
        break;
    case ST_MTA_HARAKA:
        if (secs > 0)
            g_snprintf(buf, (gulong)size, "inactivity_timeout=%u in Haraka's config/smtp.ini", secs);
        else
            g_strlcpy(buf, "Haraka inactivity_timeout in config/smtp.ini", size);
        break;
    case ST_MTA_NODEMAILER:
        if (secs > 0)
            g_snprintf(buf, (gulong)size, "socketTimeout: %u000 in the smtp-server options", secs);
        else
            g_strlcpy(buf, "the smtp-server socketTimeout option", size);
        break;
    case ST_MTA_OPENSMTPD:
        g_strlcpy(buf, "nothing: OpenSMTPD's 300 s timeout is fixed at build time", size);
        break;
    case ST_MTA_GMAIL:
    case ST_MTA_SES:
        g_strlcpy(buf, "nothing: the receiving service's timeout cannot be changed", size);
        break;
    default:
        if (secs > 0)
            g_snprintf(buf, (gulong)size, "the server's idle timeout, to %u s", secs);
        else
            g_strlcpy(buf, "the server's idle timeout", size);
        break;
    }
}

/* What to raise on the server, when the client is to blame first. */
static void server_mitigation(const st_note *n, char *buf, size_t size)
{
    char setting[160], t[32];
    bool fixed = n->mta == ST_MTA_OPENSMTPD || n->mta == ST_MTA_GMAIL || n->mta == ST_MTA_SES;

    if (n->gave_up != ST_GAVE_UP_SERVER) {
        buf[0] = '\0';
        return;
    }
    if (fixed) {
        server_setting(n, 0, setting, sizeof(setting));
        g_snprintf(buf, (gulong)size, "; on the server side: %s", setting);
    } else if (n->explain & ST_EX_STALL) {
        unsigned secs = st_suggest_timeout_s(n->client_stall_ns);
        if (secs == 0) {
            buf[0] = '\0'; /* no timeout is worth a stall of days */
            return;
        }
        duration(n->client_stall_ns, t, sizeof(t));
        server_setting(n, secs, setting, sizeof(setting));
        g_snprintf(buf, (gulong)size, "; as a mitigation, raise the server's timeout above the %s stall: %s", t,
                   setting);
    } else if (n->explain & ST_EX_UNTIMED) {
        server_setting(n, 0, setting, sizeof(setting));
        g_snprintf(buf, (gulong)size, "; as a mitigation, raise %s above the client's stall", setting);
    } else {
        duration(n->timed_ns, t, sizeof(t));
        server_setting(n, 0, setting, sizeof(setting));
        g_snprintf(buf, (gulong)size, "; as a mitigation, raise %s (%s here) above the client's stall", setting, t);
    }
}

static const char *client_timer(st_after after)
{
    switch (after) {
    case ST_AFTER_CONNECT: return "Postfix smtp_helo_timeout, Exim command_timeout, Sendmail confTO_INITIAL";
    case ST_AFTER_DATA:    return "Postfix smtp_data_init_timeout, Exim command_timeout, Sendmail confTO_DATAINIT";
    case ST_AFTER_END_OF_MESSAGE:
        return "Postfix smtp_data_done_timeout, Exim final_timeout, Sendmail confTO_DATAFINAL";
    case ST_AFTER_MAIL:    return "Postfix smtp_mail_timeout, Exim command_timeout, Sendmail confTO_MAIL";
    case ST_AFTER_RCPT:    return "Postfix smtp_rcpt_timeout, Exim command_timeout, Sendmail confTO_RCPT";
    default:               return "Postfix smtp_*_timeout, Exim command_timeout, Sendmail confTO_*";
    }
}

static void class_hint(const st_note *n, char *buf, size_t size)
{
    switch ((st_reply_class)n->reply_class) {
    case ST_CLASS_CAPACITY:
        g_strlcpy(buf, "The server is at capacity: the client should retry later; on the server, check its "
                       "connection limits (Postfix default_process_limit and smtpd_client_connection_count_limit, "
                       "Exim smtp_accept_max)", size);
        break;
    case ST_CLASS_POLICY:
        g_strlcpy(buf, "The server refused by policy: fix what its reply names on the client (errors, TLS, "
                       "authorisation) before retrying", size);
        break;
    case ST_CLASS_SHUTDOWN:
        g_strlcpy(buf, "The server was shutting down: nothing to fix on the client, which should retry later", size);
        break;
    case ST_CLASS_CONNECTION_DROPPED:
        g_strlcpy(buf, "The connection itself failed: look for resets and TLS alerts around this reply, and check "
                       "TLS versions on both sides", size);
        break;
    default:
        g_strlcpy(buf, "The server ended the session for its own reasons: read its reply text and its log", size);
        break;
    }
}

void st_note_hint(const st_note *n, char *buf, size_t size)
{
    char rest[256], t[32], t_dns[128], after[48] = "";

    buf[0] = '\0';
    if (!(n->has & ST_HAS_EXPLANATION))
        return;
    /* Late data knows the state the server gave up in, without the field. */
    if (n->after != ST_AFTER_NONE)
        g_snprintf(after, sizeof(after), " after %s", st_after_name((st_after)n->after));
    server_mitigation(n, rest, sizeof(rest));
    if (n->timer == STRESS_TIMER) {
        g_strlcpy(buf, "Fix the server first: Postfix is likely in stress mode (a 10 s timeout); raise its process "
                       "limit (default_process_limit, or maxproc of the smtp service in master.cf) rather than "
                       "smtpd_timeout", size);
        return;
    }
    if (n->gave_up == ST_GAVE_UP_MIDDLEBOX) {
        duration(n->timed_ns, t, sizeof(t));
        g_snprintf(buf, (gulong)size, "Fix the network first: raise the idle timeout of the load balancer or firewall "
                   "between the hosts above the SMTP timeouts (over 300 s); it reset a connection idle for %s", t);
        return;
    }
    switch ((st_cause)n->cause) {
    case ST_CAUSE_DNS_LOOKUP:
        dns_summary(n, t_dns, sizeof(t_dns));
        g_snprintf(buf, (gulong)size, "Fix the sender first: %s (%u %s, %s)%s",
                   n->ev_unanswered == 0 && n->ev_failed > 0 && n->ev_ns < ST_DNS_SLOW_NS ? "its DNS lookups failed"
                                                                                          : "it was waiting for DNS",
                   n->ev_count, n->ev_count == 1 ? "query" : "queries", t_dns, rest);
        break;
    case ST_CAUSE_CLIENT_IDLE:
        if (n->explain & ST_EX_POOLED) /* idle by design: no server setting to raise */
            g_strlcpy(buf, "Fix the sender first: close pooled connections before the server's timeout, or check "
                           "them with NOOP before reuse", size);
        else
            g_snprintf(buf, (gulong)size, "Fix the sender first: find what kept it silent%s (a milter, a content "
                       "filter, the application)%s", after, rest);
        break;
    case ST_CAUSE_MTU_BLACKHOLE:
        g_strlcpy(buf, "Fix the network path first: full-size segments do not get through (an MTU black hole); "
                       "allow ICMP fragmentation-needed on the path or clamp the TCP MSS", size);
        break;
    case ST_CAUSE_ZERO_WINDOW:
        duration(n->ev_ns, t, sizeof(t));
        g_snprintf(buf, (gulong)size, "Fix the server first: it stopped reading (zero window for %s); check its "
                   "load, disk and content filters", t);
        break;
    case ST_CAUSE_PACKET_LOSS:
        g_snprintf(buf, (gulong)size, "Fix the network path first: %u segments were sent again during the silence",
                   n->ev_count);
        break;
    case ST_CAUSE_TLS_STALL:
        g_strlcpy(buf, "Fix the TLS negotiation first: check TLS versions and ciphers on both sides, and the path "
                       "MTU (large certificate flights); Postfix smtpd_starttls_timeout bounds the server's wait",
                  size);
        break;
    case ST_CAUSE_SMTP_INSPECTION:
        g_strlcpy(buf, "Turn off SMTP inspection on the firewall first (Cisco ASA: no inspect esmtp, PIX: no fixup "
                       "protocol smtp 25): it masks the banner and rewrites commands", size);
        break;
    case ST_CAUSE_SERVER_SLOW:
        duration(n->idle_ns, t, sizeof(t));
        g_snprintf(buf, (gulong)size, "Fix the server first: it did not answer%s for %s (look at its milters, "
                   "policy services and content filters); the client's timer: %s", after, t,
                   client_timer((st_after)n->after));
        break;
    default:
        if (n->reply_class == ST_CLASS_TIMEOUT)
            /* A timeout reply, but the capture shows too little of the wait. */
            g_snprintf(buf, (gulong)size, "Fix the sender first: the server's wait for it ran out%s; find what kept "
                       "it silent (a milter, a content filter, the application)%s", after, rest);
        else if (n->reply_class != ST_CLASS_NONE)
            class_hint(n, buf, size);
        break;
    }
}
