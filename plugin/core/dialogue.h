/* dialogue.h: the SMTP dialogue layer of the session machine (internal)
 *
 * The queue of pipelined commands, replies answering them, the phase they
 * move, losing and finding sync.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef SMTP_TIMEOUT_DIALOGUE_H
#define SMTP_TIMEOUT_DIALOGUE_H

#include "lines.h"
#include "tls.h"

st_side dlg_expected_speaker(const st_session *s);
st_after dlg_waiting_after(const st_session *s, st_side silent);
void dlg_lose_sync(st_session *s);

/* The SMTP bytes of this frame (plain, or decrypted). */
void dlg_read_server(st_session *s, const st_config *cfg, const st_segment *seg, const uint8_t *data,
                          size_t n, bool cut, st_words *w, st_note *note);
void dlg_read_client(st_session *s, const st_config *cfg, const uint8_t *data, size_t n, bool cut,
                          const uint32_t *seq, st_words *w);

/* A body's "." line came, but its bytes are not at hand (held after a
 * hole, now in order). */
void dlg_end_body(st_session *s);

/* The first decrypted bytes: the SMTP dialogue starts again inside TLS. */
void dlg_restart_inside_tls(st_session *s);

#endif
