/* report.h: the sessions of a capture, for `-z smtp_timeout,sessions`
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef SMTP_TIMEOUT_REPORT_H
#define SMTP_TIMEOUT_REPORT_H

#include <string.h>

#include <epan/address.h>
#include <epan/packet.h>

#include "core/session.h"

#define ST_REPORT_FRAMES 4

/* An endpoint's address, kept inside the session's record so that a
 * session costs one allocation.  Addresses longer than IPv6's (no TCP
 * endpoint has them) are kept as AT_NONE. */
#define ST_ADDR_MAX 16
typedef struct {
    uint8_t type;                                /* address_type */
    uint8_t len;
    uint8_t data[ST_ADDR_MAX];
} st_addr;

static inline void st_addr_keep(st_addr *to, const address *from)
{
    if (from->len < 0 || from->len > ST_ADDR_MAX) {
        to->type = AT_NONE;
        to->len = 0;
        return;
    }
    to->type = (uint8_t)from->type;
    to->len = (uint8_t)from->len;
    if (from->len > 0)
        memcpy(to->data, from->data, (size_t)from->len);
}

/* A view of the kept address, valid as long as the record. */
static inline void st_addr_view(const st_addr *from, address *to)
{
    set_address(to, from->type, from->len, from->len > 0 ? from->data : NULL);
}

/* One SMTP session as the glue keeps it for the whole file. */
typedef struct {
    st_session core;
    st_addr    server_addr;
    st_addr    client_addr;
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
