/* capture_int.h: the capture engine's records, internal to its files
 *
 * capture.c takes frames to sessions; capture_ports.c keeps the SMTP
 * ports and says which end is the server; capture_attempts.c keeps
 * handshakes that never became sessions; capture_rows.c keeps what a
 * report row needs and makes the rows.  Each calls only the ones below it
 * in that list, and the session machine (session.h).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef SMTP_TIMEOUT_CAPTURE_INT_H
#define SMTP_TIMEOUT_CAPTURE_INT_H

#include <glib.h>

#include "capture.h"
#include "dns_log.h"

/* A connection's two endpoints, client first: the key of every table,
 * first in each record so that a probe of endpoints alone finds it. */
typedef struct {
    uint8_t  client[16];
    uint8_t  server[16];
    uint8_t  addr_len;
    uint16_t client_port;
    uint16_t server_port;
} st_endpoints;

guint st_endpoints_hash(gconstpointer key);
gboolean st_endpoints_equal(gconstpointer a, gconstpointer b);

/* The frame's endpoints, with the server where `sender_is_server` says. */
void st_endpoints_of(st_endpoints *e, const st_tcp_frame *f, bool sender_is_server);

/* Which side of the connection sent the frame. */
st_side st_endpoints_side(const st_endpoints *e, const st_tcp_frame *f);

/* "192.0.2.1:25" or "[2001:db8::1]:25", g_malloc'd. */
char *st_endpoint_text(const uint8_t *addr, unsigned addr_len, uint16_t port);

/* ---- capture_ports.c ---- */

typedef struct {
    uint16_t port[ST_CAPTURE_PORTS_MAX];
    bool     tls[ST_CAPTURE_PORTS_MAX];
    bool     registered[ST_CAPTURE_PORTS_MAX]; /* from the options, not learnt */
    unsigned n;
    uint32_t not_learnt;                         /* sessions whose port did not fit */
    /* The same ports as bits: every TCP frame asks about two ports. */
    uint64_t bits[65536 / 64];
} st_port_table;

void st_ports_init(st_port_table *t, const st_capture_options *o);

/* Whether PORT is in the table: asked twice a TCP frame. */
static inline bool st_port_bit(const st_port_table *t, uint16_t port)
{
    return (t->bits[port / 64] >> (port % 64)) & 1;
}
bool st_ports_server(const st_port_table *t, uint16_t port);
bool st_ports_registered(const st_port_table *t, uint16_t port);
bool st_ports_tls(const st_port_table *t, uint16_t port);

/* Learn the server port of a session whose role is certain; a full table
 * learns nothing and counts the session. */
void st_ports_learn(st_port_table *t, uint16_t port);

/* Which end of a frame that starts no known session is the server. */
st_side st_ports_sender_role(const st_port_table *t, const st_tcp_frame *f);

/* ---- capture_rows.c ---- */

/* The notes a row is made of: those of the tallied frames and of the
 * session's last explained frame, each merged with what later came for
 * the same frame (an idle start).  Only sessions with notes have one. */
#define ST_KEPT_NOTES (ST_REPORT_FRAMES + 1)
typedef struct {
    st_tally tally;
    unsigned n;
    uint32_t frame[ST_KEPT_NOTES];
    st_note  note[ST_KEPT_NOTES];
} st_found;

/* A session as the engine follows it: its state and its notes. */
typedef struct {
    st_endpoints key;
    bool         port_known;     /* its server port is in the port table */
    st_session   core;
    st_found    *found;
    GList       *done_link;      /* in the engine's queue of ended sessions */
    uint32_t     done_s;         /* when it ended, in whole seconds (wrapping): retired a while later */
    uint32_t     client_host;    /* st_dns_host_key of the client */
} st_live;

/* A session retired for the report: 64 bytes, its notes apart. */
typedef struct {
    st_endpoints key;
    uint8_t      mta;
    uint8_t      ending;
    uint8_t      reply_class;
    bool         encrypted;
    uint16_t     reply_code;
    uint32_t     first_frame;
    uint32_t     explained_frame;
    uint8_t      unread;
    st_found    *found;
} st_retired;

#define ST_RETIRED_BLOCK 1024

/* The Ith retired session. */
static inline st_retired *st_retired_at(const struct st_capture *c, uint32_t i);

/* Keep a note for FRAME of the session, as the glue stores it: merged with
 * what its frame had, counted. */
void st_found_keep(st_live *s, uint32_t frame, const st_note *note);

/* The row of a session, live or retired. */
void st_retired_of(const st_live *s, st_retired *out);
void st_retired_row(const st_retired *r, st_row *row);

/* ---- capture_attempts.c ---- */

/* A SYN not answered yet: it becomes a session once the other end answers
 * (or anything else of the connection comes), is counted refused when a
 * reset answers it, and unanswered when it ages or the table is full. */
typedef struct {
    st_endpoints key;
    uint16_t     window;
    uint8_t      syns;           /* SYNs sent, saturated */
    uint32_t     seq;
    uint32_t     frame;          /* the last SYN */
    uint32_t     first_frame;
    int64_t      ts_ns;
    GList       *link;           /* in age order */
} st_attempt;

typedef struct {
    GHashTable *pending;         /* st_attempt by endpoints */
    GQueue      age;             /* oldest SYN first */
    GHashTable *by_server;       /* st_destination by server endpoint */
    uint32_t    other_unanswered, other_refused, other_syns, other_first;
    uint32_t    dropped;
} st_attempts;

void st_attempts_init(st_attempts *a);
void st_attempts_free(st_attempts *a);

/* A client's bare SYN to a server port, at NOW_NS on the engine's clock. */
void st_attempts_syn(st_attempts *a, const st_tcp_frame *f, int64_t now_ns);

/* The attempt this frame belongs to, or NULL. */
st_attempt *st_attempts_find(st_attempts *a, const st_tcp_frame *f);

/* The attempt was refused (a reset from the server) or answered (it
 * becomes a session): either way its record goes. */
void st_attempts_refused(st_attempts *a, st_attempt *at);
void st_attempts_answered(st_attempts *a, st_attempt *at);

/* Attempts older than the clients' own connect timers go: unanswered. */
void st_attempts_age(st_attempts *a, int64_t now_ns);

/* The pending SYN as the segment the session machine would have read. */
void st_attempt_segment(const st_attempt *at, st_segment *seg);

unsigned st_attempts_report(const st_attempts *a, st_attempts_sink sink, void *ctx);

/* ---- capture.c ---- */

struct st_capture {
    st_port_table ports;
    st_config     config;
    st_dns_log    dns;
    st_attempts   attempts;
    GHashTable   *live;          /* st_live by endpoints */
    GQueue        done;          /* ended sessions, oldest first */
    GPtrArray    *retired;       /* blocks of ST_RETIRED_BLOCK st_retired: no large block is ever moved */
    uint32_t      n_retired;
    int64_t       clock_last;    /* the last frame's time, on the engine's clock */
    int64_t       clock_offset;  /* what jumps of the capture's clock added */
    bool          clock_started;
    int64_t       clock_next_check; /* when retirement and ageing look again (each second) */
    uint32_t      clock_jumps;
};

static inline st_retired *st_retired_at(const struct st_capture *c, uint32_t i)
{
    return &((st_retired *)c->retired->pdata[i / ST_RETIRED_BLOCK])[i % ST_RETIRED_BLOCK];
}

#endif
