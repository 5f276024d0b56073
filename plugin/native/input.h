/* input.h: capture files for the native reader (libpcap: pcap and pcapng,
 * plain or gzip-compressed)
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef SMTP_TIMEOUT_NATIVE_INPUT_H
#define SMTP_TIMEOUT_NATIVE_INPUT_H

#include <stdio.h>

#include "reader.h"

typedef enum {
    ST_READ_OK = 0,
    ST_READ_DAMAGED = 1,       /* read up to damage (a cut file, a bad record): the sessions so far stand */
    ST_READ_UNOPENED = 2,      /* not a capture, or not there */
    ST_READ_UNSUPPORTED = 3,   /* a link type the reader does not know: tshark must read it */
} st_read_status;

/* Feed every frame of the capture in FILE (an open stream, which is read
 * and closed) to READER; a sentence for stderr in error when not OK. */
st_read_status st_read_capture(FILE *file, st_reader *reader, char *error, size_t size);

/* The same for a path; gzip-compressed files are read through zlib. */
st_read_status st_read_path(const char *path, st_reader *reader, char *error, size_t size);

#endif
