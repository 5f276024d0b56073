/* session.c: one SMTP session followed frame by frame, findings out
 *
 * The dispatcher: each frame goes through the same named steps, in an
 * order that is itself a rule (see st_session_feed).  TCP's own rules are
 * tcp.c's.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "session.h"

#include <string.h>

#include "endings.h"
#include "tcp.h"
#include "smtp_line.h"

static void init_keeping(st_session *s, struct st_session_ext *ext, bool implicit_tls)
{
    memset(s, 0, sizeof(*s));
    s->phase = ST_PHASE_UNSYNCED;
    s->timeout_ns = -1;
    s->implicit_tls = implicit_tls;
    s->ext = ext;
    if (ext != NULL)
        memset(ext, 0, sizeof(*ext));
    if (implicit_tls)
        s->tls = true;
}

void st_session_init(st_session *s)
{
    init_keeping(s, NULL, false);
}

void st_session_init_tls(st_session *s)
{
    init_keeping(s, NULL, true);
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

bool st_session_over(const st_session *s)
{
    return (s->dir[0].fin && s->dir[1].fin) || s->dir[0].rst || s->dir[1].rst;
}

void st_session_summary(const st_session *s, st_summary *out)
{
    memset(out, 0, sizeof(*out));
    out->first_frame = s->first_frame;
    out->explained_frame = s->explained_frame;
    out->mta = s->mta;
    out->encrypted = s->tls;
    out->reply_code = s->close.reply_code;
    out->reply_class = s->close.reply_class;
    out->unread = (uint8_t)__builtin_popcount(s->unread_said);
    if (s->ending != ST_END_OPEN)
        out->ending = (st_ending)s->ending;
    else if (s->close.closed_by != ST_SIDE_NONE || end_normally(s))
        out->ending = ST_END_OK;
    else if (s->dir[0].rst || s->dir[1].rst)
        out->ending = ST_END_RESET;
    else
        out->ending = ST_END_OPEN;
}

/* ---- step: open the connection ---- */

/* A client's SYN starts the session (again, when the ports were reused):
 * the server owes its greeting (or, on a TLS port, the client its
 * ClientHello) from the handshake on, so the silence starts there, and the
 * server's SYN-ACK moves it on. */
static void open_connection(st_session *s, const st_config *cfg, const st_segment *seg)
{
    bool syn = seg->tcp_flags & ST_TCP_SYN, ack = seg->tcp_flags & ST_TCP_ACK;

    if (syn && !ack && seg->from == ST_SIDE_CLIENT) {
        if (was_used(s))
            init_keeping(s, s->ext, s->implicit_tls);
        s->synced = true;
        s->phase = ST_PHASE_GREETING_OWED;
        if (s->implicit_tls)
            tls_begin(s, cfg);
        s->silence.start_known = true;
        s->silence.since_ts = seg->ts_ns;
        s->silence.since_frame = seg->frame;
        s->first_frame = seg->frame;
    } else if (syn && seg->from == ST_SIDE_SERVER && s->synced &&
               (s->phase == ST_PHASE_GREETING_OWED || (s->implicit_tls && s->phase == ST_PHASE_TLS_HANDSHAKE))) {
        s->silence.since_ts = seg->ts_ns;
        s->silence.since_frame = seg->frame;
    }
    if (s->first_frame == 0)
        s->first_frame = seg->frame;
}

/* ---- step: read the words ---- */

/* Bytes that came in order after a hole, without their contents: a body
 * goes on by their count; anything else can no longer be followed. */
static void read_released(st_session *s, const st_frame *f)
{
    if (f->released == 0 && !f->released_lost)
        return;
    if (s->phase == ST_PHASE_IN_BODY && !f->released_lost) {
        s->data_bytes += f->released_eom && f->released >= 3 ? f->released - 3 : f->released;
        s->dir[0].line_start = f->released_line;
        s->dir[0].dot = 0;
        if (f->released_eom)
            dlg_end_body(s);
        return;
    }
    if (f->released_lost)
        state_mark_unread(s, ST_UNREAD_HOLE);
    dlg_lose_sync(s);
}

static void read_plain(st_session *s, const st_config *cfg, const st_segment *seg, const uint8_t *data, size_t n,
                       bool cut, const uint32_t *seq, st_words *w, st_note *here)
{
    if (seg->from == ST_SIDE_SERVER)
        dlg_read_server(s, cfg, seg, data, n, cut, w, here);
    else
        dlg_read_client(s, cfg, data, n, cut, seq, w);
}

/* The frame's new bytes: SMTP in clear, or TLS records (and what the front
 * end decrypted of them, and SMTP in clear among them). */
static void read_words(st_session *s, const st_config *cfg, const st_segment *seg, const st_frame *f, st_words *w,
                       st_note *here)
{
    const uint8_t *data = seg->payload != NULL ? seg->payload + f->offset : NULL;
    bool cut = f->readable < f->fresh;
    uint32_t seq = seg->seq + f->offset;
    size_t plain_at;

    if (f->fresh > f->readable)
        w->words = true; /* bytes the capture cut: they were said, whatever they were */
    if (f->fresh == 0 || data == NULL)
        return;
    if (!s->tls) {
        read_plain(s, cfg, seg, data, f->readable, cut, &seq, w, here);
        return;
    }
    tls_read_records(s, cfg, seg, data, f->readable, &plain_at, w);
    if (plain_at < f->readable) {
        seq += (uint32_t)plain_at;
        read_plain(s, cfg, seg, data + plain_at, f->readable - plain_at, cut, &seq, w, here);
    }
    if (seg->decrypted != NULL && seg->decrypted_len > 0) {
        if (!s->decrypted)
            dlg_restart_inside_tls(s);
        read_plain(s, cfg, seg, seg->decrypted, seg->decrypted_len, false, NULL, w, here);
    }
}

/* ---- step: detect a gap ---- */

/* A long silence that this frame's payload, FIN or reset ends, while one
 * side owed the next word and the dialogue was not over: a gap, measured
 * by the state the frame found. */
static bool measure_gap(const st_session *s, const st_config *cfg, const st_segment *seg, const st_frame *f,
                        st_note *gap)
{
    if (!(f->fresh > 0 || f->fin || f->rst) || f->over || f->expected == ST_SIDE_NONE)
        return false;
    if (s->silence.since_frame == 0 || !s->silence.start_known ||
        state_elapsed(s->silence.since_ts, seg->ts_ns) < cfg->gap_threshold_ns)
        return false;
    st_note_clear(gap);
    gap->findings = ST_FIND_GAP;
    state_note_interval(s, seg, f->expected, dlg_waiting_after(s, f->expected), gap);
    return true;
}

/* ---- the frame ---- */

static void note_idle_start(const st_note *n, const st_segment *seg, st_note *earlier, uint32_t *earlier_frame)
{
    if (!(n->has & ST_HAS_IDLE) || n->idle_start_frame == 0)
        return;
    if (!(n->findings & (ST_FIND_GAP | ST_FIND_SILENT_CLOSE)) && !(n->has & ST_HAS_SERVER_TIMEOUT))
        return;
    st_note_clear(earlier);
    earlier->findings = ST_FIND_IDLE_START;
    earlier->begins.side = n->silent_side;
    earlier->begins.ns = n->idle_ns;
    earlier->begins.until_frame = seg->frame;
    *earlier_frame = n->idle_start_frame;
}

/* Who owes the next word, and in which phase, as the frame finds it. */
static void read_expectation(const st_session *s, st_frame *f)
{
    f->expected = dlg_expected_speaker(s);
    f->phase = (st_phase)s->phase;
}

static void frame_facts(const st_session *s, const st_segment *seg, st_frame *f)
{
    const st_direction *d = &s->dir[seg->from == ST_SIDE_SERVER ? 1 : 0];

    f->fin = seg->tcp_flags & ST_TCP_FIN && !d->fin;
    f->rst = seg->tcp_flags & ST_TCP_RST;
    f->had_rst = s->dir[0].rst || s->dir[1].rst;
    f->over = s->close.closed_by != ST_SIDE_NONE || s->close.reply_frame != 0;
    read_expectation(s, f);
}

/* The TCP layer's facts about runs of payload, for the TLS layer: a run
 * never heard puts the handshake's stage back, a new run keeps it. */
static void pass_runs_to_tls(st_session *s, const st_frame *f)
{
    if (f->unheard)
        tls_forget_run(s);
    if (f->run_began)
        tls_keep_stage(s);
}

/* A side that speaks without having heard the other's newest run: the TCP
 * and TLS layers put the silence and the handshake's stage back where they
 * stood before that run, so who owes the next word is read again. */
static void reread_if_unheard(const st_session *s, st_frame *f)
{
    if (f->unheard)
        read_expectation(s, f);
}

/* A gap is judged once the frame's words are read: server bytes that are
 * no SMTP reply end no gap (fewer findings rather than false ones). */
static bool gap_stands(bool had_gap, const st_segment *seg, const st_words *w)
{
    return had_gap && !(seg->from == ST_SIDE_SERVER && w->unreadable);
}

/* The first reset and who sent it, for the rule that resets reaching both
 * ends at once come from a middlebox (closing.c). */
static void record_first_reset(st_session *s, const st_segment *seg, const st_frame *f)
{
    if (f->rst && !f->had_rst) {
        s->close.rst_ts = seg->ts_ns;
        s->close.rst_from = (uint8_t)seg->from;
    }
}

/* What a layer could not read, said once a session for each kind: a
 * Chat-level note, not counted, so that a session the plugin says nothing
 * about shows why (as Wireshark's "[TCP Previous segment not captured]",
 * or a weird in Zeek). */
static void say_unread(st_session *s, const st_segment *seg, st_note *here)
{
    uint8_t fresh = (uint8_t)(s->unread_now & ~s->unread_said);

    if (seg->untimed && !(s->unread_said & (1u << ST_UNREAD_CLOCK)))
        fresh |= (uint8_t)(1u << ST_UNREAD_CLOCK);
    s->unread_now = 0;
    if (fresh == 0)
        return;
    s->unread_said |= fresh;
    here->findings |= ST_FIND_UNREAD;
    here->unread = fresh;
}

/* What every finding carries: the server software and whether it was
 * inside TLS, and read without keys. */
static void stamp_findings(const st_session *s, st_note *here)
{
    if (here->findings == 0)
        return;
    here->has |= ST_HAS_MTA | (s->tls ? ST_HAS_ENCRYPTED : 0);
    here->mta = s->mta;
    here->opaque = s->tls && !s->decrypted;
}

/* The order of the steps is a rule: the frame's TCP evidence counts for
 * the silence it ends; a gap is measured by the state the frame found and
 * judged once its words are read (server bytes that are no SMTP end no
 * gap); the words are read before the close is judged, so that a 421 and
 * its FIN in one frame read as a reply, then a close; client data after
 * the server closed is late; the silence restarts last. */
void st_session_feed(st_session *s, const st_config *cfg, const st_segment *seg,
                     st_note *here, st_note *earlier, uint32_t *earlier_frame)
{
    st_frame f = { 0 };
    st_words w = { 0 };
    st_note gap;
    bool had_gap;

    /* `earlier` and `gap` are cleared where they are filled: most frames
     * need neither, and clearing a note costs more than the rest. */
    st_note_clear(here);
    *earlier_frame = 0;
    if (seg->from != ST_SIDE_CLIENT && seg->from != ST_SIDE_SERVER)
        return;
    if (seg->untimed)
        s->silence.start_known = false; /* the clock jumped: no interval ends here */
    open_connection(s, cfg, seg);
    frame_facts(s, seg, &f);
    tcp_track(s, cfg, seg, &f);
    pass_runs_to_tls(s, &f);
    reread_if_unheard(s, &f);
    had_gap = measure_gap(s, cfg, seg, &f, &gap);
    read_released(s, &f);
    read_words(s, cfg, seg, &f, &w, here);
    if (seg->from == ST_SIDE_CLIENT && f.fresh > 0 && w.words && end_server_closed(s))
        end_on_late_data(s, cfg, seg, f.fresh, w.commands, here);
    if (f.readable < f.fresh) {
        state_mark_unread(s, ST_UNREAD_CUT);
        dlg_lose_sync(s); /* replies or commands may be missing */
    }
    had_gap = gap_stands(had_gap, seg, &w);
    if (had_gap)
        end_explain_gap(s, cfg, seg, &f, &w, &gap);
    if (f.fin)
        end_on_fin(s, cfg, seg, &f, here);
    if (f.rst)
        end_on_rst(s, cfg, seg, here);
    end_on_client_close(s, cfg, seg, &f, here);
    if (f.fresh > 0)
        tcp_mark_last_payload(s, seg);
    record_first_reset(s, seg, &f);
    if (had_gap)
        st_note_merge(here, &gap);
    say_unread(s, seg, here);
    stamp_findings(s, here);
    note_idle_start(here, seg, earlier, earlier_frame);
}
