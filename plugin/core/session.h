/* session.h: one SMTP session followed frame by frame, findings out
 *
 * The core knows SMTP and TCP timing but nothing of libwireshark: the glue
 * turns each frame of a TCP stream into an st_segment, and stores the notes
 * that come back.  Nothing here allocates; a session is a fixed-size struct
 * that the caller owns.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef SMTP_TIMEOUT_SESSION_H
#define SMTP_TIMEOUT_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "classify.h"
#include "dns_log.h"
#include "note.h"

#define ST_TCP_FIN 0x01
#define ST_TCP_SYN 0x02
#define ST_TCP_RST 0x04
#define ST_TCP_ACK 0x10

typedef struct {
    const char *text;
    size_t      len;
} st_line;

/* One frame of the stream, as the glue read it. */
typedef struct {
    uint32_t       frame;
    int64_t        ts_ns;        /* absolute time */
    st_side        from;
    uint32_t       seq;          /* TCP sequence number, relative or not */
    uint32_t       ack;          /* TCP acknowledgement number, as seq */
    uint32_t       len;          /* TCP payload length */
    uint16_t       window;       /* TCP window field, unscaled */
    uint8_t        tcp_flags;    /* ST_TCP_* */
    const st_line *replies;      /* first line of each server reply */
    unsigned       n_replies;
    const st_line *commands;     /* each client command line */
    unsigned       n_commands;
    bool           eom;          /* the client's end of message ("." line) */
    bool           truncated;    /* the capture holds only part of the payload */
    uint16_t       open_reply;   /* the code of the last line when the reply goes on
                                  * in the next segment ("250-..."), else 0 */
    uint32_t       client_host;  /* st_dns_host_key of the client's address, or 0 */
} st_segment;

typedef struct {
    int64_t gap_threshold_ns;    /* a silence at least this long is a gap */
    int64_t min_timeout_ns;      /* a shorter wait is no timeout of a server */
    const st_dns_log *dns;       /* the capture's DNS traffic so far, or NULL */
} st_config;

/* How a session ended, for reports. */
typedef enum {
    ST_END_NONE = 0,             /* still open, or closed normally */
    ST_END_REPLY,                /* the server's 421 or timeout reply */
    ST_END_SILENT_CLOSE,
    ST_END_CLIENT_GAVE_UP,
    ST_END_MIDDLEBOX,
    ST_END_RESET,
} st_ending;

#define ST_PENDING_MAX 16

typedef struct {
    uint32_t next_seq[2];        /* per direction (index st_side - 1) */
    uint32_t last_payload_frame;
    int64_t  last_payload_ts;
    uint64_t data_bytes;
    uint64_t bdat_left;          /* chunk bytes the server still waits for */
    /* The interval that ran out at the server's timeout or silent close. */
    int64_t  timeout_start_ts;
    int64_t  server_timeout_ns;
    uint32_t timeout_start_frame;
    /* The close: the first FIN (or the 421 before it), and who closed. */
    uint32_t close_frame;
    int64_t  close_ts;
    uint32_t reply_frame;        /* the 421 or other ending reply */
    int64_t  reply_ts;
    uint16_t reply_code;
    uint16_t pending_lost;       /* commands beyond the ring, answered first */
    uint16_t open_reply;         /* a multi-line reply goes on in the next segment */
    uint8_t  pending[ST_PENDING_MAX];
    uint8_t  pending_head;
    uint8_t  pending_count;
    uint8_t  after;              /* st_after */
    uint8_t  mta;                /* st_mta, from the greeting, EHLO reply or 421 */
    uint8_t  closed_by;          /* st_side of the first FIN, or NONE */
    uint8_t  fin_seen;           /* bit per side */
    uint8_t  flags;              /* ST_S_* */
    uint8_t  flags2;             /* ST_S2_* */
    /* Evidence gathered during the current silence. */
    uint16_t iv_retrans;
    uint16_t iv_retrans_full;
    uint16_t max_client_seg;
    int64_t  zero_window_ts;     /* when the server's window closed, if it is */
    int64_t  zero_window_ns;     /* how long it was closed before */
    int64_t  rst_ts;             /* the first reset, and from whom */
    uint8_t  rst_from;
    /* For reports. */
    uint8_t  ending;             /* st_ending */
    uint8_t  reply_class;        /* st_reply_class of the ending reply */
    uint32_t first_frame;
    uint32_t explained_frame;    /* the last frame with an explanation */
} st_session;

void st_session_init(st_session *session);

/* Whether this segment opens a new connection on the session's ports, so
 * that the session's state starts again (callers keep the old one first). */
bool st_session_restarts(const st_session *session, const st_segment *segment);

/* How the session ended, for reports: "ok", "421 timeout", "silent close",
 * "client gave up", "middlebox reset", "reset" or "open". */
void st_session_ending(const st_session *session, char *buf, size_t size);

/* Feed one frame.  `here` receives what to show on this frame; `earlier`
 * (frame number in *earlier_frame, 0 if none) what to show on the frame
 * where the interval that this frame ended began. */
void st_session_feed(st_session *session, const st_config *config, const st_segment *segment,
                     st_note *here, st_note *earlier, uint32_t *earlier_frame);

#endif
