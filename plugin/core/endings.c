/* closing.c: FINs, resets and data after the close
 *
 * The rules, one per function:
 * - the close is the first FIN (a FIN sent again changes nothing), or the
 *   server's ending reply when no FIN came;
 * - a server that closes without a reply after the client was silent for
 *   at least the minimum timeout gave up on it: a silent close; during a
 *   TLS handshake, whoever owed the next flight, the server gave up on it;
 * - a server that sent records answering nothing after the client owed the
 *   next one for at least the minimum timeout, then closed, gave up on an
 *   encrypted session (without keys its 421 cannot be read);
 * - client data after the server closed is late: how long the client
 *   really stalled, and by how much it missed the server's timeout;
 * - a reset after a close is reported once; after QUIT and 221, once both
 *   sides sent FIN with no ending reply, or after a close_notify with no
 *   ending, it is how some clients close;
 * - a long silence ended by a reset, a client FIN or a QUIT tells who gave
 *   up: a middlebox (resets reaching both ends, or a known idle timer), the
 *   client, or the server.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "mta.h"
#include "endings.h"

#define BOTH_RESETS_NS INT64_C(1000000000) /* resets from both ends within a second */

bool end_server_closed(const st_session *s)
{
    return s->close.closed_by == ST_SIDE_SERVER || (s->close.reply_frame != 0 && !s->close.spoke_after_reply);
}

/* The ending records stand for a 421 that cannot be read. */
static bool encrypted_ending(const st_session *s)
{
    return tls_server_ended(s) && !s->decrypted;
}

static bool is_silent_close(const st_session *s, const st_config *cfg, const st_segment *seg, const st_frame *f)
{
    bool handshake = f->phase == ST_PHASE_TLS_HANDSHAKE && f->expected != ST_SIDE_NONE;

    if (seg->from != ST_SIDE_SERVER || s->close.reply_frame != 0 || !(f->expected == ST_SIDE_CLIENT || handshake))
        return false;
    return s->silence.since_frame != 0 && s->silence.start_known &&
           state_elapsed(s->silence.since_ts, seg->ts_ns) >= cfg->timer_floor_ns;
}

static void silent_close(st_session *s, const st_config *cfg, const st_segment *seg, const st_frame *f, st_note *n)
{
    n->findings |= ST_FIND_SILENT_CLOSE;
    state_note_interval(s, seg, f->expected, dlg_waiting_after(s, ST_SIDE_CLIENT), n);
    if (f->phase == ST_PHASE_TLS_HANDSHAKE)
        tls_stage_note(s, n);
    state_note_server_timeout(s, n);
    state_explain_note(s, cfg, seg, ST_GAVE_UP_SERVER, n->server_timeout_ns, s->silence.since_ts, n);
    state_end(s, ST_END_SILENT_CLOSE);
}

static void encrypted_close(st_session *s, const st_config *cfg, const st_segment *seg, st_note *n)
{
    n->findings |= ST_FIND_ENCRYPTED_CLOSE;
    n->has |= ST_HAS_IDLE_START;
    n->silent_side = ST_SIDE_CLIENT;
    n->idle_start_frame = s->timeout_start_frame;
    tls_ending_note(s, n);
    state_explain_note(s, cfg, seg, ST_GAVE_UP_SERVER, n->server_timeout_ns, s->timeout_start_ts, n);
    state_end(s, ST_END_ENCRYPTED_TIMEOUT);
}

void end_on_fin(st_session *s, const st_config *cfg, const st_segment *seg, const st_frame *f, st_note *n)
{
    state_dir(s, seg->from)->fin = true;
    if (s->dir[0].fin && s->dir[1].fin)
        s->phase = ST_PHASE_CLOSED;
    if (s->close.closed_by != ST_SIDE_NONE)
        return;
    s->close.closed_by = (uint8_t)seg->from;
    s->close.close_frame = seg->frame;
    s->close.close_ts = seg->ts_ns;
    if (seg->from == ST_SIDE_SERVER && encrypted_ending(s))
        encrypted_close(s, cfg, seg, n);
    else if (is_silent_close(s, cfg, seg, f))
        silent_close(s, cfg, seg, f, n);
}

/* Which close the finding refers to: the first FIN (the server's only,
 * when server_only), else the ending reply. */
static void note_close_reference(const st_session *s, const st_segment *seg, bool server_only, st_note *n)
{
    const st_close *c = &s->close;
    bool by_fin = server_only ? c->closed_by == ST_SIDE_SERVER : c->closed_by != ST_SIDE_NONE;

    n->has |= ST_HAS_CLOSE_FRAME | ST_HAS_SINCE_CLOSE;
    n->closed.frame = by_fin ? c->close_frame : c->reply_frame;
    n->closed.since_ns = state_elapsed(by_fin ? c->close_ts : c->reply_ts, seg->ts_ns);
    if (c->reply_frame != 0) {
        n->has |= ST_HAS_REPLY_FRAME;
        n->closed.reply_frame = c->reply_frame;
        if (!(n->findings & ST_FIND_REPLY))
            n->reply.code = c->reply_code;
    }
}

/* A client that speaks again long after the server closed, between
 * transactions (after the reply to its end of data, or to RSET): it kept
 * the connection in a pool and came back to reuse it. */
static bool reuses_pooled(const st_session *s, unsigned commands)
{
    return commands > 0 && (s->after == ST_AFTER_END_OF_MESSAGE || s->after == ST_AFTER_RSET);
}

/* Whether the server's close ended a wait for the client: a timeout
 * reply, a silent close, an encrypted ending. */
static bool close_ended_a_wait(const st_session *s)
{
    return s->timeout_ns >= 0 || s->ending == ST_END_SILENT_CLOSE || s->ending == ST_END_ENCRYPTED_TIMEOUT;
}

/* Client bytes that cross a close which ended no wait (the server closed
 * right after an error reply, the client's QUIT already on its way) are
 * how TCP ends, no late client: neither they nor the reset they draw are
 * findings.  Bytes that come later than the minimum timeout are late. */
static bool crossed_the_close(st_session *s, const st_config *cfg, const st_segment *seg)
{
    const st_close *c = &s->close;
    int64_t since = state_elapsed(c->closed_by == ST_SIDE_SERVER ? c->close_ts : c->reply_ts, seg->ts_ns);

    return !close_ended_a_wait(s) && since < cfg->timer_floor_ns;
}

void end_on_late_data(st_session *s, const st_config *cfg, const st_segment *seg, uint32_t bytes, unsigned commands,
                     st_note *n)
{
    if (s->close.late_noted)
        return;
    s->close.late_noted = true;
    if (crossed_the_close(s, cfg, seg)) {
        s->raced = true;
        return;
    }
    n->findings |= ST_FIND_DATA_AFTER_CLOSE;
    n->late_bytes = bytes;
    note_close_reference(s, seg, true, n);
    if (s->timeout_start_frame == 0)
        return;
    n->has |= ST_HAS_CLIENT_STALL | ST_HAS_EXCEEDED_BY | ST_HAS_SERVER_TIMEOUT | ST_HAS_IDLE_START;
    n->client_stall_ns = state_elapsed(s->timeout_start_ts, seg->ts_ns);
    n->server_timeout_ns = s->timeout_ns;
    n->exceeded_by_ns = state_elapsed(s->timeout_ns, n->client_stall_ns);
    n->idle_start_frame = s->timeout_start_frame;
    /* Without keys, the command the server gave up after is not known
     * once the handshake is over. */
    if (n->after == ST_AFTER_NONE && s->after != ST_AFTER_NONE &&
        !(s->tls && !s->decrypted && tls_stage(s) == ST_TLS_DONE))
        n->after = s->after;
    state_explain_note(s, cfg, seg, ST_GAVE_UP_SERVER, s->timeout_ns, s->timeout_start_ts, n);
    n->explain |= ST_EX_STALL;
    if (reuses_pooled(s, commands))
        n->explain |= ST_EX_POOLED;
}

/* Without keys, QUIT and 221 cannot be read: a client that resets the
 * connection right after the server's last record, when it owed the next
 * one, ends the session as clients do after 221 (SO_LINGER 0). */
static bool quick_client_reset(const st_session *s, const st_segment *seg, const st_config *cfg)
{
    return s->tls && !s->decrypted && seg->from == ST_SIDE_CLIENT && tls_stage(s) == ST_TLS_DONE &&
           tls_owes(s) == ST_SIDE_CLIENT && state_elapsed(s->silence.since_ts, seg->ts_ns) < cfg->timer_floor_ns;
}

/* A normal end: QUIT and 221; both FINs with no ending reply; a TLS
 * close_notify with no ending (the client's RST after the server's
 * close_notify is how many close), or the client's reset as above. */
static bool notified(const st_session *s)
{
    return tls_alerted(s);
}

bool end_normally(const st_session *s)
{
    bool no_ending = s->close.reply_frame == 0 && !encrypted_ending(s);
    bool quick = s->ext != NULL && s->ext->quick_reset;

    return s->goodbye || (no_ending && ((s->dir[0].fin && s->dir[1].fin) || (s->tls && (notified(s) || quick))));
}

void end_on_rst(st_session *s, const st_config *cfg, const st_segment *seg, st_note *n)
{
    const st_close *c = &s->close;
    bool normal_end;

    if (!s->close.rst_noted && quick_client_reset(s, seg, cfg))
        s->ext->quick_reset = true;
    normal_end = end_normally(s);
    state_dir(s, seg->from)->rst = true;
    if (c->rst_noted)
        return;
    if (!normal_end && c->closed_by == ST_SIDE_NONE && c->reply_frame == 0)
        return; /* a plain reset: TCP's own expert info says it */
    if (s->raced && seg->from == ST_SIDE_SERVER) {
        s->close.rst_noted = true; /* the answer to bytes that crossed the close */
        return;
    }
    s->close.rst_noted = true;
    n->findings |= normal_end ? ST_FIND_RST_AFTER_END : ST_FIND_RST_AFTER_CLOSE;
    n->rst_from = (uint8_t)seg->from;
    if (!normal_end || c->closed_by != ST_SIDE_NONE)
        note_close_reference(s, seg, false, n);
    else if (!s->goodbye)
        n->explain |= notified(s) ? ST_EX_NOTIFIED : ST_EX_QUICK_RESET; /* the records' end, not a 221 */
}

/* Resets reaching both ends at once. */
static bool resets_from_both(const st_session *s, const st_segment *seg, const st_frame *f)
{
    return f->had_rst && s->close.rst_from != seg->from && state_elapsed(s->close.rst_ts, seg->ts_ns) <= BOTH_RESETS_NS;
}

/* A reset after a long silence: resets reaching both ends at once, or one
 * at a known idle timer of a load balancer or firewall, are a middlebox's;
 * else the side that sent it gave up. */
static void explain_reset(st_session *s, const st_config *cfg, const st_segment *seg, const st_frame *f,
                          st_note *gap)
{
    bool both = resets_from_both(s, seg, f);
    bool idle_timer = st_timer_match(ST_GAVE_UP_MIDDLEBOX, ST_MTA_UNKNOWN, (st_after)gap->after, gap->idle_ns) != 0;
    st_gave_up who;

    if (both || idle_timer)
        who = ST_GAVE_UP_MIDDLEBOX;
    else
        who = seg->from == ST_SIDE_CLIENT ? ST_GAVE_UP_CLIENT : ST_GAVE_UP_SERVER;
    state_explain_note(s, cfg, seg, who, gap->idle_ns, s->silence.since_ts, gap);
    if (both)
        gap->explain |= ST_EX_BOTH_RESET;
    state_end(s, who == ST_GAVE_UP_MIDDLEBOX ? ST_END_MIDDLEBOX
                 : who == ST_GAVE_UP_CLIENT  ? ST_END_CLIENT_GAVE_UP
                                             : ST_END_RESET);
}

void end_explain_gap(st_session *s, const st_config *cfg, const st_segment *seg, const st_frame *f,
                    const st_words *w, st_note *gap)
{
    st_side silent = f->expected;

    if (f->rst) {
        explain_reset(s, cfg, seg, f, gap);
        return;
    }
    if (seg->from != ST_SIDE_CLIENT || !(f->fin || (silent == ST_SIDE_SERVER && w->quit)))
        return; /* the dialogue goes on, or the server's close is judged by end_on_fin */
    /* A client that closes its own idle connection between commands waited
     * for nothing; one that stops in the middle of a body gave up on it. */
    if (silent == ST_SIDE_CLIENT && f->phase != ST_PHASE_IN_BODY && f->phase != ST_PHASE_IN_BDAT)
        return;
    state_explain_note(s, cfg, seg, ST_GAVE_UP_CLIENT, gap->idle_ns, s->silence.since_ts, gap);
    state_end(s, ST_END_CLIENT_GAVE_UP);
}

/* Whether the client's FIN or reset ends its own wait for the server: the
 * server owed a word (its greeting, a reply, its TLS flight) for at least
 * the minimum timeout, nothing had ended the session, and no middlebox's
 * timer explains a reset. */
static bool client_gives_up(const st_session *s, const st_config *cfg, const st_segment *seg, const st_frame *f)
{
    int64_t idle = state_elapsed(s->silence.since_ts, seg->ts_ns);

    if (seg->from != ST_SIDE_CLIENT || !(f->fin || f->rst) || f->over || f->had_rst || f->expected != ST_SIDE_SERVER)
        return false;
    if (s->silence.since_frame == 0 || !s->silence.start_known || idle < cfg->timer_floor_ns)
        return false;
    return !(f->rst && st_timer_match(ST_GAVE_UP_MIDDLEBOX, ST_MTA_UNKNOWN,
                                      dlg_waiting_after(s, ST_SIDE_SERVER), idle) != 0);
}

/* A client that gives up however short its wait: a sender's own timer ran
 * out (Postfix's smtp_data_done_timeout, a library's socket timeout).
 * After its end of data the server may still deliver the message, and the
 * client, which never heard so, will send it again. */
void end_on_client_close(st_session *s, const st_config *cfg, const st_segment *seg, const st_frame *f, st_note *n)
{
    st_after after;

    if (!client_gives_up(s, cfg, seg, f))
        return;
    after = dlg_waiting_after(s, ST_SIDE_SERVER);
    n->findings |= ST_FIND_CLIENT_GAVE_UP;
    state_note_interval(s, seg, ST_SIDE_SERVER, after, n);
    if (f->rst)
        n->rst_from = ST_SIDE_CLIENT;
    if (f->phase == ST_PHASE_TLS_HANDSHAKE)
        tls_stage_note(s, n);
    state_explain_note(s, cfg, seg, ST_GAVE_UP_CLIENT, n->idle_ns, s->silence.since_ts, n);
    if (after == ST_AFTER_END_OF_MESSAGE)
        n->explain |= ST_EX_DUPLICATE;
    state_end(s, ST_END_CLIENT_GAVE_UP);
}
