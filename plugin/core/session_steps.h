/* session_steps.h: the steps of the session machine, shared by its files
 *
 * Internal to the core: session.c dispatches a frame to these steps and
 * tracks TCP; reader.c cuts bytes into lines; dialogue.c reads replies and
 * commands; tls.c follows TLS records; closing.c judges FINs, resets and
 * late data.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef SMTP_TIMEOUT_SESSION_STEPS_H
#define SMTP_TIMEOUT_SESSION_STEPS_H

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

static inline int64_t st_elapsed(int64_t from, int64_t to)
{
    return to > from ? to - from : 0;
}

static inline st_direction *st_dir(st_session *s, st_side side)
{
    return &s->dir[side == ST_SIDE_SERVER ? 1 : 0];
}

static inline st_side st_other(st_side side)
{
    return side == ST_SIDE_SERVER ? ST_SIDE_CLIENT : ST_SIDE_SERVER;
}

/* The session's extension, made on first need; NULL when none can be had. */
st_session_ext *st_ext(st_session *s, const st_config *cfg);

/* ---- reader.c ---- */

typedef struct {
    const char *text;        /* the line's first bytes, without the line end */
    size_t      len;         /* bytes in text */
    size_t      bytes;       /* the whole line on the wire, line end included */
} st_text_line;

/* The next line of `data` from *pos, carried over from earlier segments
 * where it began there; false when the bytes end inside a line (kept for
 * the next segment) or there are none.  In bytes the capture cut, what is
 * left of the last line counts as a line.  `buf` holds a line put
 * together from a carry. */
bool st_next_line(st_session *s, const st_config *cfg, st_side side, const uint8_t *data, size_t n, size_t *pos,
                  bool cut, char *buf, st_text_line *line);

/* Body bytes up to and including a "." line; *eom tells whether it came.
 * Returns the bytes consumed; the message bytes are added to data_bytes. */
size_t st_scan_body(st_session *s, const uint8_t *data, size_t n, bool *eom);

/* ---- dialogue.c ---- */

st_side st_expected_speaker(const st_session *s);
st_after st_waiting_after(const st_session *s, st_side silent);
void st_lose_sync(st_session *s);

/* The SMTP bytes of this frame (plain, or decrypted). */
void st_read_server_bytes(st_session *s, const st_config *cfg, const st_segment *seg, const uint8_t *data,
                          size_t n, bool cut, st_words *w, st_note *note);
void st_read_client_bytes(st_session *s, const st_config *cfg, const uint8_t *data, size_t n, bool cut,
                          const uint32_t *seq, st_words *w);

/* A body's "." line came, but its bytes are not at hand (held after a
 * hole, now in order). */
void st_end_body(st_session *s);

/* The first decrypted bytes: the SMTP dialogue starts again inside TLS. */
void st_restart_inside_tls(st_session *s);

/* ---- tls.c ---- */

/* STARTTLS was accepted, or the connection opens on a TLS port. */
void st_tls_begin(st_session *s, const st_config *cfg);

/* The TLS records in this frame's new bytes: handshake stages, who owes the
 * next record, alerts; bytes that are no record are left in *plain_at for
 * the SMTP reader (Exim answers in clear inside TLS). */
void st_read_records(st_session *s, const st_config *cfg, const st_segment *seg, const uint8_t *data, size_t n,
                     size_t *plain_at, st_words *w);

/* Who owes the next record, by the handshake's stage or the last one. */
st_side st_tls_expected(const st_session *s);

/* ---- closing.c ---- */

bool st_server_closed(const st_session *s);
bool st_ended_normally(const st_session *s);
void st_on_fin(st_session *s, const st_config *cfg, const st_segment *seg, const st_frame *f, st_note *n);
void st_on_rst(st_session *s, const st_config *cfg, const st_segment *seg, st_note *n);
void st_on_late_data(st_session *s, const st_config *cfg, const st_segment *seg, uint32_t bytes, unsigned commands,
                     st_note *n);
void st_explain_gap(st_session *s, const st_config *cfg, const st_segment *seg, const st_frame *f,
                    const st_words *w, st_note *gap);
void st_on_client_close(st_session *s, const st_config *cfg, const st_segment *seg, const st_frame *f, st_note *n);

/* ---- tcp.c ---- */

/* New bytes in order, held bytes released, evidence of loss and of a
 * closed window; the receiver's acknowledgements. */
void st_track_tcp(st_session *s, const st_config *cfg, const st_segment *seg, st_frame *f);

/* New payload ends the silence and starts the next one. */
void st_mark_last_payload(st_session *s, const st_segment *seg);

/* ---- session.c ---- */

/* A layer could not read what this frame brought (st_unread): the
 * dispatcher says so once a session, in a note of its own. */
static inline void st_mark_unread(st_session *s, st_unread why)
{
    s->unread_now |= (uint8_t)(1u << why);
}

void st_note_interval(const st_session *s, const st_segment *seg, st_side silent, st_after after, st_note *n);
void st_note_server_timeout(st_session *s, st_note *n);
void st_explain_note(st_session *s, const st_config *cfg, const st_segment *seg, st_gave_up gave_up,
                     int64_t timed_ns, int64_t from_ts, st_note *n);

#endif
