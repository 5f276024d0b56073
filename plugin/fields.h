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

/* The frame's time in nanoseconds, saturated; the last one for a frame
 * that has none. */
int64_t st_frame_time_ns(const packet_info *pinfo);

/* The ID and response code of the frame's DNS message, if it has one. */
bool st_fields_dns_header(proto_tree *tree, uint16_t *id, unsigned *rcode);

/* Read the frame's TCP header and SMTP fields into seg (`from` is left
 * alone); false when the TCP header cannot be read.  Line arrays come from
 * pinfo->pool only when a frame has many lines. */
bool st_fields_read(proto_tree *tree, packet_info *pinfo, st_segment *seg);

#endif
