/* findings.c: the findings, as one table
 *
 * The order of the rows is the order of the bits (note.h): the glue renders
 * a frame's findings in it, and the expert infos are registered in it.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "findings.h"

#include "sentences.h"

const st_finding_row st_findings[ST_FINDING_COUNT] = {
    { ST_FIND_GAP, "gap", "smtp_timeout.gap", "Long silence in the SMTP dialogue",
      false, ST_SEVERITY_NOTE, true, st_message_gap, st_tag_gap },
    { ST_FIND_REPLY, "session-ending reply", "smtp_timeout.reply_421",
      "Server ends the session (421 or a timeout reply)",
      true, ST_SEVERITY_WARN, true, st_message_reply, st_tag_reply },
    { ST_FIND_SILENT_CLOSE, "silent close", "smtp_timeout.silent_close",
      "Server closed the connection without a reply after client silence",
      false, ST_SEVERITY_WARN, true, st_message_silent_close, st_tag_server_closed },
    { ST_FIND_DATA_AFTER_CLOSE, "data after close", "smtp_timeout.data_after_close",
      "Client sent data after the server closed",
      false, ST_SEVERITY_WARN, true, st_message_late_data, st_tag_late_data },
    { ST_FIND_RST_AFTER_CLOSE, "reset after close", "smtp_timeout.rst_after_close",
      "Connection reset after the close",
      false, ST_SEVERITY_WARN, true, st_message_rst_after_close, st_tag_rst_after_close },
    /* Written back to the frame where an interval began: later passes only. */
    { ST_FIND_IDLE_START, "idle interval start", "smtp_timeout.idle_start_note",
      "An idle interval begins after this frame",
      false, ST_SEVERITY_NOTE, false, st_message_idle_start, st_tag_idle_start },
    { ST_FIND_RST_AFTER_END, "reset after a normal end", "smtp_timeout.rst_after_end",
      "Connection reset after a normal end (QUIT and 221, or both FINs)",
      false, ST_SEVERITY_CHAT, false, st_message_rst_after_end, st_tag_rst_after_end },
    { ST_FIND_ENCRYPTED_CLOSE, "encrypted close", "smtp_timeout.encrypted_close",
      "Server gave up on an encrypted session (its records after the client's silence, then its close)",
      false, ST_SEVERITY_WARN, true, st_message_encrypted_close, st_tag_server_closed },
    { ST_FIND_CLIENT_GAVE_UP, "client gave up", "smtp_timeout.client_gave_up",
      "Client closed or reset the connection while the server owed it a reply: it gave up waiting",
      false, ST_SEVERITY_WARN, true, st_message_client_gave_up, st_tag_client_gave_up },
};

const st_finding_row *st_finding_row_of(st_finding finding)
{
    for (unsigned i = 0; i < ST_FINDING_COUNT; i++) {
        if (st_findings[i].finding == finding)
            return &st_findings[i];
    }
    return NULL;
}

uint32_t st_findings_counted(uint32_t findings)
{
    uint32_t counted = 0;

    for (unsigned i = 0; i < ST_FINDING_COUNT; i++) {
        if (st_findings[i].counts)
            counted |= (uint32_t)st_findings[i].finding;
    }
    return findings & counted;
}

void st_note_message(const st_note *note, st_finding finding, char *buf, size_t size)
{
    const st_finding_row *row = st_finding_row_of(finding);

    if (row != NULL)
        row->message(note, buf, size);
    else if (size > 0)
        buf[0] = '\0';
}

void st_note_tag(const st_note *note, st_finding finding, char *buf, size_t size)
{
    const st_finding_row *row = st_finding_row_of(finding);

    if (row != NULL && row->tag != NULL)
        row->tag(note, buf, size);
    else if (size > 0)
        buf[0] = '\0';
}

const char *st_finding_name(st_finding finding)
{
    const st_finding_row *row = st_finding_row_of(finding);

    return row != NULL ? row->name : "";
}

bool st_finding_is_warning(st_finding finding)
{
    const st_finding_row *row = st_finding_row_of(finding);

    return row != NULL && row->severity == ST_SEVERITY_WARN;
}
