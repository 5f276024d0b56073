/* reader.h: the native reader's sessions: frames in, the report's rows out
 *
 * The second front end of the core, for bulk work: it does what the
 * plugin's glue does (which frames belong to an SMTP session, which end is
 * the server, the client's DNS traffic, the notes a row needs) from raw
 * frames instead of Wireshark's dissection, and prints the same rows.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef SMTP_TIMEOUT_NATIVE_READER_H
#define SMTP_TIMEOUT_NATIVE_READER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define ST_READER_PORTS_MAX 32

typedef struct {
    uint16_t ports[ST_READER_PORTS_MAX];   /* SMTP server ports (25 and 587 unless told) */
    bool     tls[ST_READER_PORTS_MAX];     /* ... TLS from the first byte (465) */
    unsigned n_ports;
    unsigned gap_threshold_s;
} st_reader_options;

/* 25, 587 and 465 (TLS), a gap threshold of 10 s: Wireshark's defaults. */
void st_reader_default_options(st_reader_options *options);

/* Add a port ("-d tcp.port==N,smtp", or with tls "-d tls.port==N,smtp");
 * false when the list is full. */
bool st_reader_add_port(st_reader_options *options, uint16_t port, bool tls);

typedef struct st_reader st_reader;

st_reader *st_reader_new(const st_reader_options *options);
void st_reader_free(st_reader *reader);

/* One frame of the capture: its link type, time and bytes. */
void st_reader_frame(st_reader *reader, int linktype, int64_t ts_ns, const uint8_t *data, uint32_t caplen,
                     uint32_t wirelen);

/* The report: the CSV of `tshark -z smtp_timeout,sessions,csv`. */
void st_reader_write_csv(st_reader *reader, FILE *out);

#endif
