/* report.h: the sessions of a capture, for `-z smtp_timeout,sessions`
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef SMTP_TIMEOUT_REPORT_H
#define SMTP_TIMEOUT_REPORT_H

#include "core/note.h"
#include "session_map.h"

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
