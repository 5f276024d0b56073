/* sentences.h: the words of smtp-timeout, from the facts of a note
 *
 * Every sentence a user reads (expert infos, the report's cells, packet
 * comments) is made in sentences.c and sentences_hints.c and nowhere
 * else: a change of wording touches these two files alone.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef SMTP_TIMEOUT_SENTENCES_H
#define SMTP_TIMEOUT_SENTENCES_H

#include <stddef.h>
#include <stdint.h>

#include "findings.h"
#include "note.h"
#include "session.h"

/* "59.954 s": durations are shown to the millisecond everywhere. */
void st_format_duration(int64_t ns, char *buf, size_t size);

/* Each finding's expert-info sentence; findings.c names them in its table
 * (st_say_message picks the one of a finding). */
void st_message_gap(const st_note *note, char *buf, size_t size);
void st_message_reply(const st_note *note, char *buf, size_t size);
void st_message_silent_close(const st_note *note, char *buf, size_t size);
void st_message_encrypted_close(const st_note *note, char *buf, size_t size);
void st_message_late_data(const st_note *note, char *buf, size_t size);
void st_message_client_gave_up(const st_note *note, char *buf, size_t size);
void st_message_rst_after_close(const st_note *note, char *buf, size_t size);
void st_message_rst_after_end(const st_note *note, char *buf, size_t size);
void st_message_idle_start(const st_note *note, char *buf, size_t size);
void st_message_unread(const st_note *note, char *buf, size_t size);

/* Each finding's short bracketed tag for the Info column, as TCP's analysis
 * writes "[TCP Retransmission]": "[SMTP timeout: client silent 59.954 s
 * after DATA]", "[Data 30.527 s after close]", "[RST after close]"... */
void st_tag_reply(const st_note *note, char *buf, size_t size);
void st_tag_server_closed(const st_note *note, char *buf, size_t size);
void st_tag_late_data(const st_note *note, char *buf, size_t size);
void st_tag_rst_after_close(const st_note *note, char *buf, size_t size);
void st_tag_client_gave_up(const st_note *note, char *buf, size_t size);
void st_tag_gap(const st_note *note, char *buf, size_t size);
void st_tag_idle_start(const st_note *note, char *buf, size_t size);
void st_tag_rst_after_end(const st_note *note, char *buf, size_t size);

/* Who gave up, after what, the cause and its evidence. */
void st_say_explanation(const st_note *note, char *buf, size_t size);

/* The side to fix first and the setting, with a value when the capture
 * shows how long the client needed; "" when there is nothing to say. */
void st_say_hint(const st_note *note, char *buf, size_t size);

/* The DNS evidence of a note: "none answered", or "1 unanswered, 2
 * failed; the slowest answer after 8.000 s". */
void st_dns_summary(const st_note *note, char *buf, size_t size);

/* "Postfix smtpd_timeout default (300 s)", or "" when no known default
 * matches the interval. */
const char *st_say_timer(const st_note *note);

/* How a session ended, for reports: "ok", "421 timeout", "silent close",
 * "client gave up", "middlebox reset", "reset" or "open". */
void st_ending_text(const st_summary *summary, char *buf, size_t size);

#endif
