/* explain.c: who gave up, why, and what to change, as facts
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "explain.h"

#include <string.h>

#include "reply_class.h"

#define NS_PER_S INT64_C(1000000000)
#define RFC_SERVER_MIN_S 300 /* RFC 5321 4.5.3.2.7 */
#define SUGGEST_MAX_S INT64_C(86400)

/* A handshake that never completed: the silence belongs to TLS. */
static bool handshake_stalled(const st_evidence *ev)
{
    return ev->tls && !ev->decrypted && ev->tls_stage != ST_TLS_NONE && ev->tls_stage != ST_TLS_DONE;
}

/* What a cause's row is judged on: the note, who gave up, the evidence,
 * and who was silent (data after the close ends the client's own
 * silence). */
typedef struct {
    const st_note     *n;
    st_gave_up         gave_up;
    const st_evidence *ev;
    st_side            silent;
} cause_facts;

static bool by_inspection(const cause_facts *f)
{
    return f->ev->inspected;
}

/* A refusal, a shutdown or a full server is no wait: no cause of one. */
static bool no_wait(const cause_facts *f)
{
    const st_note *n = f->n;

    return !(n->has & ST_HAS_SERVER_TIMEOUT || n->reply.cls == ST_CLASS_TIMEOUT ||
             f->gave_up != ST_GAVE_UP_SERVER || !(n->findings & ST_FIND_REPLY));
}

static bool by_full_size_loss(const cause_facts *f)
{
    return f->ev->retrans_full >= 2 || f->ev->hole >= ST_FULL_SIZE_MIN;
}

static bool by_tls_stall(const cause_facts *f)
{
    return handshake_stalled(f->ev);
}

static bool by_closed_window(const cause_facts *f)
{
    return f->ev->zero_window_ns > 0;
}

static bool by_dns(const cause_facts *f)
{
    return st_dns_stalled(&f->ev->dns) && f->silent != ST_SIDE_SERVER;
}

static bool by_loss(const cause_facts *f)
{
    return f->ev->retrans >= 2 || f->ev->hole > 0;
}

static bool client_silent(const cause_facts *f)
{
    return f->silent == ST_SIDE_CLIENT;
}

static bool server_silent(const cause_facts *f)
{
    return f->silent == ST_SIDE_SERVER;
}

static void dns_evidence(st_note *n, const st_evidence *ev)
{
    n->evidence.dns.queries = ev->dns.queries;
    n->evidence.dns.answered = ev->dns.answers;
    n->evidence.dns.failed = ev->dns.failures;
    n->evidence.dns.unanswered = ev->dns.unanswered;
    n->evidence.dns.slowest_ns = ev->dns.slowest_ns;
}

static void loss_evidence(st_note *n, const st_evidence *ev)
{
    n->evidence.loss.resent = n->cause == ST_CAUSE_MTU_BLACKHOLE ? ev->retrans_full : ev->retrans;
    n->evidence.loss.hole_bytes = ev->hole;
    n->evidence.loss.side = (uint8_t)ev->hole_side;
}

static void tls_evidence(st_note *n, const st_evidence *ev)
{
    n->has |= ST_HAS_TLS_STAGE;
    n->tls_stage = ev->tls_stage;
}

static void window_evidence(st_note *n, const st_evidence *ev)
{
    n->evidence.window.closed_ns = ev->zero_window_ns;
}

/* The causes, in their precedence (explanations.md): the first row whose
 * test holds names the cause, and its evidence goes into the note.  A
 * firewall rewriting SMTP explains everything; a refusal is no wait;
 * full-size segments lost, a TLS handshake left unfinished, a closed
 * window, the sender's DNS and lost small segments each explain a silence;
 * else whoever owed the next word. */
static const struct {
    st_cause cause;
    bool (*holds)(const cause_facts *f);
    void (*evidence)(st_note *n, const st_evidence *ev);
} causes[] = {
    { ST_CAUSE_SMTP_INSPECTION, by_inspection, NULL },
    { ST_CAUSE_UNKNOWN, no_wait, NULL },
    { ST_CAUSE_MTU_BLACKHOLE, by_full_size_loss, loss_evidence },
    { ST_CAUSE_TLS_STALL, by_tls_stall, tls_evidence },
    { ST_CAUSE_ZERO_WINDOW, by_closed_window, window_evidence },
    { ST_CAUSE_DNS_LOOKUP, by_dns, dns_evidence },
    { ST_CAUSE_PACKET_LOSS, by_loss, loss_evidence },
    { ST_CAUSE_CLIENT_IDLE, client_silent, NULL },
    { ST_CAUSE_SERVER_SLOW, server_silent, NULL },
};

/* The cause and the figures that back it up. */
static void pick_cause(st_note *n, st_gave_up gave_up, const st_evidence *ev)
{
    cause_facts f = { n, gave_up, ev,
                      n->findings & ST_FIND_DATA_AFTER_CLOSE ? ST_SIDE_CLIENT : (st_side)n->silent_side };

    memset(&n->evidence, 0, sizeof(n->evidence));
    n->cause = ST_CAUSE_UNKNOWN;
    for (size_t i = 0; i < sizeof(causes) / sizeof(causes[0]); i++) {
        if (causes[i].holds(&f)) {
            n->cause = (uint8_t)causes[i].cause;
            if (causes[i].evidence != NULL)
                causes[i].evidence(n, ev);
            return;
        }
    }
}

void st_explain(st_note *n, st_gave_up gave_up, st_mta mta, int64_t timed_ns, const st_evidence *ev)
{
    n->has |= ST_HAS_EXPLANATION;
    n->gave_up = (uint8_t)gave_up;
    pick_cause(n, gave_up, ev);
    n->timed_ns = timed_ns > 0 ? timed_ns : 0;
    n->explain &= (uint8_t)~ST_EX_UNTIMED;
    if (timed_ns < 0)
        n->explain |= ST_EX_UNTIMED;
    n->timer = timed_ns < 0 ? 0 : st_timer_match(gave_up, mta, (st_after)n->after, timed_ns);
    if (gave_up == ST_GAVE_UP_SERVER && n->has & ST_HAS_SERVER_TIMEOUT &&
        n->server_timeout_ns < (int64_t)RFC_SERVER_MIN_S * NS_PER_S - NS_PER_S)
        n->explain |= ST_EX_BELOW_RFC;
}

unsigned st_suggest_timeout_s(int64_t stall_ns)
{
    int64_t want, step, secs;

    if (stall_ns <= 0 || stall_ns > SUGGEST_MAX_S * NS_PER_S)
        return 0;
    want = stall_ns + stall_ns / 4;
    step = want <= 60 * NS_PER_S ? 10 : want <= 600 * NS_PER_S ? 60 : 300;
    secs = (want + NS_PER_S - 1) / NS_PER_S;
    return (unsigned)((secs + step - 1) / step * step);
}

/* The server gave up: what it could be raised to meanwhile. */
static void advise_raise(const st_note *n, st_advice *out)
{
    out->raise = ST_RAISE_NOTHING;
    if (n->gave_up != ST_GAVE_UP_SERVER)
        return;
    if (st_mta_profile_of((st_mta)n->mta)->fixed != NULL) {
        out->raise = ST_RAISE_FIXED;
    } else if (n->explain & ST_EX_STALL) {
        out->value_s = st_suggest_timeout_s(n->client_stall_ns);
        /* Never below RFC 5321's 5 minutes (4.5.3.2.7): a server that
         * times a client out sooner is itself to be fixed. */
        if (out->value_s != 0 && out->value_s < RFC_SERVER_MIN_S)
            out->value_s = RFC_SERVER_MIN_S;
        out->raise = out->value_s != 0 ? ST_RAISE_TO_VALUE : ST_RAISE_NOTHING;
    } else {
        out->raise = n->explain & ST_EX_UNTIMED ? ST_RAISE_ABOVE_STALL : ST_RAISE_FROM_TIMED;
    }
}

static st_fix fix_for_cause(const st_note *n)
{
    switch ((st_cause)n->cause) {
    case ST_CAUSE_DNS_LOOKUP:      return ST_FIX_SENDER_DNS;
    case ST_CAUSE_CLIENT_IDLE:     return n->explain & ST_EX_POOLED ? ST_FIX_SENDER_POOL : ST_FIX_SENDER;
    case ST_CAUSE_MTU_BLACKHOLE:   return ST_FIX_PATH_MTU;
    case ST_CAUSE_ZERO_WINDOW:     return ST_FIX_SERVER_READING;
    case ST_CAUSE_PACKET_LOSS:     return ST_FIX_PATH_LOSS;
    case ST_CAUSE_TLS_STALL:       return ST_FIX_TLS;
    case ST_CAUSE_SMTP_INSPECTION: return ST_FIX_INSPECTION;
    case ST_CAUSE_SERVER_SLOW:     return ST_FIX_SERVER_SLOW;
    default:
        if (n->reply.cls == ST_CLASS_TIMEOUT)
            return ST_FIX_SENDER_UNTIMED;
        return n->reply.cls != ST_CLASS_NONE ? ST_FIX_BY_CLASS : ST_FIX_NONE;
    }
}

void st_advise(const st_note *n, st_advice *out)
{
    memset(out, 0, sizeof(*out));
    if (!(n->has & ST_HAS_EXPLANATION))
        return;
    out->in_body = n->after == ST_AFTER_DATA || n->after == ST_AFTER_BDAT;
    advise_raise(n, out);
    if (st_timer_is_stress(n->timer))
        out->fix = ST_FIX_SERVER_STRESS;
    else if (n->gave_up == ST_GAVE_UP_MIDDLEBOX)
        out->fix = ST_FIX_MIDDLEBOX;
    else
        out->fix = fix_for_cause(n);
}
