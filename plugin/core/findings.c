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
    { .finding = ST_FIND_GAP, .name = "gap", .expert = "smtp_timeout.gap",
      .summary = "Long silence in the SMTP dialogue",
      .response_code = false, .severity = ST_SEVERITY_NOTE, .counts = true,
      .message = st_message_gap, .tag = st_tag_gap },
    { .finding = ST_FIND_REPLY, .name = "session-ending reply", .expert = "smtp_timeout.reply_421",
      .summary = "Server ends the session (421 or a timeout reply)",
      .response_code = true, .severity = ST_SEVERITY_WARN, .counts = true,
      .message = st_message_reply, .tag = st_tag_reply },
    { .finding = ST_FIND_SILENT_CLOSE, .name = "silent close", .expert = "smtp_timeout.silent_close",
      .summary = "Server closed the connection without a reply after client silence",
      .response_code = false, .severity = ST_SEVERITY_WARN, .counts = true,
      .message = st_message_silent_close, .tag = st_tag_server_closed },
    { .finding = ST_FIND_DATA_AFTER_CLOSE, .name = "data after close", .expert = "smtp_timeout.data_after_close",
      .summary = "Client sent data after the server closed",
      .response_code = false, .severity = ST_SEVERITY_WARN, .counts = true,
      .message = st_message_late_data, .tag = st_tag_late_data },
    { .finding = ST_FIND_RST_AFTER_CLOSE, .name = "reset after close", .expert = "smtp_timeout.rst_after_close",
      .summary = "Connection reset after the close",
      .response_code = false, .severity = ST_SEVERITY_WARN, .counts = true,
      .message = st_message_rst_after_close, .tag = st_tag_rst_after_close },
    /* Written back to the frame where an interval began: later passes only. */
    { .finding = ST_FIND_IDLE_START, .name = "idle interval start", .expert = "smtp_timeout.idle_start_note",
      .summary = "An idle interval begins after this frame",
      .response_code = false, .severity = ST_SEVERITY_NOTE, .counts = false,
      .message = st_message_idle_start, .tag = st_tag_idle_start },
    { .finding = ST_FIND_RST_AFTER_END, .name = "reset after a normal end", .expert = "smtp_timeout.rst_after_end",
      .summary = "Connection reset after a normal end (QUIT and 221, or both FINs)",
      .response_code = false, .severity = ST_SEVERITY_CHAT, .counts = false,
      .message = st_message_rst_after_end, .tag = st_tag_rst_after_end },
    { .finding = ST_FIND_ENCRYPTED_CLOSE, .name = "encrypted close", .expert = "smtp_timeout.encrypted_close",
      .summary = "Server gave up on an encrypted session (its records after the client's silence, then its close)",
      .response_code = false, .severity = ST_SEVERITY_WARN, .counts = true,
      .message = st_message_encrypted_close, .tag = st_tag_server_closed },
    { .finding = ST_FIND_CLIENT_GAVE_UP, .name = "client gave up", .expert = "smtp_timeout.client_gave_up",
      .summary = "Client closed or reset the connection while the server owed it a reply: it gave up waiting",
      .response_code = false, .severity = ST_SEVERITY_WARN, .counts = true,
      .message = st_message_client_gave_up, .tag = st_tag_client_gave_up },
    /* Said once a session for each reason; no tag, not counted. */
    { .finding = ST_FIND_UNREAD, .name = "not analysed", .expert = "smtp_timeout.not_analysed",
      .summary = "What the analysis could not read (no SMTP reply, a lost line, a sequence hole, a cut frame, "
                 "a clock jump)",
      .response_code = false, .severity = ST_SEVERITY_CHAT, .counts = false,
      .message = st_message_unread, .tag = NULL },
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

void st_say_message(const st_note *note, st_finding finding, char *buf, size_t size)
{
    const st_finding_row *row = st_finding_row_of(finding);

    if (row != NULL)
        row->message(note, buf, size);
    else if (size > 0)
        buf[0] = '\0';
}

void st_say_tag(const st_note *note, st_finding finding, char *buf, size_t size)
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
