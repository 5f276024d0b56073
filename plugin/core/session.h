/* session.h: one SMTP session followed frame by frame, findings out
 *
 * The core knows SMTP and TCP timing but nothing of libwireshark: a front
 * end turns each frame of a TCP stream into an st_segment and keeps the
 * notes that come back.  Nothing here allocates; a session is a
 * fixed-size struct that the caller owns.
 *
 * The machine is kept as Wireshark's TCP analysis keeps its own: a record
 * per direction (sequence, last payload, FIN, RST), one phase for the SMTP
 * dialogue (who owes the next word), the silence running since the last
 * payload with its evidence, and the facts of the close.  session.c
 * dispatches a frame to named steps, dialogue.c reads replies and
 * commands, closing.c judges FINs, resets and late data.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef SMTP_TIMEOUT_SESSION_H
#define SMTP_TIMEOUT_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dns_log.h"
#include "note.h"

#define ST_TCP_FIN 0x01
#define ST_TCP_SYN 0x02
#define ST_TCP_RST 0x04
#define ST_TCP_ACK 0x10

/* One frame of the stream, as the front end read it: the TCP header and
 * the payload bytes.  The core cuts the bytes into SMTP lines and TLS
 * records itself, so that every front end reads a session alike. */
typedef struct {
    uint32_t       frame;
    int64_t        ts_ns;        /* absolute time */
    st_side        from;
    uint32_t       seq;          /* TCP sequence number, relative or not */
    uint32_t       ack;          /* TCP acknowledgement number, as seq (with ST_TCP_ACK) */
    uint32_t       len;          /* TCP payload length */
    uint16_t       window;       /* TCP window field, unscaled */
    uint8_t        tcp_flags;    /* ST_TCP_* */
    const uint8_t *payload;      /* the payload as captured ... */
    uint32_t       captured;     /* ... this many of its len bytes (a snap length cuts it) */
    const uint8_t *decrypted;    /* SMTP bytes the TLS layer decrypted in this frame (keys given), or NULL */
    uint32_t       decrypted_len;
    uint32_t       client_host;  /* st_dns_host_key of the client's address, or 0 */
    bool           untimed;      /* the capture's clock jumped at this frame: it measures nothing */
} st_segment;

typedef struct {
    int64_t gap_threshold_ns;    /* a silence at least this long is a gap */
    /* No timer, a server's or a client's, runs out sooner than this: a
     * timeout reply, a silent or encrypted close or a client's giving up
     * after a shorter wait ran out no timer (frames with one time stamp, a
     * close that crossed the client's data, a client's own quick reset). */
    int64_t timer_floor_ns;
    const st_dns_log *dns;       /* the capture's DNS traffic so far, or NULL */
    /* Zeroed memory that lives as long as the session, for what few
     * sessions need (a line cut across segments, TLS records, a sequence
     * hole, a closed window): asked for once a session.  NULL when the
     * front end has none to give: the core then claims less. */
    void *(*alloc)(void *ctx, size_t size);
    void  *alloc_ctx;
} st_config;

/* Where the SMTP dialogue stands: who owes the next word. */
typedef enum {
    ST_PHASE_UNSYNCED = 0,       /* the capture does not show who must speak */
    ST_PHASE_GREETING_OWED,      /* connected: the server owes its 220 */
    ST_PHASE_COMMAND_OWED,       /* the client owes its next command */
    ST_PHASE_REPLY_OWED,         /* the server owes replies to the pending commands */
    ST_PHASE_IN_BODY,            /* after 354: the client owes message lines up to "." */
    ST_PHASE_IN_BDAT,            /* the client owes the rest of announced BDAT chunks */
    ST_PHASE_TLS_HANDSHAKE,      /* STARTTLS answered by 220, or implicit TLS: the handshake runs */
    ST_PHASE_ENCRYPTED,          /* TLS records without keys: who owes is told by who sent the last one */
    ST_PHASE_CLOSING,            /* QUIT answered by 221: silences are expected */
    ST_PHASE_CLOSED,             /* both FINs: nothing more is owed */
    ST_PHASE_COUNT
} st_phase;

/* How a session ended, for reports. */
typedef enum {
    ST_END_OPEN = 0,             /* the capture ends first */
    ST_END_OK,                   /* QUIT and 221, or FINs */
    ST_END_REPLY,                /* the server's 421 or timeout reply */
    ST_END_SILENT_CLOSE,
    ST_END_ENCRYPTED_TIMEOUT,    /* the server gave up on an encrypted session, as its records tell */
    ST_END_CLIENT_GAVE_UP,
    ST_END_MIDDLEBOX,
    ST_END_RESET,
    ST_END_COUNT
} st_ending;

#define ST_PENDING_MAX 8

/* The commands awaiting a reply (pipelining), oldest first.  A client that
 * pipelines more than the ring holds loses the oldest: they are answered
 * first and only counted. */
typedef struct {
    uint8_t  verbs[ST_PENDING_MAX];  /* st_after */
    uint8_t  head;
    uint8_t  count;
    uint16_t lost;
} st_pending;

/* One direction of the TCP connection, as packet-tcp.c keeps fwd and rev,
 * and the state of the SMTP bytes it carries.  The last payload of either
 * side starts the silence (st_silence). */
typedef struct {
    uint32_t next_seq;           /* the sequence number after its newest byte in order */
    uint32_t ack;                /* the other side's bytes it acknowledged */
    uint16_t max_seg;            /* its largest segment: a full-size one is near it */
    uint16_t reply_code;         /* server: a multi-line reply goes on ("250-"), with this code */
    uint8_t  dot;                /* client body: how much of a "." line the last line start holds */
    /* A byte of its own: the body scan's loop reads and writes it. */
    bool     line_start;         /* client body: the next byte begins a line */
    /* One bit each, so that a direction takes 16 bytes (the per-session
     * budget of session_map.c). */
    bool     seq_known : 1;
    bool     ack_known : 1;
    bool     fin : 1;
    bool     rst : 1;
} st_direction;

/* The silence since the last payload of either side, and what the capture
 * showed during it. */
typedef struct {
    int64_t  since_ts;           /* the last payload (or the connection's opening) */
    int64_t  heard_ts;           /* the last payload before the run that its receiver has not acknowledged yet */
    uint32_t since_frame;
    uint32_t heard_frame;
    uint32_t run_seq;            /* where that run began */
    uint32_t hole;               /* the largest sequence hole of the silence that its receiver never acknowledged */
    uint16_t retrans;
    uint16_t retrans_full;
    uint8_t  run_side;           /* st_side of the run, NONE once acknowledged */
    uint8_t  hole_side;          /* st_side whose bytes went missing (a hole, or full-size segments sent again) */
    bool     start_known;        /* read in step: intervals from it are real */
    bool     heard_known;
} st_silence;

/* The close: the first FIN (or the ending reply before it), the first
 * reset, and which findings of the close were already made. */
typedef struct {
    int64_t  close_ts;
    int64_t  reply_ts;
    int64_t  rst_ts;
    uint32_t close_frame;
    uint32_t reply_frame;        /* the 421 or other ending reply */
    uint16_t reply_code;
    uint8_t  closed_by;          /* st_side of the first FIN, or NONE */
    uint8_t  rst_from;           /* st_side of the first reset */
    uint8_t  reply_class;        /* st_reply_class of the ending reply */
    bool     spoke_after_reply;  /* the server answered again after its ending reply */
    bool     late_noted;
    bool     rst_noted;
} st_close;

struct st_session_ext;

typedef struct {
    st_direction dir[2];         /* client, server (index st_side - 1) */
    st_silence   silence;
    /* The interval that ran out at the server's timeout or silent close. */
    int64_t      timeout_start_ts;
    int64_t      timeout_ns;     /* -1: no server timeout seen */
    uint32_t     timeout_start_frame;
    uint32_t     first_frame;
    st_close     close;
    uint64_t     data_bytes;     /* message bytes received, up to the "." line */
    uint32_t     bdat_left;      /* chunk bytes the server still waits for (saturated) */
    uint32_t     body_seq;       /* the client's sequence number where the body began */
    uint32_t     eom_seq;        /* ... and after its "." line, once sent */
    uint32_t     explained_frame;/* the last frame with an explanation */
    struct st_session_ext *ext;  /* what few sessions need, from st_config.alloc */
    st_pending   pending;
    uint8_t      phase;          /* st_phase */
    uint8_t      after;          /* st_after: the command last answered */
    uint8_t      mta;            /* st_mta, from the greeting, EHLO reply or 421 */
    uint8_t      ending;         /* st_ending, once a finding ended the session */
    /* One bit each: the session's budget (session_map.c). */
    bool         synced : 1;         /* the phase is known: a side can be blamed for a silence */
    bool         goodbye : 1;        /* QUIT was answered by 221 */
    bool         auth_reply_owed : 1;/* after 334: the client's next line answers it */
    bool         inspected : 1;      /* a firewall rewrites the dialogue */
    bool         tls : 1;            /* TLS records follow: STARTTLS was accepted, or the port's TLS */
    bool         decrypted : 1;      /* the front end decrypts them: the dialogue goes on inside */
    bool         body_seq_known : 1; /* body_seq is set */
    bool         eom_sent : 1;       /* the client sent its "." line: eom_seq is set */
    bool         implicit_tls : 1;   /* the port speaks TLS from the first byte */
    bool         raced : 1;          /* the client's bytes crossed a close that ended no wait */
    uint8_t      unread_now;         /* 1 << st_unread: what a layer could not read in this frame */
    uint8_t      unread_said;        /* ... and what the session's notes already said */
} st_session;

void st_session_init(st_session *session);

/* A session on a port that speaks TLS from the first byte (465, or one set
 * with Decode As): the handshake comes before the greeting. */
void st_session_init_tls(st_session *session);

/* The phase as a report or a test sees it: UNSYNCED when the side that
 * owes the next word is not known. */
st_phase st_session_phase(const st_session *session);

/* Whether this segment opens a new connection on the session's ports, so
 * that the session's state starts again (callers keep the old one first). */
bool st_session_restarts(const st_session *session, const st_segment *segment);

/* Whether the connection is over (both FINs, or a reset): only late
 * frames can come. */
bool st_session_over(const st_session *session);

/* What a report needs of a session, without reading its insides. */
typedef struct {
    uint32_t  first_frame;
    uint32_t  explained_frame;   /* the last frame with an explanation, or 0 */
    bool      encrypted;         /* the session went on inside TLS */
    uint8_t   mta;               /* st_mta */
    st_ending ending;
    uint16_t  reply_code;        /* ST_END_REPLY */
    uint8_t   reply_class;       /* ST_END_REPLY */
    uint8_t   unread;            /* how many kinds of bytes the analysis could not read (st_unread) */
} st_summary;

void st_session_summary(const st_session *session, st_summary *out);

/* Feed one frame.  `here` receives what to show on this frame; `earlier`
 * (frame number in *earlier_frame, 0 if none) what to show on the frame
 * where the interval that this frame ended began. */
void st_session_feed(st_session *session, const st_config *config, const st_segment *segment,
                     st_note *here, st_note *earlier, uint32_t *earlier_frame);

#endif
