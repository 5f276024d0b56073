/* endings.h: the endings layer of the session machine (internal)
 *
 * FINs, resets and late data: the silent close, data after the close,
 * resets after a close or a normal end, who gave up when a silence ends in
 * a close.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef SMTP_TIMEOUT_ENDINGS_H
#define SMTP_TIMEOUT_ENDINGS_H

#include "dialogue.h"

bool end_server_closed(const st_session *s);
bool end_normally(const st_session *s);
void end_on_fin(st_session *s, const st_config *cfg, const st_segment *seg, const st_frame *f, st_note *n);
void end_on_rst(st_session *s, const st_config *cfg, const st_segment *seg, st_note *n);
void end_on_late_data(st_session *s, const st_config *cfg, const st_segment *seg, uint32_t bytes, unsigned commands,
                     st_note *n);
void end_explain_gap(st_session *s, const st_config *cfg, const st_segment *seg, const st_frame *f,
                    const st_words *w, st_note *gap);
void end_on_client_close(st_session *s, const st_config *cfg, const st_segment *seg, const st_frame *f, st_note *n);

#endif
