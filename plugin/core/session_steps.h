/* session_steps.h: the steps of the session machine, shared by its files
 *
 * Internal to the core: session.c dispatches a frame to these steps,
 * dialogue.c reads replies and commands, closing.c judges FINs, resets
 * and late data.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef SMTP_TIMEOUT_SESSION_STEPS_H
#define SMTP_TIMEOUT_SESSION_STEPS_H

#include "explain.h"
#include "session.h"

/* What the dispatcher knows of a frame before any step runs: each step
 * judges by the state the frame found, not by what an earlier step of the
 * same frame changed. */
typedef struct {
    uint32_t fresh;          /* new payload bytes */
    bool     fin;            /* a FIN this side had not sent before */
    bool     rst;
    bool     had_rst;        /* a reset came before this frame */
    bool     over;           /* a FIN or an ending reply came before: silences are no gaps */
    st_side  expected;       /* who owed the next word */
    st_phase phase;          /* the phase the frame found */
} st_frame;

static inline int64_t st_elapsed(int64_t from, int64_t to)
{
    return to > from ? to - from : 0;
}

static inline st_direction *st_dir(st_session *s, st_side side)
{
    return &s->dir[side == ST_SIDE_SERVER ? 1 : 0];
}

/* ---- dialogue.c ---- */

/* Who owes the next word: NONE when the capture does not tell. */
st_side st_expected_speaker(const st_session *s);

/* What the silent side was busy with: the command it owes a reply to, or
 * the last one the server answered. */
st_after st_waiting_after(const st_session *s, st_side silent);

/* The dialogue cannot be followed from here on (bytes that are no SMTP, a
 * cut frame): nobody is blamed for a silence until the next reply that can
 * be read. */
void st_lose_sync(st_session *s);

/* Whether the server's new bytes in this frame hold no SMTP reply at all
 * (noise on port 25, or bytes the SMTP dissector skipped). */
bool st_server_words_unreadable(const st_session *s, const st_segment *seg, uint32_t fresh);

/* Read the server's replies, the client's commands and message bytes. */
void st_read_server(st_session *s, const st_config *cfg, const st_segment *seg, const st_frame *f, st_note *n);
void st_read_client(st_session *s, const st_config *cfg, const st_segment *seg, const st_frame *f, st_note *n);

/* ---- closing.c ---- */

/* The server has closed (a FIN, or an ending reply it did not take back). */
bool st_server_closed(const st_session *s);

void st_on_fin(st_session *s, const st_config *cfg, const st_segment *seg, const st_frame *f, st_note *n);
void st_on_rst(st_session *s, const st_segment *seg, st_note *n);
void st_on_late_data(st_session *s, const st_config *cfg, const st_segment *seg, uint32_t fresh, st_note *n);

/* A silence that this frame's close, reset or QUIT ended: who gave up. */
void st_explain_gap(st_session *s, const st_config *cfg, const st_segment *seg, const st_frame *f, st_note *gap);

/* ---- session.c ---- */

/* Fill in the interval that ends at this frame: since the last payload. */
void st_note_interval(const st_session *s, const st_segment *seg, st_side silent, st_after after, st_note *n);

/* The server gave up waiting: remember the interval for the late data. */
void st_note_server_timeout(st_session *s, st_note *n);

/* Gather the silence's evidence and explain the note. */
void st_explain_note(st_session *s, const st_config *cfg, const st_segment *seg, st_gave_up gave_up,
                     int64_t timed_ns, int64_t from_ts, st_note *n);

#endif
