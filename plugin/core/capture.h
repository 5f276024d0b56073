/* capture.h: the capture engine, every rule about a capture's sessions
 *
 * Both front ends (the Wireshark plugin and the native reader) translate
 * their frames into st_tcp_frame and st_dns_frame and feed them here; the
 * engine owns everything between a frame and a session: which frame
 * starts one, which end is the server, the SMTP ports (registered and
 * learnt), port reuse, retirement of sessions that ended, connection
 * attempts that never became sessions, the client's DNS traffic, the
 * clock, the notes a report row needs, and the rows themselves.  So the
 * two front ends say the same by construction.
 *
 * Memory follows the sessions open at once: a session that ended is
 * retired (its state freed, its row kept in 64 bytes, or with its notes
 * when it has findings); a handshake never answered costs a bounded
 * attempt record, counted per destination.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef SMTP_TIMEOUT_CAPTURE_H
#define SMTP_TIMEOUT_CAPTURE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "report_row.h"
#include "session.h"

#define ST_CAPTURE_PORTS_MAX 32

/* What a front end says before the first frame: the ports SMTP is
 * registered on (25, 587, 465 and Decode As in Wireshark; -d in the
 * native reader) and the gap threshold. */
typedef struct {
    uint16_t port[ST_CAPTURE_PORTS_MAX];
    bool     tls[ST_CAPTURE_PORTS_MAX];   /* TLS from the first byte (465, tls.port) */
    unsigned n_ports;
    unsigned gap_threshold_s;
} st_capture_options;

/* No ports, Wireshark's default gap threshold (10 s). */
void st_capture_options_init(st_capture_options *options);

/* Wireshark's own SMTP ports: 25 and 587, and 465 with TLS. */
void st_capture_options_standard_ports(st_capture_options *options);

/* Add a port (again: its TLS flag is or'ed in); false when the list is full. */
bool st_capture_options_add_port(st_capture_options *options, uint16_t port, bool tls);

/* The core's session settings for a gap threshold: the one place their
 * defaults live (the unit driver and the fuzzer take them too). */
void st_config_defaults(st_config *config, unsigned gap_threshold_s);

/* One TCP frame as a front end read it: the endpoints and, in `tcp`, the
 * header and payload (seq, ack, len, window, tcp_flags, payload,
 * captured, decrypted); the engine sets tcp's frame, time, side and host. */
typedef struct {
    uint32_t       frame;
    int64_t        ts_ns;
    uint8_t        addr_len;     /* 4 or 16 */
    const uint8_t *src;
    const uint8_t *dst;
    uint16_t       src_port;
    uint16_t       dst_port;
    st_segment     tcp;
} st_tcp_frame;

/* One DNS message over UDP: its endpoints, ID and response code. */
typedef struct {
    int64_t        ts_ns;
    uint8_t        addr_len;
    const uint8_t *src;
    const uint8_t *dst;
    uint16_t       src_port;
    uint16_t       dst_port;
    uint16_t       id;
    uint8_t        rcode;
} st_dns_frame;

typedef struct st_capture st_capture;

st_capture *st_capture_new(const st_capture_options *options);
void st_capture_free(st_capture *capture);

/* The hot path of a front end: whether either port is one SMTP servers
 * are on (registered or learnt).  Frames on neither are fed only when
 * they carry an SMTP reply (Wireshark's SMTP dissector saw one). */
bool st_capture_wants(const st_capture *capture, uint16_t src_port, uint16_t dst_port);

/* Feed a TCP frame.  False when it belongs to no session; else `here`,
 * `earlier` and *earlier_frame as st_session_feed gives them (the engine
 * keeps what the report needs of them; the front end renders them). */
bool st_capture_tcp(st_capture *capture, const st_tcp_frame *frame, st_note *here, st_note *earlier,
                    uint32_t *earlier_frame);

void st_capture_dns(st_capture *capture, const st_dns_frame *frame);

/* ---- the report ---- */

/* Each session's row, those with findings first, then by first frame;
 * the row is the sink's only until it returns.  Returns the count. */
typedef void (*st_row_sink)(const st_row *row, void *ctx);
unsigned st_capture_rows(const st_capture *capture, st_row_sink sink, void *ctx);

/* The rows as the CSV of `tshark -z smtp_timeout,sessions,csv`. */
void st_capture_write_csv(const st_capture *capture, FILE *out);

/* Connection attempts that never became a session, per destination: SYNs
 * never answered (a sender's "Connection timed out") and SYNs refused by a
 * reset. */
typedef struct {
    const char *server;          /* "192.0.2.1:25", or "other destinations" past the table's size */
    uint32_t    first_frame;     /* the first SYN */
    uint32_t    unanswered;      /* attempts never answered */
    uint32_t    refused;         /* attempts answered by a reset */
    uint32_t    syns;            /* SYNs sent, retransmissions included */
} st_attempts_row;
typedef void (*st_attempts_sink)(const st_attempts_row *row, void *ctx);
unsigned st_capture_attempts(const st_capture *capture, st_attempts_sink sink, void *ctx);

/* The attempts as CSV (server, first_frame, unanswered, refused, syns). */
void st_capture_write_attempts_csv(const st_capture *capture, FILE *out);

/* What the engine had to leave out, for a report's last line. */
typedef struct {
    uint32_t sessions;           /* rows */
    uint32_t open;               /* sessions still open at the end */
    uint32_t attempts_dropped;   /* attempts past the table's cap, counted unanswered */
    uint32_t ports_not_learnt;   /* sessions whose port the full table could not learn */
    uint32_t clock_jumps;        /* frames whose time went back, or forward more than a day */
} st_capture_counts;
void st_capture_counts_get(const st_capture *capture, st_capture_counts *out);

#endif
