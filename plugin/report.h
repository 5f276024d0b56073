/* report.h: the sessions of a capture, for `-z smtp_timeout,sessions`
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef SMTP_TIMEOUT_REPORT_H
#define SMTP_TIMEOUT_REPORT_H

#include <epan/packet.h>

#include "core/session.h"

#define ST_REPORT_FRAMES 4

/* One SMTP session as the glue keeps it for the whole file. */
typedef struct {
    st_session core;
    address    server_addr;
    address    client_addr;
    guint16    server_port;
    guint16    client_port;
    uint32_t   client_host;                      /* st_dns_host_key */
    uint16_t   n_findings;                       /* not counting chat notes */
    uint8_t    n_frames;
    uint32_t   finding_frames[ST_REPORT_FRAMES]; /* the first ones */
} st_tracked;

typedef const st_note *(*st_note_lookup)(uint32_t frame);

/* Registers `-z smtp_timeout,sessions[,csv]`; notes are found with lookup. */
void st_report_register(st_note_lookup lookup);

/* A new file: forget the sessions of the last one. */
void st_report_reset(void);

/* List a session (the live record, or a copy kept when its ports were
 * reused for a new connection). */
void st_report_add(st_tracked *session);

/* Count a note that was stored for one of the session's frames. */
void st_report_count(st_tracked *session, uint32_t frame, const st_note *note);

#endif
