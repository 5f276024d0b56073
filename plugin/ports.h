/* ports.h: the ports Wireshark has SMTP on, for the capture engine
 *
 * 25, 587 and any port set with Decode As (the tcp.port table's SMTP
 * entries), and the ports where TLS carries SMTP from the first byte (465,
 * tls.port).  Learning other ports is the engine's (core/capture.h).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef SMTP_TIMEOUT_PORTS_H
#define SMTP_TIMEOUT_PORTS_H

#include "core/capture.h"

/* Add the SMTP dissector's ports to the engine's options. */
void st_ports_from_tables(st_capture_options *options, int proto_smtp);

#endif
