/* tcp.c: the TCP rules of the session machine
 *
 * - new payload is what lies beyond the sender's last byte in order:
 *   retransmissions, duplicates and keep-alives carry none, and do not
 *   count as the sender speaking;
 * - bytes after a sequence hole are not in order: the receiver holds them
 *   (so does the core, by their range) until the hole is filled; a hole that
 *   its receiver never acknowledged is evidence that segments were lost,
 *   and one it acknowledged was only missed by the capture;
 * - payload sent again during a silence is evidence of loss, full-size
 *   segments sent again of an MTU black hole; a zero-window probe is no
 *   speaking; a closed window is evidence of a server that stopped reading;
 * - a side that speaks (payload or FIN) without acknowledging any byte of
 *   the other's newest run never heard that run: for what it says, the
 *   silence began before it (the body lost in an MTU black hole).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <string.h>

#include "tcp.h"

/* A body's "." line at the end of held bytes: clients end their body so. */
static bool ends_with_dot_line(const st_segment *seg)
{
    const uint8_t *p = seg->payload;
    uint32_t n = seg->len;

    if (p == NULL || n < 3 || seg->captured < seg->len || memcmp(p + n - 3, ".\r\n", 3) != 0)
        return false;
    return n == 3 || p[n - 4] == '\n';
}

/* A segment after a hole: the receiver holds its bytes, so do we (by
 * their range), and the hole is evidence until the receiver shows that it
 * got the missing bytes after all. */
static void hold(st_session *s, const st_config *cfg, const st_segment *seg, const st_direction *d)
{
    uint32_t hole = seg->seq - d->next_seq;
    st_session_ext *x;
    st_hold *h;

    if (hole > s->silence.hole) {
        s->silence.hole = hole;
        s->silence.hole_side = (uint8_t)seg->from;
    }
    if (seg->len == 0 || (x = state_ext(s, cfg)) == NULL)
        return;
    h = &x->hold[seg->from == ST_SIDE_SERVER];
    if (!h->held) {
        h->held = true;
        h->start = seg->seq;
        h->end = seg->seq + seg->len;
    } else if (seg->seq == h->end) {
        h->end += seg->len;
    } else if ((int32_t)(seg->seq + seg->len - h->end) > 0) {
        h->lost = true; /* a second hole: what lies beyond is not known */
        h->end = seg->seq + seg->len;
    }
    h->ends_eom = ends_with_dot_line(seg);
    h->ends_line = seg->payload != NULL && seg->captured >= seg->len && seg->len > 0 &&
                   seg->payload[seg->len - 1] == '\n';
}

/* The held bytes come in order once the sender's stream reaches them. */
static void release(st_session *s, st_direction *d, st_side side, st_frame *f)
{
    st_hold *h = s->ext != NULL ? &s->ext->hold[side == ST_SIDE_SERVER] : NULL;

    if (h == NULL || !h->held || (int32_t)(d->next_seq - h->start) < 0)
        return;
    if ((int32_t)(h->end - d->next_seq) > 0) {
        f->released = h->end - d->next_seq;
        d->next_seq = h->end;
    }
    f->released_eom = h->ends_eom && !h->lost;
    f->released_line = h->ends_line;
    f->released_lost = h->lost;
    memset(h, 0, sizeof(*h));
}

/* The receiver acknowledged bytes beyond a hole: the capture missed them,
 * the receiver did not, so they are no loss, and the stream goes on. */
static void missed_by_capture(st_session *s, const st_segment *seg, st_frame *f)
{
    st_side other = state_other(seg->from);
    st_direction *o = state_dir(s, other);
    st_hold *h = s->ext != NULL ? &s->ext->hold[other == ST_SIDE_SERVER] : NULL;

    if (!(seg->tcp_flags & ST_TCP_ACK) || !o->seq_known || (int32_t)(seg->ack - o->next_seq) <= 0)
        return;
    if (s->silence.hole_side == (uint8_t)other)
        s->silence.hole = 0;
    if (h != NULL && h->held) {
        o->next_seq = h->end;
        f->released_lost = true; /* the missing bytes are not at hand */
        memset(h, 0, sizeof(*h));
    }
}

/* New payload bytes of this segment, in order. */
static uint32_t fresh_bytes(st_session *s, const st_config *cfg, const st_segment *seg, st_frame *f)
{
    st_direction *d = state_dir(s, seg->from);
    uint32_t end = seg->seq + seg->len;
    int32_t ahead;

    if (seg->tcp_flags & ST_TCP_SYN || !d->seq_known) {
        d->next_seq = seg->tcp_flags & ST_TCP_SYN ? end + 1 : end;
        d->seq_known = true;
        return seg->len;
    }
    if ((int32_t)(seg->seq - d->next_seq) > 0) {
        hold(s, cfg, seg, d);
        return 0;
    }
    ahead = (int32_t)(end - d->next_seq);
    if (ahead <= 0)
        return 0;
    d->next_seq = end;
    release(s, d, seg->from, f);
    return (uint32_t)ahead < seg->len ? (uint32_t)ahead : seg->len;
}

/* The server's window closing and opening, for the zero-window cause. */
static void watch_window(st_session *s, const st_config *cfg, const st_segment *seg)
{
    st_session_ext *x = s->ext;

    if (seg->from != ST_SIDE_SERVER || seg->tcp_flags & (ST_TCP_SYN | ST_TCP_RST) || !(seg->tcp_flags & ST_TCP_ACK))
        return;
    if (seg->window == 0 && (x = state_ext(s, cfg)) != NULL && !x->window_closed) {
        x->window_closed = true;
        x->window_closed_ts = seg->ts_ns;
    } else if (seg->window != 0 && x != NULL && x->window_closed) {
        x->window_closed = false;
        x->window_closed_ns += state_elapsed(x->window_closed_ts, seg->ts_ns);
    }
}

/* Payload sent again during the silence is evidence of loss; full-size
 * segments sent again, of an MTU black hole.  A zero-window probe (one
 * byte while the window is closed) is no speaking. */
static uint32_t watch_retransmissions(st_session *s, const st_segment *seg, uint32_t fresh)
{
    st_silence *v = &s->silence;
    st_direction *d = state_dir(s, seg->from);

    if (seg->from == ST_SIDE_CLIENT && fresh == 1 && s->ext != NULL && s->ext->window_closed)
        fresh = 0;
    if (fresh == 0 && seg->len > 1 && !(seg->tcp_flags & ST_TCP_SYN) && (int32_t)(seg->seq - d->next_seq) < 0) {
        if (v->retrans < UINT16_MAX)
            v->retrans++;
        if (seg->len >= ST_FULL_SIZE_MIN && seg->len + 64 >= d->max_seg && v->retrans_full < UINT16_MAX) {
            v->retrans_full++;
            if (v->hole == 0)
                v->hole_side = (uint8_t)seg->from; /* whose segments are lost, when no hole says it */
        }
    }
    if (fresh > 0 && seg->len > d->max_seg)
        d->max_seg = (uint16_t)(seg->len > UINT16_MAX ? UINT16_MAX : seg->len);
    return fresh;
}

/* The sender's newest run of payload begins: keep where the silence
 * stood before it, for a receiver that never hears it (the TLS layer keeps
 * its handshake's stage by the same fact).  Whether a run began. */
static bool begin_run(st_session *s, const st_segment *seg)
{
    st_silence *v = &s->silence;

    if (v->run_side == (uint8_t)seg->from)
        return false;
    v->run_side = (uint8_t)seg->from;
    v->run_seq = seg->seq;
    v->heard_ts = v->since_ts;
    v->heard_frame = v->since_frame;
    v->heard_known = v->start_known;
    return true;
}

/* The receiver never heard the run: for it, the silence is where it was
 * before (its flight lost in an MTU black hole is a flight still owed; the
 * TLS layer puts its stage back by the same fact). */
static void forget_run(st_session *s)
{
    st_silence *v = &s->silence;

    v->since_ts = v->heard_ts;
    v->since_frame = v->heard_frame;
    v->start_known = v->heard_known;
}

/* The other side's newest run of payload, and whether this segment shows
 * that its sender heard it. */
static bool judge_run(st_session *s, const st_segment *seg, bool speaks)
{
    st_silence *v = &s->silence;

    if (!(seg->tcp_flags & ST_TCP_ACK) || v->run_side == ST_SIDE_NONE || v->run_side == (uint8_t)seg->from)
        return false;
    if ((int32_t)(seg->ack - v->run_seq) > 0) {
        v->run_side = ST_SIDE_NONE; /* heard, at least in part */
        return false;
    }
    if (!speaks)
        return false;
    forget_run(s);
    v->run_side = ST_SIDE_NONE;
    return true;
}

void tcp_track(st_session *s, const st_config *cfg, const st_segment *seg, st_frame *f)
{
    st_direction *d = state_dir(s, seg->from);
    uint32_t fresh = fresh_bytes(s, cfg, seg, f);
    uint32_t skip = seg->len - fresh; /* bytes of this segment the stream had already */

    if (seg->tcp_flags & ST_TCP_ACK) {
        missed_by_capture(s, seg, f);
        d->ack = seg->ack;
        d->ack_known = true;
    }
    watch_window(s, cfg, seg);
    f->fresh = watch_retransmissions(s, seg, fresh);
    f->unheard = judge_run(s, seg, f->fresh > 0 || f->fin);
    f->run_began = f->fresh > 0 && begin_run(s, seg);
    f->offset = skip;
    f->readable = seg->captured > skip ? seg->captured - skip : 0;
    if (f->readable > f->fresh)
        f->readable = f->fresh;
}

/* ---- step: the last payload ---- */

/* New payload ends the silence and starts the next one; intervals from it
 * are real only when the dialogue was followed up to here. */
void tcp_mark_last_payload(st_session *s, const st_segment *seg)
{
    st_silence *v = &s->silence;

    v->since_ts = seg->ts_ns;
    v->since_frame = seg->frame;
    v->start_known = s->synced;
    v->retrans = 0;
    v->retrans_full = 0;
    v->hole = 0;
    if (s->ext != NULL) {
        s->ext->window_closed_ns = 0;
        if (s->ext->window_closed)
            s->ext->window_closed_ts = seg->ts_ns;
    }
}

