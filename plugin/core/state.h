/* state.h: the session machine's shared state and helpers, under every layer
 *
 * Internal to the core.  The machine is cut by layer, each calling only
 * downwards: the dispatcher (session.c), endings (endings.c), the
 * dialogue (dialogue.c), TLS records (tls.c), SMTP lines (lines.c), TCP
 * (tcp.c), and under them all this: the extension few sessions need, what
 * a frame brought and what its words were, and the helpers that write an
 * interval or an explanation into a note.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef SMTP_TIMEOUT_STATE_H
#define SMTP_TIMEOUT_STATE_H

#include "explain.h"
#include "session.h"

#define ST_LINE_MAX 512            /* the part of a line the dialogue reads */
#define ST_CARRY_MAX 64

/* A line cut across segments: its first bytes, and how long it is so far. */
typedef struct {
    uint16_t len;                /* the whole line so far, saturated */
    uint8_t  kept;               /* bytes in text */
    uint8_t  side;               /* st_side whose line it is, or NONE */
    char     text[ST_CARRY_MAX];
} st_carry;

/* TLS records of one direction, as their 5-byte headers tell them. */
typedef struct {
    uint16_t left;               /* bytes of the current record still to come */
    uint16_t last_len;           /* the length of the newest record */
    uint8_t  head[4];            /* a header cut across segments ... */
    uint8_t  head_len;           /* ... this many of its bytes */
    uint8_t  type;               /* the content type of the current record */
    bool     plain;              /* bytes that are no TLS record came: SMTP in clear (Exim does so) */
    bool     alerted;            /* it sent an alert (close_notify, most often) */
} st_records;

/* Bytes that came after a sequence hole: the receiver's TCP holds them too,
 * so they are held here until the hole is filled, and read then as far as
 * their summary allows. */
typedef struct {
    uint32_t start;              /* the sequence range held */
    uint32_t end;
    bool     held;
    bool     ends_eom;           /* a body's "." line ended it */
    bool     ends_line;          /* its last byte ended a line */
    bool     lost;               /* more than one hole: what came after is unknown */
} st_hold;

/* What few sessions need, asked for once from the front end. */
typedef struct st_session_ext {
    st_carry   carry;
    st_records records[2];
    st_hold    hold[2];
    int64_t    window_closed_ts; /* when the server's window closed */
    int64_t    window_closed_ns; /* how long it was closed before, in this silence */
    bool       window_closed;
    uint8_t    stage;            /* st_tls_stage */
    uint8_t    heard_stage;      /* the stage before the newest run of payload (st_silence), or NONE */
    uint8_t    owes;             /* encrypted: st_side that owes the next record */
    bool       tls13;
    bool       client_spoke;     /* encrypted: the client sent an application record */
    bool       quick_reset;      /* the client reset right after the server's last record */
    /* The server's records after a client silence (an encrypted ending). */
    uint8_t    ending_records;
    uint16_t   ending_sizes[2];
    uint32_t   ending_frame;
    int64_t    ending_idle_ns;
} st_session_ext;

/* What the dispatcher knows of a frame before any step runs: each step
 * judges by the state the frame found, not by what an earlier step of the
 * same frame changed. */
typedef struct {
    uint32_t fresh;          /* new payload bytes of this segment, in order */
    uint32_t offset;         /* where they begin in its payload */
    uint32_t readable;       /* of them, in the capture (a snap length cuts the rest) */
    uint32_t released;       /* held bytes that came in order with it: their bytes are not at hand */
    bool     released_eom;   /* ... and a body's "." line ended them */
    bool     released_line;  /* ... or their last byte ended a line */
    bool     released_lost;  /* ... or what they held is not known */
    bool     fin;            /* a FIN this side had not sent before */
    bool     rst;
    bool     had_rst;        /* a reset came before this frame */
    bool     over;           /* a FIN or an ending reply came before: silences are no gaps */
    bool     unheard;        /* this side speaks without having heard the other's newest run */
    bool     run_began;      /* ... or this segment begins its own newest run */
    st_side  expected;       /* who owed the next word */
    st_phase phase;          /* the phase the frame found */
} st_frame;

/* What this frame's words were, once read. */
typedef struct {
    unsigned commands;       /* client command lines */
    bool     unreadable;     /* new bytes, but no SMTP reply among them */
    bool     words;          /* SMTP bytes or TLS records other than alerts */
    bool     quit;           /* the client said QUIT */
} st_words;

static inline int64_t state_elapsed(int64_t from, int64_t to)
{
    return to > from ? to - from : 0;
}

static inline st_direction *state_dir(st_session *s, st_side side)
{
    return &s->dir[side == ST_SIDE_SERVER ? 1 : 0];
}

static inline st_side state_other(st_side side)
{
    return side == ST_SIDE_SERVER ? ST_SIDE_CLIENT : ST_SIDE_SERVER;
}


/* The session's extension, made on first need; NULL when none can be had. */
st_session_ext *state_ext(st_session *s, const st_config *cfg);


/* A layer could not read what this frame brought (st_unread): the
 * dispatcher says so once a session, in a note of its own. */
static inline void state_mark_unread(st_session *s, st_unread why)
{
    s->unread_now |= (uint8_t)(1u << why);
}

void state_note_interval(const st_session *s, const st_segment *seg, st_side silent, st_after after, st_note *n);
void state_note_server_timeout(st_session *s, st_note *n);

/* The one writer of the server's timeout: the silence that ran out after
 * IDLE_NS (its start is the silence's), kept for the late data's figures. */
void state_server_timed_out(st_session *s, int64_t idle_ns);

/* The one writer of how a session ended (st_session.ending), by the table
 * in state.c: what ending may replace which. */
void state_end(st_session *s, st_ending ending);
void state_explain_note(st_session *s, const st_config *cfg, const st_segment *seg, st_gave_up gave_up,
                     int64_t timed_ns, int64_t from_ts, st_note *n);

#endif
