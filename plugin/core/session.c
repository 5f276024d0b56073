/* session.c: one SMTP session followed frame by frame, findings out
 *
 * The dispatcher: each frame goes through the same named steps, in an
 * order that is itself a rule (see st_session_feed).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "session.h"

#include <string.h>

#include "session_steps.h"

#define FULL_SIZE_MIN 1000         /* a body segment near the path's MSS */

void st_session_init(st_session *s)
{
    memset(s, 0, sizeof(*s));
    s->phase = ST_PHASE_UNSYNCED;
    s->timeout_ns = -1;
}

st_phase st_session_phase(const st_session *s)
{
    return s->synced ? (st_phase)s->phase : ST_PHASE_UNSYNCED;
}

static bool was_used(const st_session *s)
{
    return s->data_bytes != 0 || s->after != ST_AFTER_NONE || s->dir[0].rst || s->dir[1].rst || s->dir[0].fin ||
           s->dir[1].fin;
}

bool st_session_restarts(const st_session *s, const st_segment *seg)
{
    return seg->from == ST_SIDE_CLIENT && (seg->tcp_flags & (ST_TCP_SYN | ST_TCP_ACK)) == ST_TCP_SYN && was_used(s);
}

void st_session_summary(const st_session *s, st_summary *out)
{
    memset(out, 0, sizeof(*out));
    out->first_frame = s->first_frame;
    out->explained_frame = s->explained_frame;
    out->mta = s->mta;
    out->reply_code = s->close.reply_code;
    out->reply_class = s->close.reply_class;
    if (s->ending != ST_END_OPEN)
        out->ending = (st_ending)s->ending;
    else if (s->goodbye || s->close.closed_by != ST_SIDE_NONE)
        out->ending = ST_END_OK;
    else if (s->dir[0].rst || s->dir[1].rst)
        out->ending = ST_END_RESET;
    else
        out->ending = ST_END_OPEN;
}

/* ---- notes ---- */

static bool counts_message_bytes(st_after after)
{
    return after == ST_AFTER_DATA || after == ST_AFTER_END_OF_MESSAGE || after == ST_AFTER_BDAT;
}

void st_note_interval(const st_session *s, const st_segment *seg, st_side silent, st_after after, st_note *n)
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
        n->idle_ns = st_elapsed(s->silence.since_ts, seg->ts_ns);
        n->idle_start_frame = s->silence.since_frame;
    }
}

void st_note_server_timeout(st_session *s, st_note *n)
{
    n->has |= ST_HAS_SERVER_TIMEOUT;
    n->server_timeout_ns = n->idle_ns;
    s->timeout_ns = n->idle_ns;
    s->timeout_start_ts = s->silence.since_ts;
    s->timeout_start_frame = s->silence.since_frame;
}

void st_explain_note(st_session *s, const st_config *cfg, const st_segment *seg, st_gave_up gave_up,
                     int64_t timed_ns, int64_t from_ts, st_note *n)
{
    st_evidence ev;

    memset(&ev, 0, sizeof(ev));
    ev.retrans = s->silence.retrans;
    ev.retrans_full = s->silence.retrans_full;
    ev.zero_window_ns = s->silence.window_closed_ns;
    if (s->silence.window_closed)
        ev.zero_window_ns += st_elapsed(s->silence.window_closed_ts, seg->ts_ns);
    ev.dns = st_dns_log_count(cfg->dns, seg->client_host, from_ts, seg->ts_ns);
    ev.inspected = s->inspected;
    ev.tls = s->tls;
    st_explain(n, gave_up, (st_mta)s->mta, timed_ns, &ev);
    s->explained_frame = seg->frame;
}

/* ---- step: open the connection ---- */

/* A client's SYN starts the session (again, when the ports were reused):
 * the server owes its greeting from the handshake on, so the silence
 * starts there, and the server's SYN-ACK moves it on. */
static void open_connection(st_session *s, const st_segment *seg)
{
    bool syn = seg->tcp_flags & ST_TCP_SYN, ack = seg->tcp_flags & ST_TCP_ACK;

    if (syn && !ack && seg->from == ST_SIDE_CLIENT) {
        if (was_used(s))
            st_session_init(s);
        s->synced = true;
        s->phase = ST_PHASE_GREETING_OWED;
        s->silence.start_known = true;
        s->silence.since_ts = seg->ts_ns;
        s->silence.since_frame = seg->frame;
        s->first_frame = seg->frame;
    } else if (syn && seg->from == ST_SIDE_SERVER && s->synced && s->phase == ST_PHASE_GREETING_OWED) {
        s->silence.since_ts = seg->ts_ns;
        s->silence.since_frame = seg->frame;
    }
    if (s->first_frame == 0)
        s->first_frame = seg->frame;
}

/* ---- step: track TCP ---- */

/* New payload bytes in this segment: retransmissions, duplicates and
 * keep-alives carry none, and do not count as the sender speaking. */
static uint32_t fresh_bytes(st_direction *d, const st_segment *seg)
{
    uint32_t end = seg->seq + seg->len;
    int32_t ahead;

    if (seg->tcp_flags & ST_TCP_SYN) {
        d->next_seq = end + 1;
        d->seq_known = true;
        return seg->len;
    }
    if (!d->seq_known) {
        d->next_seq = end;
        d->seq_known = true;
        return seg->len;
    }
    ahead = (int32_t)(end - d->next_seq);
    if (ahead <= 0)
        return 0;
    d->next_seq = end;
    return (uint32_t)ahead < seg->len ? (uint32_t)ahead : seg->len;
}

/* The server's window closing and opening, for the zero-window cause. */
static void watch_window(st_silence *v, const st_segment *seg)
{
    if (seg->from != ST_SIDE_SERVER || seg->tcp_flags & (ST_TCP_SYN | ST_TCP_RST) || !(seg->tcp_flags & ST_TCP_ACK))
        return;
    if (seg->window == 0 && !v->window_closed) {
        v->window_closed = true;
        v->window_closed_ts = seg->ts_ns;
    } else if (seg->window != 0 && v->window_closed) {
        v->window_closed = false;
        v->window_closed_ns += st_elapsed(v->window_closed_ts, seg->ts_ns);
    }
}

/* Payload sent again during the silence is evidence of loss; full-size
 * client segments sent again, of an MTU black hole.  A zero-window probe
 * (one byte while the window is closed) is no speaking. */
static uint32_t watch_retransmissions(st_silence *v, const st_segment *seg, uint32_t fresh)
{
    if (seg->from == ST_SIDE_CLIENT && fresh == 1 && v->window_closed)
        fresh = 0;
    if (fresh == 0 && seg->len > 1 && !(seg->tcp_flags & ST_TCP_SYN)) {
        if (v->retrans < UINT16_MAX)
            v->retrans++;
        if (seg->from == ST_SIDE_CLIENT && seg->len >= FULL_SIZE_MIN && seg->len + 64 >= v->max_client_seg &&
            v->retrans_full < UINT16_MAX)
            v->retrans_full++;
    }
    if (seg->from == ST_SIDE_CLIENT && fresh > 0 && seg->len > v->max_client_seg)
        v->max_client_seg = (uint16_t)(seg->len > UINT16_MAX ? UINT16_MAX : seg->len);
    return fresh;
}

static uint32_t track_tcp(st_session *s, const st_segment *seg)
{
    uint32_t fresh = fresh_bytes(st_dir(s, seg->from), seg);

    watch_window(&s->silence, seg);
    return watch_retransmissions(&s->silence, seg, fresh);
}

/* ---- step: the last payload ---- */

/* New payload ends the silence and starts the next one; intervals from it
 * are real only when the dialogue was followed up to here. */
static void mark_last_payload(st_session *s, const st_segment *seg)
{
    st_silence *v = &s->silence;

    v->since_ts = seg->ts_ns;
    v->since_frame = seg->frame;
    v->start_known = s->synced;
    v->retrans = 0;
    v->retrans_full = 0;
    v->window_closed_ns = 0;
    if (v->window_closed)
        v->window_closed_ts = seg->ts_ns;
}

/* ---- step: detect a gap ---- */

/* A long silence that this frame's payload, FIN or reset ends, while one
 * side owed the next word and the dialogue was not over: a gap.  Server
 * bytes that are no SMTP end no gap: the silence may not be SMTP's. */
static bool detect_gap(st_session *s, const st_config *cfg, const st_segment *seg, const st_frame *f, st_note *gap)
{
    if (!(f->fresh > 0 || f->fin || f->rst) || f->over || f->expected == ST_SIDE_NONE)
        return false;
    if (s->silence.since_frame == 0 || !s->silence.start_known ||
        st_elapsed(s->silence.since_ts, seg->ts_ns) < cfg->gap_threshold_ns)
        return false;
    if (seg->from == ST_SIDE_SERVER && st_server_words_unreadable(s, seg, f->fresh))
        return false;
    gap->findings = ST_FIND_GAP;
    st_note_interval(s, seg, f->expected, st_waiting_after(s, f->expected), gap);
    st_explain_gap(s, cfg, seg, f, gap);
    return true;
}

/* ---- the frame ---- */

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

static void frame_facts(const st_session *s, const st_segment *seg, uint32_t fresh, st_frame *f)
{
    const st_direction *d = &s->dir[seg->from == ST_SIDE_SERVER ? 1 : 0];

    f->fresh = fresh;
    f->fin = seg->tcp_flags & ST_TCP_FIN && !d->fin;
    f->rst = seg->tcp_flags & ST_TCP_RST;
    f->had_rst = s->dir[0].rst || s->dir[1].rst;
    f->over = s->close.closed_by != ST_SIDE_NONE || s->close.reply_frame != 0;
    f->expected = st_expected_speaker(s);
    f->phase = (st_phase)s->phase;
}

/* The order of the steps is a rule: the frame's TCP evidence counts for
 * the silence it ends; a gap is judged by the state the frame found; the
 * words are read before the close is judged, so that a 421 and its FIN
 * in one frame read as a reply, then a close; the silence restarts last. */
void st_session_feed(st_session *s, const st_config *cfg, const st_segment *seg,
                     st_note *here, st_note *earlier, uint32_t *earlier_frame)
{
    st_frame f;
    st_note gap = { 0 };
    bool had_gap;

    memset(here, 0, sizeof(*here));
    memset(earlier, 0, sizeof(*earlier));
    *earlier_frame = 0;
    if (seg->from != ST_SIDE_CLIENT && seg->from != ST_SIDE_SERVER)
        return;
    open_connection(s, seg);
    frame_facts(s, seg, track_tcp(s, seg), &f);
    had_gap = detect_gap(s, cfg, seg, &f, &gap);
    if (seg->from == ST_SIDE_SERVER)
        st_read_server(s, cfg, seg, &f, here);
    else if (f.fresh > 0)
        st_read_client(s, cfg, seg, &f, here);
    if (seg->truncated && f.fresh > 0)
        st_lose_sync(s); /* replies or commands may be missing */
    if (f.fin)
        st_on_fin(s, cfg, seg, &f, here);
    if (f.rst)
        st_on_rst(s, seg, here);
    if (f.fresh > 0)
        mark_last_payload(s, seg);
    if (f.rst && !f.had_rst) {
        s->close.rst_ts = seg->ts_ns;
        s->close.rst_from = (uint8_t)seg->from;
    }
    if (had_gap)
        st_note_merge(here, &gap);
    if (here->findings != 0) {
        here->has |= ST_HAS_MTA;
        here->mta = s->mta;
    }
    note_idle_start(here, seg, earlier, earlier_frame);
}
