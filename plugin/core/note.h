/* note.h: what smtp-timeout found on one frame, as facts
 *
 * A note holds findings and figures, never words: sentences.c turns it
 * into the texts of expert infos, reports and packet comments.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef SMTP_TIMEOUT_NOTE_H
#define SMTP_TIMEOUT_NOTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "smtp_line.h"

#define ST_REPLY_TEXT_MAX 256

typedef enum { ST_SIDE_NONE = 0, ST_SIDE_CLIENT, ST_SIDE_SERVER } st_side;

/* "client", "server" or "". */
const char *st_side_name(st_side side);

/* The findings, one bit each: a frame may carry several (a 421 that also
 * ends a long gap).  ST_FIND_IDLE_START is written back to the frame where an
 * interval began, so only a later pass (tshark -2, the GUI) can show it. */
typedef enum {
    ST_FIND_GAP              = 1u << 0,
    ST_FIND_REPLY            = 1u << 1,
    ST_FIND_SILENT_CLOSE     = 1u << 2,
    ST_FIND_DATA_AFTER_CLOSE = 1u << 3,
    ST_FIND_RST_AFTER_CLOSE  = 1u << 4,
    ST_FIND_IDLE_START       = 1u << 5,
    ST_FIND_RST_AFTER_END    = 1u << 6, /* a reset after QUIT/221 or both FINs */
    ST_FIND_ENCRYPTED_CLOSE  = 1u << 7, /* without keys: the server gave up on an encrypted session */
    ST_FIND_CLIENT_GAVE_UP   = 1u << 8, /* the client closed or reset while the server owed it a word */
    ST_FIND_UNREAD           = 1u << 9, /* what the analysis could not read from here (st_unread) */
} st_finding;

#define ST_FINDING_COUNT 10

/* What the analysis could not read, one bit each (st_note.unread): said
 * once a session, at the lowest severity, so that a session the plugin
 * says nothing about shows why. */
typedef enum {
    ST_UNREAD_NOT_SMTP = 0,      /* server bytes that are no SMTP reply */
    ST_UNREAD_LINE_LOST,         /* a line cut across segments, with no room to keep it */
    ST_UNREAD_HOLE,              /* bytes after a sequence hole the capture never filled */
    ST_UNREAD_CUT,               /* bytes the capture cut (its snap length) */
    ST_UNREAD_CLOCK,             /* the capture's clock jumped back, or more than a day ahead */
    ST_UNREAD_COUNT
} st_unread;

/* "not-smtp", "line-lost", "hole", "cut", "clock": the values of
 * smtp_timeout.unread. */
const char *st_unread_name(st_unread why);

/* A short name for the finding, the value of smtp_timeout.finding: "gap",
 * "silent close"... (findings.c's table) */
const char *st_finding_name(st_finding finding);

/* Whether the finding is a warning (the story of a session that failed),
 * not a note (a gap the dialogue survived, where an interval began) or a
 * chat (a reset after a normal end): its row's severity. */
bool st_finding_is_warning(st_finding finding);

/* Which of the optional values below are set. */
typedef enum {
    ST_HAS_AFTER          = 1u << 0,
    ST_HAS_DATA_BYTES     = 1u << 1,
    ST_HAS_IDLE           = 1u << 2,
    ST_HAS_SERVER_TIMEOUT = 1u << 3,
    ST_HAS_CLIENT_STALL   = 1u << 4,
    ST_HAS_EXCEEDED_BY    = 1u << 5,
    ST_HAS_SINCE_CLOSE    = 1u << 6,
    ST_HAS_CLOSE_FRAME    = 1u << 7,
    ST_HAS_REPLY_FRAME    = 1u << 8,
    ST_HAS_IDLE_START     = 1u << 9,
    ST_HAS_MTA            = 1u << 10,
    ST_HAS_EXPLANATION    = 1u << 11, /* gave_up, cause and the evidence */
    ST_HAS_ENCRYPTED      = 1u << 12, /* the finding is inside TLS */
    ST_HAS_TLS_STAGE      = 1u << 13, /* during the TLS handshake: how far it got */
    ST_HAS_RECORDS        = 1u << 14, /* ST_FIND_ENCRYPTED_CLOSE: the server's last records */
} st_has;

/* How far a TLS handshake got, by the records each side sent. */
typedef enum {
    ST_TLS_NONE = 0,
    ST_TLS_CLIENT_HELLO,         /* the client owes its ClientHello */
    ST_TLS_SERVER_HELLO,         /* the server owes its first flight */
    ST_TLS_SERVER_FLIGHT,        /* the server began its flight and owes the rest */
    ST_TLS_CLIENT_FINISHED,      /* the client owes its key exchange and Finished */
    ST_TLS_SERVER_FINISHED,      /* TLS 1.2: the server owes its ChangeCipherSpec and Finished */
    ST_TLS_DONE,
    ST_TLS_COUNT
} st_tls_stage;

const char *st_tls_stage_name(st_tls_stage stage);

/* Who ended the session by giving up waiting. */
typedef enum {
    ST_GAVE_UP_NONE = 0,
    ST_GAVE_UP_SERVER,
    ST_GAVE_UP_CLIENT,
    ST_GAVE_UP_MIDDLEBOX,
    ST_GAVE_UP_COUNT
} st_gave_up;

const char *st_gave_up_name(st_gave_up gave_up);

/* Why, as far as the capture shows. */
typedef enum {
    ST_CAUSE_NONE = 0,
    ST_CAUSE_DNS_LOOKUP,
    ST_CAUSE_MTU_BLACKHOLE,
    ST_CAUSE_ZERO_WINDOW,
    ST_CAUSE_PACKET_LOSS,
    ST_CAUSE_TLS_STALL,
    ST_CAUSE_SMTP_INSPECTION,
    ST_CAUSE_CLIENT_IDLE,
    ST_CAUSE_SERVER_SLOW,
    ST_CAUSE_UNKNOWN,
    ST_CAUSE_COUNT
} st_cause;

/* The value of smtp_timeout.cause: "dns-lookup", "client-idle"... */
const char *st_cause_name(st_cause cause);

/* Details of an explanation (bits of st_note.explain). */
enum {
    ST_EX_BELOW_RFC  = 1u << 0, /* a server timeout under RFC 5321's 5 minutes */
    ST_EX_POOLED     = 1u << 1, /* the client reused an idle pooled connection */
    ST_EX_BOTH_RESET = 1u << 2, /* resets reached both ends at once */
    ST_EX_STALL      = 1u << 3, /* stall_ns holds the client's whole stall */
    ST_EX_UNTIMED    = 1u << 4, /* the capture does not show how long the wait was */
    ST_EX_NOTIFIED   = 1u << 5, /* a normal end by TLS close_notify (without keys, no 221 is seen) */
    ST_EX_QUICK_RESET = 1u << 6, /* a normal end by the client's reset right after the server's last record */
    ST_EX_DUPLICATE  = 1u << 7, /* the client gave up on the reply to its end of data: it may send the message again */
};

/* The figures behind an explanation's cause, each read by its cause
 * (st_note.cause) and by no other. */
typedef union {
    struct {                     /* ST_CAUSE_DNS_LOOKUP */
        uint16_t queries;        /* the client's queries during the silence */
        uint16_t answered;       /* answers without error (NXDOMAIN too) */
        uint16_t failed;         /* error answers (SERVFAIL, REFUSED...) */
        uint16_t unanswered;     /* queries with no answer in the silence */
        int64_t  slowest_ns;     /* the slowest answer */
    } dns;
    struct {                     /* ST_CAUSE_MTU_BLACKHOLE, ST_CAUSE_PACKET_LOSS */
        uint16_t resent;         /* segments sent again (full-size ones, for an MTU black hole) */
        uint8_t  side;           /* st_side whose segments were lost */
        uint32_t hole_bytes;     /* the bytes a sequence hole left out */
    } loss;
    struct {                     /* ST_CAUSE_ZERO_WINDOW */
        int64_t  closed_ns;      /* how long the server's window stayed closed */
    } window;
} st_cause_evidence;

/* The reply of ST_FIND_REPLY, its text apart (st_note.reply_text, last). */
typedef struct {
    uint16_t code;
    uint8_t  cls;                /* st_reply_class */
    char     status[ST_STATUS_MAX]; /* the enhanced status code, or "" */
} st_reply_ref;

/* The close that a finding after it refers to: late data, a reset after
 * the close (ST_HAS_CLOSE_FRAME, ST_HAS_REPLY_FRAME, ST_HAS_SINCE_CLOSE). */
typedef struct {
    uint32_t frame;              /* the first FIN, or the ending reply when no FIN came */
    uint32_t reply_frame;        /* the 421 (or other ending reply, or the server's first ending record) */
    int64_t  since_ns;           /* how long after it this frame came */
} st_close_ref;

/* The silence that begins after a frame (ST_FIND_IDLE_START), written back
 * to that frame once it ended: whose it is, when it ended, how long. */
typedef struct {
    uint8_t  side;               /* st_side that stayed silent */
    uint32_t until_frame;        /* the frame that ended it */
    int64_t  ns;                 /* how long it lasted */
} st_silence_begins;

typedef struct {
    uint32_t findings;           /* st_finding bits */
    uint32_t has;                /* st_has bits */
    uint8_t  silent_side;        /* st_side expected to speak during the interval */
    uint8_t  after;              /* st_after */
    uint8_t  rst_from;           /* st_side; with ST_FIND_CLIENT_GAVE_UP, CLIENT when it reset */
    uint8_t  mta;                /* st_mta: the server software, as far as known */
    uint8_t  tls_stage;          /* st_tls_stage, with ST_HAS_TLS_STAGE */
    bool     opaque;             /* ST_HAS_ENCRYPTED without keys: only TLS records were seen */
    uint8_t  unread;             /* ST_FIND_UNREAD: 1 << st_unread of each reason */
    uint8_t  records;            /* ST_HAS_RECORDS: how many records the server sent before it closed */
    uint16_t record_sizes[2];    /* ... and the sizes of the first two */
    uint64_t data_bytes;         /* message bytes received before the interval */
    uint32_t late_bytes;         /* ST_FIND_DATA_AFTER_CLOSE: bytes in this frame */
    uint32_t idle_start_frame;
    int64_t  idle_ns;
    int64_t  server_timeout_ns;
    int64_t  client_stall_ns;
    int64_t  exceeded_by_ns;
    st_close_ref closed;         /* the close a finding after it refers to */
    st_reply_ref reply;          /* ST_FIND_REPLY: the reply (its text is reply_text, last) */
    st_silence_begins begins;    /* ST_FIND_IDLE_START: the silence that begins after this frame */
    /* ST_HAS_EXPLANATION */
    uint8_t  gave_up;            /* st_gave_up */
    uint8_t  cause;              /* st_cause */
    uint8_t  timer;              /* a known default that matches (mta.h), or 0 */
    uint8_t  explain;            /* ST_EX_* */
    st_cause_evidence evidence;  /* the figures behind the cause, read by the cause */
    int64_t  timed_ns;           /* the interval the timer that ran out measured */
    /* Last, so that clearing a note (every frame, three times) need not
     * clear its bytes. */
    char     reply_text[ST_REPLY_TEXT_MAX]; /* after code and status, NUL-terminated, cut if longer */
} st_note;

/* An empty note: every field zero, the reply text "". */
void st_note_clear(st_note *note);

/* Fold a later note for the same frame into an earlier one: what the
 * earlier one has stays. */
void st_note_merge(st_note *into, const st_note *from);

#endif
