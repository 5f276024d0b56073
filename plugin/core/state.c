/* state.c: the session machine's shared state and helpers
 *
 * Under every layer: the extension few sessions need, and what writes an
 * interval, a server's timeout or an explanation into a note.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "state.h"

#include <string.h>

st_session_ext *state_ext(st_session *s, const st_config *cfg)
{
    if (s->ext == NULL && cfg->alloc != NULL)
        s->ext = (st_session_ext *)cfg->alloc(cfg->alloc_ctx, sizeof(*s->ext));
    if (s->ext != NULL && s->implicit_tls && s->ext->stage == ST_TLS_NONE)
        s->ext->stage = ST_TLS_CLIENT_HELLO;
    return s->ext;
}

static bool counts_message_bytes(st_after after)
{
    return after == ST_AFTER_DATA || after == ST_AFTER_END_OF_MESSAGE || after == ST_AFTER_BDAT;
}

void state_note_interval(const st_session *s, const st_segment *seg, st_side silent, st_after after, st_note *n)
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
    if (s->silence.since_frame != 0 && s->silence.start_known) {
        n->has |= ST_HAS_IDLE | ST_HAS_IDLE_START;
        n->idle_ns = state_elapsed(s->silence.since_ts, seg->ts_ns);
        n->idle_start_frame = s->silence.since_frame;
    }
}

void state_server_timed_out(st_session *s, int64_t idle_ns)
{
    s->timeout_ns = idle_ns;
    s->timeout_start_ts = s->silence.since_ts;
    s->timeout_start_frame = s->silence.since_frame;
}

void state_note_server_timeout(st_session *s, st_note *n)
{
    n->has |= ST_HAS_SERVER_TIMEOUT;
    n->server_timeout_ns = n->idle_ns;
    state_server_timed_out(s, n->idle_ns);
}

#define ANY_ENDING ((1u << ST_END_COUNT) - 1)

/* Which earlier endings each ending replaces.  The server's own ending
 * (its reply, its silent or encrypted close) and the verdict on a silence
 * that a reset ended (a middlebox's, the client's or the server's) stand
 * over anything before them; a client that gives up with a FIN, a QUIT or
 * its close ends only a session nothing else had ended: after the server
 * gave up, the client's close is part of that story.  ST_END_OK and
 * ST_END_OPEN are never written: the summary tells them from the close. */
static const uint16_t replaces[ST_END_COUNT] = {
    [ST_END_REPLY] = ANY_ENDING,
    [ST_END_SILENT_CLOSE] = ANY_ENDING,
    [ST_END_ENCRYPTED_TIMEOUT] = ANY_ENDING,
    [ST_END_MIDDLEBOX] = ANY_ENDING,
    [ST_END_RESET] = ANY_ENDING,
    [ST_END_CLIENT_GAVE_UP] = 1u << ST_END_OPEN,
};

void state_end(st_session *s, st_ending ending)
{
    if ((unsigned)ending < ST_END_COUNT && replaces[ending] & (1u << s->ending))
        s->ending = (uint8_t)ending;
}

void state_explain_note(st_session *s, const st_config *cfg, const st_segment *seg, st_gave_up gave_up,
                     int64_t timed_ns, int64_t from_ts, st_note *n)
{
    const st_session_ext *x = s->ext;
    st_evidence ev;

    memset(&ev, 0, sizeof(ev));
    ev.retrans = s->silence.retrans;
    ev.retrans_full = s->silence.retrans_full;
    ev.hole = s->silence.hole;
    ev.hole_side = (st_side)s->silence.hole_side;
    if (x != NULL) {
        ev.zero_window_ns = x->window_closed_ns;
        if (x->window_closed)
            ev.zero_window_ns += state_elapsed(x->window_closed_ts, seg->ts_ns);
        ev.tls_stage = (st_tls_stage)x->stage;
    }
    ev.dns = st_dns_log_count(cfg->dns, seg->client_host, from_ts, seg->ts_ns);
    ev.inspected = s->inspected;
    ev.tls = s->tls;
    ev.decrypted = s->decrypted;
    /* A client idle between transactions (after the reply to its end of
     * data, or to RSET) keeps its connection for the next message: a pool. */
    if (gave_up == ST_GAVE_UP_SERVER && n->silent_side == ST_SIDE_CLIENT &&
        (n->after == ST_AFTER_END_OF_MESSAGE || n->after == ST_AFTER_RSET))
        n->explain |= ST_EX_POOLED;
    st_explain(n, gave_up, (st_mta)s->mta, timed_ns, &ev);
    s->explained_frame = seg->frame;
}
