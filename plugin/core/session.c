/* session.c: one SMTP session followed frame by frame, findings out
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "session.h"

#include <string.h>

#include <glib.h>

#include "explain.h"

enum {
    ST_S_SYNCED         = 1u << 0, /* we know who must speak next */
    ST_S_BANNER_PENDING = 1u << 1, /* connected, no 220 yet */
    ST_S_IN_BODY        = 1u << 2, /* after 354, until the reply to "." */
    ST_S_OPAQUE         = 1u << 3, /* after 220 to STARTTLS: commands are encrypted */
    ST_S_OPAQUE_SPOKE   = 1u << 4, /* the client began its TLS handshake */
    ST_S_AUTH_REPLY     = 1u << 5, /* after 334: the next client line answers it */
    ST_S_ENDED          = 1u << 6, /* 221 sent: silence and resets are expected */
};

enum {
    ST_S2_INSPECTED     = 1u << 0, /* a firewall rewrites the dialogue */
    ST_S2_WINDOW_CLOSED = 1u << 1, /* the server advertises a zero window */
    ST_S2_START_KNOWN   = 1u << 2, /* the last payload was read in step: intervals from it are real */
    ST_S2_SPOKE_AFTER   = 1u << 3, /* the server answered again after its ending reply */
};

#define FULL_SIZE_MIN 1000         /* a body segment near the path's MSS */
#define BOTH_RESETS_NS 1000000000  /* resets from both ends within a second */

/* Bits of fin_seen besides the per-side FIN bits (1 << side). */
enum {
    ST_M_SEQ_CLIENT   = 1u << 3,
    ST_M_SEQ_SERVER   = 1u << 4,
    ST_M_RST          = 1u << 5,
    ST_M_LATE_NOTED   = 1u << 6,
    ST_M_RST_NOTED    = 1u << 7,
};

static unsigned dir_index(st_side side)
{
    return side == ST_SIDE_SERVER ? 1 : 0;
}

static uint8_t seq_mark(st_side side)
{
    return side == ST_SIDE_SERVER ? ST_M_SEQ_SERVER : ST_M_SEQ_CLIENT;
}

void st_session_init(st_session *s)
{
    memset(s, 0, sizeof(*s));
    s->server_timeout_ns = -1;
}

/* The code of a reply line, or 0. */
static unsigned line_code(const st_line *line)
{
    const char *t = line->text;

    if (line->len < 3 || !g_ascii_isdigit(t[0]) || !g_ascii_isdigit(t[1]) || !g_ascii_isdigit(t[2]))
        return 0;
    return (unsigned)((t[0] - '0') * 100 + (t[1] - '0') * 10 + (t[2] - '0'));
}

/* ---- the queue of commands awaiting a reply (pipelining) ---- */

static unsigned pending_total(const st_session *s)
{
    return (unsigned)s->pending_count + s->pending_lost;
}

static void pending_push(st_session *s, st_after verb)
{
    if (s->pending_count == ST_PENDING_MAX) {
        /* Keep the newest: the state-changing command of a pipelined group
         * (DATA, STARTTLS, EHLO, QUIT) is always its last one. */
        s->pending_head = (uint8_t)((s->pending_head + 1) % ST_PENDING_MAX);
        s->pending_count--;
        if (s->pending_lost < UINT16_MAX)
            s->pending_lost++;
    }
    s->pending[(s->pending_head + s->pending_count) % ST_PENDING_MAX] = (uint8_t)verb;
    s->pending_count++;
}

static st_after pending_peek(const st_session *s)
{
    if (s->pending_lost > 0 || s->pending_count == 0)
        return ST_AFTER_NONE;
    return (st_after)s->pending[s->pending_head];
}

static st_after pending_pop(st_session *s)
{
    st_after verb = pending_peek(s);

    if (s->pending_lost > 0) {
        s->pending_lost--;
    } else if (s->pending_count > 0) {
        s->pending_head = (uint8_t)((s->pending_head + 1) % ST_PENDING_MAX);
        s->pending_count--;
    }
    return verb;
}

/* ---- who must speak next ---- */

/* The server owes its greeting, or a reply to a command whose data (a BDAT
 * chunk) it has all received. */
static bool server_owes(const st_session *s)
{
    return s->flags & ST_S_BANNER_PENDING || (s->bdat_left == 0 && pending_total(s) > 0);
}

static st_side expected_speaker(const st_session *s)
{
    if (!(s->flags & ST_S_SYNCED) || s->flags & ST_S_ENDED)
        return ST_SIDE_NONE;
    if (s->flags & ST_S_OPAQUE)
        return s->flags & ST_S_OPAQUE_SPOKE ? ST_SIDE_NONE : ST_SIDE_CLIENT;
    return server_owes(s) ? ST_SIDE_SERVER : ST_SIDE_CLIENT;
}

/* What the silent side was busy with: the command it owes a reply to, or
 * the last one the server answered. */
static st_after waiting_after(const st_session *s, st_side silent)
{
    if (silent == ST_SIDE_SERVER)
        return s->flags & ST_S_BANNER_PENDING ? ST_AFTER_CONNECT : pending_peek(s);
    return s->bdat_left > 0 ? ST_AFTER_BDAT : (st_after)s->after;
}

static bool counts_message_bytes(st_after after)
{
    return after == ST_AFTER_DATA || after == ST_AFTER_END_OF_MESSAGE || after == ST_AFTER_BDAT;
}

static int64_t elapsed(int64_t from, int64_t to)
{
    return to > from ? to - from : 0;
}

/* Fill in the interval that ends at this frame: since the last payload. */
static void note_interval(const st_session *s, const st_segment *seg, st_side silent, st_after after,
                          st_note *n)
{
    if (after != ST_AFTER_NONE) {
        n->has |= ST_HAS_AFTER;
        n->after = (uint8_t)after;
        if (counts_message_bytes(after)) {
            n->has |= ST_HAS_DATA_BYTES;
            n->data_bytes = s->data_bytes;
        }
    }
    n->silent_side = (uint8_t)silent;
    /* A capture that begins inside a silence, or a frame read out of step
     * (a keep-alive first, a cut frame), shows no real start of it. */
    if (s->last_payload_frame != 0 && s->flags2 & ST_S2_START_KNOWN) {
        n->has |= ST_HAS_IDLE | ST_HAS_IDLE_START;
        n->idle_ns = elapsed(s->last_payload_ts, seg->ts_ns);
        n->idle_start_frame = s->last_payload_frame;
    }
}

/* The server gave up waiting: remember the interval for the late data. */
static void note_server_timeout(st_session *s, st_note *n)
{
    n->has |= ST_HAS_SERVER_TIMEOUT;
    n->server_timeout_ns = n->idle_ns;
    s->server_timeout_ns = n->idle_ns;
    s->timeout_start_ts = s->last_payload_ts;
    s->timeout_start_frame = s->last_payload_frame;
}

static bool server_closed(const st_session *s)
{
    return s->closed_by == ST_SIDE_SERVER || (s->reply_frame != 0 && !(s->flags2 & ST_S2_SPOKE_AFTER));
}

/* ---- evidence for explanations ---- */

static void gather(const st_session *s, const st_config *cfg, const st_segment *seg, int64_t from_ts,
                   st_evidence *ev)
{
    memset(ev, 0, sizeof(*ev));
    ev->retrans = s->iv_retrans;
    ev->retrans_full = s->iv_retrans_full;
    ev->zero_window_ns = s->zero_window_ns;
    if (s->flags2 & ST_S2_WINDOW_CLOSED)
        ev->zero_window_ns += elapsed(s->zero_window_ts, seg->ts_ns);
    ev->dns = st_dns_log_count(cfg->dns, seg->client_host, from_ts, seg->ts_ns);
    ev->inspected = s->flags2 & ST_S2_INSPECTED;
    ev->tls = s->flags & ST_S_OPAQUE;
}

static void explain(st_session *s, const st_config *cfg, const st_segment *seg, st_gave_up gave_up,
                    int64_t timed_ns, int64_t from_ts, st_note *n)
{
    st_evidence ev;

    gather(s, cfg, seg, from_ts, &ev);
    st_explain(n, gave_up, (st_mta)s->mta, timed_ns, &ev);
    s->explained_frame = seg->frame;
}

/* Retransmissions and window closures during a silence; a zero-window
 * probe is no speaking. */
static uint32_t watch_tcp(st_session *s, const st_segment *seg, uint32_t fresh)
{
    if (seg->from == ST_SIDE_SERVER && !(seg->tcp_flags & (ST_TCP_SYN | ST_TCP_RST)) && seg->tcp_flags & ST_TCP_ACK) {
        if (seg->window == 0 && !(s->flags2 & ST_S2_WINDOW_CLOSED)) {
            s->flags2 |= ST_S2_WINDOW_CLOSED;
            s->zero_window_ts = seg->ts_ns;
        } else if (seg->window != 0 && s->flags2 & ST_S2_WINDOW_CLOSED) {
            s->flags2 &= (uint8_t)~ST_S2_WINDOW_CLOSED;
            s->zero_window_ns += elapsed(s->zero_window_ts, seg->ts_ns);
        }
    }
    if (seg->from == ST_SIDE_CLIENT && fresh == 1 && s->flags2 & ST_S2_WINDOW_CLOSED)
        fresh = 0;
    if (fresh == 0 && seg->len > 1 && !(seg->tcp_flags & ST_TCP_SYN)) {
        if (s->iv_retrans < UINT16_MAX)
            s->iv_retrans++;
        if (seg->from == ST_SIDE_CLIENT && seg->len >= FULL_SIZE_MIN && seg->len + 64 >= s->max_client_seg &&
            s->iv_retrans_full < UINT16_MAX)
            s->iv_retrans_full++;
    }
    if (seg->from == ST_SIDE_CLIENT && fresh > 0 && seg->len > s->max_client_seg)
        s->max_client_seg = (uint16_t)(seg->len > UINT16_MAX ? UINT16_MAX : seg->len);
    return fresh;
}

static void new_interval(st_session *s)
{
    s->iv_retrans = 0;
    s->iv_retrans_full = 0;
    s->zero_window_ns = 0;
    if (s->flags2 & ST_S2_WINDOW_CLOSED)
        s->zero_window_ts = s->last_payload_ts;
}

/* A banner of asterisks (Cisco's mask-banner) or commands turned into X's:
 * both are how firewalls with SMTP inspection show in a capture. */
static bool masked(const char *text, size_t len, char mask, size_t min)
{
    size_t n = 0;

    for (size_t i = 0; i < len; i++) {
        char c = text[i];
        if (c == mask)
            n++;
        else if (!(c == '\r' || c == '\n' || c == ' ' || c == '\t' || (mask == '*' && (c == '0' || c == '2'))))
            return false;
    }
    return n >= min;
}

/* ---- replies ---- */

static void apply_answer(st_session *s, st_after verb, unsigned code, bool was_synced)
{
    if (verb == ST_AFTER_NONE || (!was_synced && verb == ST_AFTER_UNKNOWN))
        return;
    s->after = (uint8_t)verb;
    switch (verb) {
    case ST_AFTER_MAIL:
        s->data_bytes = 0;
        break;
    case ST_AFTER_END_OF_MESSAGE:
        s->flags &= (uint8_t)~ST_S_IN_BODY;
        break;
    case ST_AFTER_STARTTLS:
        if (code == 220)
            s->flags |= ST_S_OPAQUE;
        break;
    default:
        break;
    }
}

static void note_reply(st_session *s, const st_config *cfg, const st_segment *seg, const st_reply *r,
                       bool synced, bool owing, st_after answered, st_note *n)
{
    st_side silent = !synced ? ST_SIDE_NONE : owing ? ST_SIDE_SERVER : ST_SIDE_CLIENT;

    n->findings |= ST_FIND_REPLY;
    n->reply_class = (uint8_t)st_classify_reply(r);
    n->reply_code = (uint16_t)r->code;
    memcpy(n->reply_status, r->status, sizeof(n->reply_status));
    n->reply_text = r->text;
    n->reply_text_len = r->text_len;
    note_interval(s, seg, silent, owing ? answered : waiting_after(s, ST_SIDE_CLIENT), n);
    /* A shutdown, a refusal or a full server may speak up during a pause
     * of the client's too: only a timeout reply says its wait ran out. */
    if (silent == ST_SIDE_CLIENT && n->has & ST_HAS_IDLE && n->idle_ns >= cfg->min_timeout_ns &&
        n->reply_class == ST_CLASS_TIMEOUT)
        note_server_timeout(s, n);
    explain(s, cfg, seg, ST_GAVE_UP_SERVER,
            n->has & ST_HAS_SERVER_TIMEOUT ? n->server_timeout_ns : n->has & ST_HAS_IDLE ? n->idle_ns : -1,
            s->last_payload_ts, n);
    s->ending = ST_END_REPLY;
    s->reply_class = n->reply_class;
    s->reply_frame = seg->frame;
    s->reply_ts = seg->ts_ns;
    s->reply_code = (uint16_t)r->code;
}

static bool on_reply(st_session *s, const st_config *cfg, const st_segment *seg, unsigned index, st_note *n)
{
    st_reply r;
    bool was_synced = s->flags & ST_S_SYNCED;
    bool owing;
    st_after answered;

    if (!st_reply_parse(seg->replies[index].text, seg->replies[index].len, &r))
        return false;
    if (s->reply_frame != 0 && seg->frame != s->reply_frame)
        s->flags2 |= ST_S2_SPOKE_AFTER; /* the session went on after all */
    if (s->mta == ST_MTA_UNKNOWN)
        s->mta = (uint8_t)st_recognise_mta(&r);
    if (r.code == 220 && masked(r.text, r.text_len, '*', 4))
        s->flags2 |= ST_S2_INSPECTED;
    if (!was_synced) {
        /* A capture that began mid-session: assume the replies in this frame
         * answer the newest commands, and forget older ones. */
        unsigned keep = seg->n_replies - index;
        while (pending_total(s) > keep)
            pending_pop(s);
        s->flags |= ST_S_SYNCED;
    }
    owing = server_owes(s);
    answered = s->flags & ST_S_BANNER_PENDING ? ST_AFTER_CONNECT : pending_peek(s);
    if (s->reply_frame == 0 && st_reply_ends_session(&r, was_synced && !owing))
        note_reply(s, cfg, seg, &r, was_synced, owing, answered, n);

    if (s->flags & ST_S_BANNER_PENDING) {
        s->flags &= (uint8_t)~ST_S_BANNER_PENDING;
        s->after = ST_AFTER_CONNECT;
    } else if (owing) {
        apply_answer(s, pending_pop(s), r.code, was_synced);
    }
    if (r.code == 354) {
        s->flags |= ST_S_IN_BODY;
        s->after = ST_AFTER_DATA;
        s->data_bytes = 0;
    } else if (r.code == 334) {
        s->flags |= ST_S_AUTH_REPLY;
        s->after = ST_AFTER_AUTH;
    } else if (r.code == 221) {
        s->flags |= ST_S_ENDED;
    }
    return true;
}

/* ---- commands and message bytes ---- */

static void on_client_bytes(st_session *s, const st_segment *seg, uint32_t fresh)
{
    uint64_t command_bytes = 0;
    uint64_t content;

    if (seg->eom && s->flags & ST_S_IN_BODY)
        pending_push(s, ST_AFTER_END_OF_MESSAGE);
    for (unsigned i = 0; i < seg->n_commands; i++) {
        const st_line *line = &seg->commands[i];
        st_after verb = st_command_verb(line->text, line->len);
        uint64_t size;

        command_bytes += line->len;
        if (masked(line->text, line->len, 'X', 4))
            s->flags2 |= ST_S2_INSPECTED;
        if (s->flags & ST_S_AUTH_REPLY) {
            verb = ST_AFTER_AUTH;
            s->flags &= (uint8_t)~ST_S_AUTH_REPLY;
        }
        /* Pipelined chunks follow one another: the server waits for all. */
        if (verb == ST_AFTER_BDAT && st_bdat_size(line->text, line->len, &size))
            s->bdat_left = size > UINT64_MAX - s->bdat_left ? UINT64_MAX : s->bdat_left + size;
        pending_push(s, verb);
    }
    content = fresh > command_bytes ? fresh - command_bytes : 0;
    if (s->bdat_left > 0) {
        uint64_t used = content < s->bdat_left ? content : s->bdat_left;
        s->bdat_left -= used;
        s->data_bytes += used;
    } else if (s->flags & ST_S_IN_BODY && seg->n_commands == 0) {
        s->data_bytes += content;
    }
}

/* New payload bytes in this segment: retransmissions, duplicates and
 * keep-alives carry none, and do not count as the sender speaking. */
static uint32_t fresh_bytes(st_session *s, const st_segment *seg)
{
    unsigned d = dir_index(seg->from);
    uint32_t end = seg->seq + seg->len;
    int32_t ahead;

    if (seg->tcp_flags & ST_TCP_SYN) {
        s->next_seq[d] = end + 1;
        s->fin_seen |= seq_mark(seg->from);
        return seg->len;
    }
    if (!(s->fin_seen & seq_mark(seg->from))) {
        s->next_seq[d] = end;
        s->fin_seen |= seq_mark(seg->from);
        return seg->len;
    }
    ahead = (int32_t)(end - s->next_seq[d]);
    if (ahead <= 0)
        return 0;
    s->next_seq[d] = end;
    return (uint32_t)ahead < seg->len ? (uint32_t)ahead : seg->len;
}

/* ---- closes and resets ---- */

static void on_fin(st_session *s, const st_config *cfg, const st_segment *seg, st_side expected, st_note *n)
{
    uint8_t bit = (uint8_t)(1u << seg->from);

    if (s->fin_seen & bit)
        return; /* a retransmitted FIN: the close is the first one */
    s->fin_seen |= bit;
    if (s->closed_by != ST_SIDE_NONE)
        return;
    s->closed_by = (uint8_t)seg->from;
    s->close_frame = seg->frame;
    s->close_ts = seg->ts_ns;
    if (seg->from != ST_SIDE_SERVER || s->reply_frame != 0 || expected != ST_SIDE_CLIENT)
        return;
    if (s->last_payload_frame == 0 || !(s->flags2 & ST_S2_START_KNOWN) ||
        elapsed(s->last_payload_ts, seg->ts_ns) < cfg->min_timeout_ns)
        return;
    n->findings |= ST_FIND_SILENT_CLOSE;
    note_interval(s, seg, ST_SIDE_CLIENT, waiting_after(s, ST_SIDE_CLIENT), n);
    note_server_timeout(s, n);
    explain(s, cfg, seg, ST_GAVE_UP_SERVER, n->server_timeout_ns, s->last_payload_ts, n);
    s->ending = ST_END_SILENT_CLOSE;
}

static void note_close_reference(const st_session *s, const st_segment *seg, bool server_only, st_note *n)
{
    bool by_fin = server_only ? s->closed_by == ST_SIDE_SERVER : s->closed_by != ST_SIDE_NONE;

    n->has |= ST_HAS_CLOSE_FRAME | ST_HAS_SINCE_CLOSE;
    n->close_frame = by_fin ? s->close_frame : s->reply_frame;
    n->since_close_ns = elapsed(by_fin ? s->close_ts : s->reply_ts, seg->ts_ns);
    if (s->reply_frame != 0) {
        n->has |= ST_HAS_REPLY_FRAME;
        n->reply_frame = s->reply_frame;
        if (!(n->findings & ST_FIND_REPLY))
            n->reply_code = s->reply_code;
    }
}

/* A client between transactions that speaks again long after the server
 * closed: it kept the connection in a pool and came back to reuse it. */
static bool reuses_pooled(const st_session *s, const st_segment *seg)
{
    if (s->flags & ST_S_IN_BODY || seg->n_commands == 0)
        return false;
    switch ((st_after)s->after) {
    case ST_AFTER_END_OF_MESSAGE:
    case ST_AFTER_RSET:
    case ST_AFTER_HELO:
    case ST_AFTER_EHLO:
    case ST_AFTER_NOOP:
        return true;
    default:
        return false;
    }
}

static void on_late_data(st_session *s, const st_config *cfg, const st_segment *seg, uint32_t fresh, st_note *n)
{
    if (s->fin_seen & ST_M_LATE_NOTED)
        return;
    s->fin_seen |= ST_M_LATE_NOTED;
    n->findings |= ST_FIND_DATA_AFTER_CLOSE;
    n->late_bytes = fresh;
    note_close_reference(s, seg, true, n);
    if (s->timeout_start_frame != 0) {
        n->has |= ST_HAS_CLIENT_STALL | ST_HAS_EXCEEDED_BY | ST_HAS_SERVER_TIMEOUT | ST_HAS_IDLE_START;
        n->client_stall_ns = elapsed(s->timeout_start_ts, seg->ts_ns);
        n->server_timeout_ns = s->server_timeout_ns;
        n->exceeded_by_ns = elapsed(s->server_timeout_ns, n->client_stall_ns);
        n->idle_start_frame = s->timeout_start_frame;
        if (n->after == ST_AFTER_NONE && s->after != ST_AFTER_NONE)
            n->after = s->after;
        explain(s, cfg, seg, ST_GAVE_UP_SERVER, s->server_timeout_ns, s->timeout_start_ts, n);
        n->explain |= ST_EX_STALL;
        if (reuses_pooled(s, seg))
            n->explain |= ST_EX_POOLED;
    }
}

static void on_rst(st_session *s, const st_segment *seg, st_note *n)
{
    /* After QUIT and 221, or once both sides sent FIN with no 421, a reset
     * is how some clients close (SO_LINGER 0): worth a chat, no warning. */
    bool normal_end = s->flags & ST_S_ENDED || ((s->fin_seen & 0x06) == 0x06 && s->reply_frame == 0);

    s->fin_seen |= ST_M_RST;
    if (s->fin_seen & ST_M_RST_NOTED)
        return;
    if (!normal_end && s->closed_by == ST_SIDE_NONE && s->reply_frame == 0)
        return; /* a plain reset: TCP's own expert info says it */
    s->fin_seen |= ST_M_RST_NOTED;
    n->findings |= normal_end ? ST_FIND_RST_AFTER_END : ST_FIND_RST_AFTER_CLOSE;
    n->rst_from = (uint8_t)seg->from;
    if (!normal_end || s->closed_by != ST_SIDE_NONE)
        note_close_reference(s, seg, false, n);
}

/* ---- one frame ---- */

static bool says_quit(const st_segment *seg)
{
    for (unsigned i = 0; i < seg->n_commands; i++) {
        if (st_command_verb(seg->commands[i].text, seg->commands[i].len) == ST_AFTER_QUIT)
            return true;
    }
    return false;
}

/* A silence that a close, a reset or a QUIT ends: someone gave up. */
static void explain_gap(st_session *s, const st_config *cfg, const st_segment *seg, bool fin, bool rst,
                        st_side silent, st_note *gap)
{
    st_gave_up who;
    int64_t since = s->last_payload_ts;

    if (rst) {
        bool both = s->fin_seen & ST_M_RST && s->rst_from != seg->from &&
                    elapsed(s->rst_ts, seg->ts_ns) <= BOTH_RESETS_NS;
        st_note probe = *gap;
        st_evidence none;

        memset(&none, 0, sizeof(none));
        st_explain(&probe, ST_GAVE_UP_MIDDLEBOX, ST_MTA_UNKNOWN, gap->idle_ns, &none);
        if (both || probe.timer != 0)
            who = ST_GAVE_UP_MIDDLEBOX;
        else
            who = seg->from == ST_SIDE_CLIENT ? ST_GAVE_UP_CLIENT : ST_GAVE_UP_SERVER;
        explain(s, cfg, seg, who, gap->idle_ns, since, gap);
        if (both)
            gap->explain |= ST_EX_BOTH_RESET;
        s->ending = who == ST_GAVE_UP_MIDDLEBOX ? ST_END_MIDDLEBOX
                  : who == ST_GAVE_UP_CLIENT ? ST_END_CLIENT_GAVE_UP : ST_END_RESET;
        return;
    }
    if (seg->from != ST_SIDE_CLIENT || !(fin || (silent == ST_SIDE_SERVER && says_quit(seg))))
        return; /* the dialogue goes on, or the server's close is judged by on_fin */
    /* A client that closes its own idle connection between commands waited
     * for nothing; one that stops in the middle of a body gave up on it. */
    if (silent == ST_SIDE_CLIENT && !(s->flags & ST_S_IN_BODY) && s->bdat_left == 0)
        return;
    explain(s, cfg, seg, ST_GAVE_UP_CLIENT, gap->idle_ns, since, gap);
    if (s->ending == ST_END_NONE)
        s->ending = ST_END_CLIENT_GAVE_UP;
}

static bool was_used(const st_session *s)
{
    return s->data_bytes != 0 || s->after != ST_AFTER_NONE || s->fin_seen & (ST_M_RST | 0x06);
}

bool st_session_restarts(const st_session *s, const st_segment *seg)
{
    return seg->from == ST_SIDE_CLIENT && (seg->tcp_flags & (ST_TCP_SYN | ST_TCP_ACK)) == ST_TCP_SYN && was_used(s);
}

void st_session_ending(const st_session *s, char *buf, size_t size)
{
    const char *text;

    switch ((st_ending)s->ending) {
    case ST_END_REPLY:
        g_snprintf(buf, (gulong)size, "%u %s", s->reply_code, st_reply_class_name((st_reply_class)s->reply_class));
        return;
    case ST_END_SILENT_CLOSE:   text = "silent close"; break;
    case ST_END_CLIENT_GAVE_UP: text = "client gave up"; break;
    case ST_END_MIDDLEBOX:      text = "middlebox reset"; break;
    case ST_END_RESET:          text = "reset"; break;
    default:
        if (s->flags & ST_S_ENDED || s->closed_by != ST_SIDE_NONE)
            text = "ok";
        else if (s->fin_seen & ST_M_RST)
            text = "reset";
        else
            text = "open";
        break;
    }
    g_strlcpy(buf, text, size);
}

static void start_connection(st_session *s, const st_segment *seg)
{
    if (was_used(s))
        st_session_init(s); /* the ports were reused for a new connection */
    s->flags |= ST_S_SYNCED | ST_S_BANNER_PENDING;
    s->flags2 |= ST_S2_START_KNOWN;
    /* The server owes its greeting from the handshake on. */
    s->last_payload_ts = seg->ts_ns;
    s->last_payload_frame = seg->frame;
}

static void note_idle_start(const st_note *n, const st_segment *seg, st_note *earlier, uint32_t *earlier_frame)
{
    if (!(n->has & ST_HAS_IDLE) || n->idle_start_frame == 0)
        return;
    if (!(n->findings & (ST_FIND_GAP | ST_FIND_SILENT_CLOSE)) && !(n->has & ST_HAS_SERVER_TIMEOUT))
        return;
    earlier->findings = ST_FIND_IDLE_START;
    earlier->silence_side = n->silent_side;
    earlier->silence_ns = n->idle_ns;
    earlier->silence_end_frame = seg->frame;
    *earlier_frame = n->idle_start_frame;
}

void st_session_feed(st_session *s, const st_config *cfg, const st_segment *seg,
                     st_note *here, st_note *earlier, uint32_t *earlier_frame)
{
    bool fresh_fin = seg->tcp_flags & ST_TCP_FIN && !(s->fin_seen & (1u << seg->from));
    bool rst = seg->tcp_flags & ST_TCP_RST;
    bool had_rst = s->fin_seen & ST_M_RST;
    bool closed = s->closed_by != ST_SIDE_NONE || s->reply_frame != 0;
    st_side expected;
    uint32_t fresh;
    st_note gap = { 0 };

    memset(here, 0, sizeof(*here));
    memset(earlier, 0, sizeof(*earlier));
    *earlier_frame = 0;
    if (seg->from != ST_SIDE_CLIENT && seg->from != ST_SIDE_SERVER)
        return;
    if (seg->tcp_flags & ST_TCP_SYN && seg->from == ST_SIDE_CLIENT && !(seg->tcp_flags & ST_TCP_ACK)) {
        start_connection(s, seg);
        s->first_frame = seg->frame;
        closed = false;
    } else if (seg->tcp_flags & ST_TCP_SYN && seg->from == ST_SIDE_SERVER && s->flags & ST_S_BANNER_PENDING) {
        s->last_payload_ts = seg->ts_ns;
        s->last_payload_frame = seg->frame;
    }
    if (s->first_frame == 0)
        s->first_frame = seg->frame;
    fresh = watch_tcp(s, seg, fresh_bytes(s, seg));
    expected = expected_speaker(s);

    if ((fresh > 0 || fresh_fin || rst) && !closed && s->last_payload_frame != 0 && expected != ST_SIDE_NONE &&
        s->flags2 & ST_S2_START_KNOWN && elapsed(s->last_payload_ts, seg->ts_ns) >= cfg->gap_threshold_ns) {
        gap.findings = ST_FIND_GAP;
        note_interval(s, seg, expected, waiting_after(s, expected), &gap);
        explain_gap(s, cfg, seg, fresh_fin, rst, expected, &gap);
    }
    if (seg->from == ST_SIDE_SERVER) {
        unsigned parsed = 0, first = 0;
        if (fresh == 0)
            first = seg->n_replies; /* sent again: its replies were read the first time */
        else if (s->open_reply != 0 && seg->n_replies > 0 && line_code(&seg->replies[0]) == s->open_reply)
            first = parsed = 1;     /* the rest of a reply that the last segment began */
        for (unsigned i = first; i < seg->n_replies; i++)
            parsed += on_reply(s, cfg, seg, i, here);
        if (fresh > 0)
            s->open_reply = seg->open_reply;
        if (fresh > 0 && parsed == 0 && !(s->flags & ST_S_OPAQUE)) {
            /* The server said something that is no SMTP reply (noise on port
             * 25, or bytes the SMTP dissector skipped): the dialogue state
             * is unknown, and the silence it ended may not be SMTP's. */
            s->flags &= (uint8_t)~(ST_S_SYNCED | ST_S_BANNER_PENDING | ST_S_AUTH_REPLY);
            gap.findings = 0;
        }
    } else if (fresh > 0) {
        bool owed_command = expected == ST_SIDE_CLIENT && s->bdat_left == 0 &&
                            !(s->flags & (ST_S_IN_BODY | ST_S_OPAQUE));
        if (server_closed(s))
            on_late_data(s, cfg, seg, fresh, here);
        else if (owed_command && seg->n_commands == 0)
            /* The client owed a command and sent bytes that hold none: a
             * line cut across segments, or commands the SMTP dissector did
             * not see (Wireshark 4.0 after BDAT).  Who must speak is
             * unknown until the next reply. */
            s->flags &= (uint8_t)~(ST_S_SYNCED | ST_S_BANNER_PENDING | ST_S_AUTH_REPLY);
        on_client_bytes(s, seg, fresh);
        if (s->flags & ST_S_OPAQUE)
            s->flags |= ST_S_OPAQUE_SPOKE;
    }
    if (seg->truncated && fresh > 0) {
        /* Replies or commands may be missing: who must speak is unknown
         * until the next reply that can be read. */
        s->flags &= (uint8_t)~(ST_S_SYNCED | ST_S_BANNER_PENDING | ST_S_AUTH_REPLY);
    }
    if (fresh_fin)
        on_fin(s, cfg, seg, expected, here);
    if (rst)
        on_rst(s, seg, here);
    if (fresh > 0) {
        s->last_payload_ts = seg->ts_ns;
        s->last_payload_frame = seg->frame;
        if (s->flags & ST_S_SYNCED)
            s->flags2 |= ST_S2_START_KNOWN;
        else
            s->flags2 &= (uint8_t)~ST_S2_START_KNOWN;
        new_interval(s);
    }
    if (rst && !had_rst) {
        s->rst_ts = seg->ts_ns;
        s->rst_from = (uint8_t)seg->from;
    }
    if (gap.findings != 0)
        st_note_merge(here, &gap);
    if (here->findings != 0) {
        here->has |= ST_HAS_MTA;
        here->mta = s->mta;
    }
    note_idle_start(here, seg, earlier, earlier_frame);
}
