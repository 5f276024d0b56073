/* tcp.h: the TCP layer of the session machine (internal)
 *
 * New bytes in order, bytes held after a hole, evidence of loss and of a
 * closed window, the receiver's acknowledgements; and whether a side's
 * newest run of payload was heard (facts reported upwards: the TLS layer
 * keeps its own stage by them).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef SMTP_TIMEOUT_TCP_H
#define SMTP_TIMEOUT_TCP_H

#include "state.h"

/* New bytes in order, held bytes released, evidence of loss and of a
 * closed window; the receiver's acknowledgements. */
void tcp_track(st_session *s, const st_config *cfg, const st_segment *seg, st_frame *f);

/* New payload ends the silence and starts the next one. */
void tcp_mark_last_payload(st_session *s, const st_segment *seg);

#endif
