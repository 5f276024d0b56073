/* ports.h: the TCP ports SMTP servers were seen on
 *
 * 25, 587 and any port set with Decode As (the tcp.port table's SMTP
 * entries), and the ports of sessions that began with a reply on another
 * port (a proxy's): a TCP frame on no such port costs two comparisons.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef SMTP_TIMEOUT_PORTS_H
#define SMTP_TIMEOUT_PORTS_H

#include <epan/packet.h>

/* A new file: forget the learnt ports, seed them from the tcp.port table. */
void st_ports_reset(int proto_smtp);

void st_ports_learn(guint32 port);

/* Whether the port is one of the learnt ones. */
bool st_ports_is_server(guint32 port);

/* Whether SMTP is registered on the port (25, 587, Decode As), not learnt. */
bool st_ports_in_table(guint32 port);

/* Whether SMTP on this port is inside TLS from the first byte. */
bool st_ports_is_tls(guint32 port);

/* Whether the capture showed more server ports than are kept: every port
 * may then be one. */
bool st_ports_any(void);

/* Whether either end of the frame is on a server port. */
bool st_ports_frame_on_server(const packet_info *pinfo);

#endif
