/* fields.h: what smtp-timeout reads of a frame
 *
 * Each wanted field is built on every frame of every capture, so the list
 * is kept as short as it can be: tcp.len, which locates the TCP header
 * (read in place, payload included); smtp, whose items hold the bytes the
 * SMTP dissector was given, wanted for what the TLS layer decrypted; dns,
 * for the DNS evidence.  Addresses, ports and times come from packet_info.
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

/* What the frame's layers say: a TCP header quoted in an ICMP error is no
 * segment of its session; SMTP under TLS was decrypted. */
typedef struct {
    bool inside_icmp;
    bool tls;
} st_layers;

void st_frame_layers(packet_info *pinfo, st_layers *layers);

/* Whether the SMTP dissector was given a reply in this frame (a session on
 * a port that is no SMTP port, through a proxy, begins with one). */
bool st_frame_has_reply(proto_tree *tree);

/* Frame times in nanoseconds, saturated; a frame without a time stamp
 * takes the last one, so that it makes no silence of its own. */
typedef struct {
    int64_t last_ns;
} st_clock;

int64_t st_frame_time_ns(st_clock *clock, const packet_info *pinfo);

/* The ID and response code of the frame's DNS message, if it has one. */
bool st_fields_dns_header(proto_tree *tree, uint16_t *id, unsigned *rcode);

/* Read the frame's TCP header and payload into seg (`from` is left
 * alone); false when the TCP header cannot be read. */
bool st_fields_read(proto_tree *tree, const packet_info *pinfo, st_segment *seg, tvbuff_t **tcp_tvb);

/* The SMTP bytes the TLS layer decrypted in this frame, joined in the
 * frame's pool (several records make several SMTP items); items on the
 * TCP header's own data source are plain SMTP, no decrypted bytes. */
void st_fields_decrypted(proto_tree *tree, packet_info *pinfo, const tvbuff_t *tcp_tvb, st_segment *seg);

#endif
