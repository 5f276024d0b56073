/* rows.h: a native session's record and its row of the report
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef SMTP_TIMEOUT_NATIVE_ROWS_H
#define SMTP_TIMEOUT_NATIVE_ROWS_H

#include <stdint.h>
#include <stdio.h>

#include "core/report_row.h"
#include "core/session.h"

/* The notes a row is made of: those of the tallied frames and of the
 * session's last explained frame, each merged with what later came for
 * the same frame (an idle start). */
#define ST_KEPT_NOTES (ST_REPORT_FRAMES + 1)
typedef struct {
    uint32_t frame[ST_KEPT_NOTES];
    st_note  note[ST_KEPT_NOTES];
    unsigned n;
} st_kept_notes;

/* A session's endpoints: the key of the reader's table, first in its
 * record, so that a frame's endpoints alone can look the record up. */
typedef struct {
    uint8_t  client_addr[16];
    uint8_t  server_addr[16];
    uint8_t  addr_len;
    uint16_t client_port;
    uint16_t server_port;
} st_flow_key;

typedef struct {
    st_flow_key    key;
    st_session     core;
    uint32_t       client_host;   /* st_dns_host_key */
    st_tally       tally;
    st_kept_notes *kept;          /* only for sessions with findings */
} st_flow;

void st_flow_free(void *flow);
st_flow *st_flow_copy(const st_flow *flow);
void st_flow_forget_notes(st_flow *flow);
void st_flow_keep_note(st_flow *flow, uint32_t frame, const st_note *note);

/* The report's rows of FLOWS, sorted as the plugin sorts them (sessions
 * with findings first, then by first frame), as CSV with its header. */
void st_rows_write_csv(st_flow *const *flows, unsigned n, FILE *out);

#endif
