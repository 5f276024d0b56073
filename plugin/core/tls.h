/* tls.h: the TLS records layer of the session machine (internal)
 *
 * Records by their 5-byte headers: the handshake's stages, who owes the
 * next record, alerts, the server's records that answer nothing.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef SMTP_TIMEOUT_TLS_H
#define SMTP_TIMEOUT_TLS_H

#include "state.h"

/* STARTTLS was accepted, or the connection opens on a TLS port. */
void tls_begin(st_session *s, const st_config *cfg);

/* The TLS records in this frame's new bytes: handshake stages, who owes the
 * next record, alerts; bytes that are no record are left in *plain_at for
 * the SMTP reader (Exim answers in clear inside TLS). */
void tls_read_records(st_session *s, const st_config *cfg, const st_segment *seg, const uint8_t *data, size_t n,
                     size_t *plain_at, st_words *w);

/* Who owes the next record, by the handshake's stage or the last one. */
st_side tls_expected(const st_session *s);

/* The run of payload a side began, as the TCP layer reports it: the stage
 * the handshake had before it is kept, and put back when the receiver
 * shows it never heard that run (its flight lost in an MTU black hole is a
 * flight still owed). */
void tls_keep_stage(st_session *s);
void tls_forget_run(st_session *s);

/* What the endings ask of the records: the handshake's stage (NONE
 * without an extension); whether the server sent records that answer
 * nothing after the client's silence (an encrypted ending); whether a side
 * sent an alert; who owes the next record. */
st_tls_stage tls_stage(const st_session *s);
bool tls_server_ended(const st_session *s);
bool tls_alerted(const st_session *s);
st_side tls_owes(const st_session *s);

/* The encrypted ending's figures into a note (the server's silence that
 * ran out, its records, the first of them); the handshake's stage into a
 * note, when the records were followed. */
void tls_ending_note(const st_session *s, st_note *n);
void tls_stage_note(const st_session *s, st_note *n);

#endif
