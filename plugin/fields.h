/* fields.h: the other dissectors' fields smtp-timeout reads
 *
 * Each wanted field is built on every frame of every capture, so the list
 * is kept as short as it can be: addresses, ports, times and the
 * conversation come from packet_info for free.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef SMTP_TIMEOUT_FIELDS_H
#define SMTP_TIMEOUT_FIELDS_H

#include <epan/packet.h>

#include "core/session.h"

/* Resolve the field ids; call from the handoff, when all dissectors exist. */
void st_fields_resolve(void);

/* The ids to pass to set_postdissector_wanted_hfids(); ownership passes on. */
GArray *st_fields_wanted(void);

int st_fields_proto_smtp(void);

/* Whether the frame holds an SMTP reply (a session on a port that is no
 * SMTP port, through a proxy, begins with one). */
bool st_frame_has_reply(proto_tree *tree);

/* Whether this "TCP frame" is a header quoted in an ICMP error. */
bool st_frame_inside_icmp(packet_info *pinfo);

/* Frame times in nanoseconds, saturated; a frame without a time stamp
 * takes the last one, so that it makes no silence of its own. */
typedef struct {
    int64_t last_ns;
} st_clock;

int64_t st_frame_time_ns(st_clock *clock, const packet_info *pinfo);

/* The ID and response code of the frame's DNS message, if it has one. */
bool st_fields_dns_header(proto_tree *tree, uint16_t *id, unsigned *rcode);

/* Where a frame's TCP payload lies, as st_fields_read found it. */
typedef struct {
    tvbuff_t *tvb;
    gint      offset;
} st_payload;

/* Line arrays for a frame: on the stack for the usual few, in the
 * frame's pool beyond. */
#define ST_LINES_ON_STACK 32
typedef struct {
    st_line replies[ST_LINES_ON_STACK];
    st_line commands[ST_LINES_ON_STACK];
} st_line_space;

/* Read the frame's TCP header and SMTP fields into seg (`from` is left
 * alone) and say where its payload lies; false when the TCP header cannot
 * be read. */
bool st_fields_read(proto_tree *tree, packet_info *pinfo, st_line_space *space, st_segment *seg,
                    st_payload *payload);

#endif
