/* session_map.h: the glue's record of each SMTP session, and the map that
 * finds it from a frame's endpoints
 *
 * A session is one allocation for the whole file: the core's state, both
 * addresses kept inline, and the report's totals.  The map is the
 * plugin's own, keyed by both endpoints in either order: finding
 * Wireshark's conversation cost about five times as much a frame (it
 * tries both directions).  Port reuse is the core's business
 * (st_session_restarts).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef SMTP_TIMEOUT_SESSION_MAP_H
#define SMTP_TIMEOUT_SESSION_MAP_H

#include <epan/address.h>
#include <epan/packet.h>

#include "core/report_row.h"
#include "core/session.h"

/* An endpoint's address, kept inside the record.  Addresses longer than
 * IPv6's (no TCP endpoint has them) make no session. */
#define ST_ADDR_MAX 16
typedef struct {
    uint8_t type;                                /* address_type */
    uint8_t len;
    uint8_t data[ST_ADDR_MAX];
} st_addr;

/* A view of the kept address, valid as long as the record. */
void st_addr_view(const st_addr *from, address *to);

/* One SMTP session as the glue keeps it for the whole file. */
typedef struct {
    st_session core;
    st_addr    server_addr;
    st_addr    client_addr;
    guint16    server_port;
    guint16    client_port;
    uint32_t   client_host;                      /* st_dns_host_key */
    st_tally   tally;                            /* its findings, for the report */
} st_tracked;

/* The map, for the file: created once, emptied with the file scope. */
void st_map_register(void);

/* The session this frame belongs to, or NULL. */
st_tracked *st_map_find(const packet_info *pinfo);

/* A new session whose server is the sender (sender_is_server) or the
 * receiver of this frame; NULL for an address a record cannot keep. */
st_tracked *st_map_start(const packet_info *pinfo, bool sender_is_server, bool implicit_tls);

/* Which side of the session sent this frame. */
st_side st_map_side(const st_tracked *s, const packet_info *pinfo);

#endif
