/* reader.h: the native reader: raw frames in, the capture engine's rows out
 *
 * The second front end of the core's capture engine (core/capture.h): it
 * decodes each frame's link, IP and transport headers and feeds TCP
 * segments and DNS messages to the engine, as the plugin feeds what
 * Wireshark dissected.  Every rule about sessions is the engine's.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef SMTP_TIMEOUT_NATIVE_READER_H
#define SMTP_TIMEOUT_NATIVE_READER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "core/capture.h"

typedef struct st_reader st_reader;

st_reader *st_reader_new(const st_capture_options *options);
void st_reader_free(st_reader *reader);

/* One frame of the capture: its link type, time and bytes. */
void st_reader_frame(st_reader *reader, int linktype, int64_t ts_ns, const uint8_t *data, uint32_t caplen,
                     uint32_t wirelen);

/* The report: the CSV of `tshark -z smtp_timeout,sessions,csv`. */
void st_reader_write_csv(st_reader *reader, FILE *out);

/* The connection attempts that never became sessions, as CSV. */
void st_reader_write_attempts_csv(st_reader *reader, FILE *out);

#endif
