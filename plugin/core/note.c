/* note.c: what smtp-timeout has to say about one frame
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "note.h"

#include <glib.h>
#include <inttypes.h>
#include <string.h>

const char *st_side_name(st_side side)
{
    switch (side) {
    case ST_SIDE_CLIENT: return "client";
    case ST_SIDE_SERVER: return "server";
    default:             return "";
    }
}

static const char *side_title(st_side side)
{
    return side == ST_SIDE_SERVER ? "Server" : "Client";
}

const char *st_finding_name(st_finding finding)
{
    switch (finding) {
    case ST_FIND_GAP:              return "gap";
    case ST_FIND_REPLY:            return "session-ending reply";
    case ST_FIND_SILENT_CLOSE:     return "silent close";
    case ST_FIND_DATA_AFTER_CLOSE: return "data after close";
    case ST_FIND_RST_AFTER_CLOSE:  return "reset after close";
    case ST_FIND_IDLE_START:       return "idle interval start";
    case ST_FIND_RST_AFTER_END:    return "reset after a normal end";
    default:                       return "";
    }
}

void st_note_merge(st_note *into, const st_note *from)
{
    uint32_t new_has = from->has & ~into->has;
    uint32_t new_findings = from->findings & ~into->findings;

    if (into->findings == 0 && into->has == 0) {
        *into = *from;
        return;
    }
    if (new_has & ST_HAS_AFTER)          into->after = from->after;
    if (new_has & ST_HAS_DATA_BYTES)     into->data_bytes = from->data_bytes;
    if (new_has & ST_HAS_IDLE) {
        into->idle_ns = from->idle_ns;
        into->silent_side = from->silent_side;
    }
    if (new_has & ST_HAS_IDLE_START)     into->idle_start_frame = from->idle_start_frame;
    if (new_has & ST_HAS_SERVER_TIMEOUT) into->server_timeout_ns = from->server_timeout_ns;
    if (new_has & ST_HAS_CLIENT_STALL)   into->client_stall_ns = from->client_stall_ns;
    if (new_has & ST_HAS_EXCEEDED_BY)    into->exceeded_by_ns = from->exceeded_by_ns;
    if (new_has & ST_HAS_SINCE_CLOSE)    into->since_close_ns = from->since_close_ns;
    if (new_has & ST_HAS_CLOSE_FRAME)    into->close_frame = from->close_frame;
    if (new_has & ST_HAS_REPLY_FRAME)    into->reply_frame = from->reply_frame;
    if (new_has & ST_HAS_MTA)            into->mta = from->mta;
    if (new_has & ST_HAS_EXPLANATION) {
        into->gave_up = from->gave_up;
        into->cause = from->cause;
        into->timer = from->timer;
        into->explain = from->explain;
        into->ev_count = from->ev_count;
        into->ev_answered = from->ev_answered;
        into->ev_failed = from->ev_failed;
        into->ev_unanswered = from->ev_unanswered;
        into->ev_ns = from->ev_ns;
        into->timed_ns = from->timed_ns;
    }
    if (new_findings & ST_FIND_REPLY) {
        into->reply_class = from->reply_class;
        into->reply_code = from->reply_code;
        memcpy(into->reply_status, from->reply_status, sizeof(into->reply_status));
        into->reply_text = from->reply_text;
        into->reply_text_len = from->reply_text_len;
    }
    if (new_findings & ST_FIND_DATA_AFTER_CLOSE) into->late_bytes = from->late_bytes;
    if (new_findings & (ST_FIND_RST_AFTER_CLOSE | ST_FIND_RST_AFTER_END))
        into->rst_from = from->rst_from;
    if (new_findings & ST_FIND_IDLE_START) {
        into->silence_side = from->silence_side;
        into->silence_ns = from->silence_ns;
        into->silence_end_frame = from->silence_end_frame;
    }
    into->has |= from->has;
    into->findings |= from->findings;
}

void st_format_duration(int64_t ns, char *buf, size_t size)
{
    int64_t ms;

    if (ns < 0)
        ns = 0;
    ms = (ns + 500000) / 1000000;
    g_snprintf(buf, (gulong)size, "%" PRId64 ".%03d s", ms / 1000, (int)(ms % 1000));
}

/* " after DATA (0 bytes)", " after EHLO", or "" when not known. */
static void format_after(const st_note *note, char *buf, size_t size)
{
    const char *name = st_after_name((st_after)note->after);

    if (!(note->has & ST_HAS_AFTER) || name[0] == '\0')
        buf[0] = '\0';
    else if (note->has & ST_HAS_DATA_BYTES)
        g_snprintf(buf, (gulong)size, " after %s (%" PRIu64 " bytes)", name, note->data_bytes);
    else
        g_snprintf(buf, (gulong)size, " after %s", name);
}

static void format_reply_head(const st_note *note, char *buf, size_t size)
{
    if (note->reply_status[0] != '\0')
        g_snprintf(buf, (gulong)size, "%u %s", note->reply_code, note->reply_status);
    else
        g_snprintf(buf, (gulong)size, "%u", note->reply_code);
}

static void message_reply(const st_note *note, const char *after, char *buf, size_t size)
{
    char head[32], idle[32];

    format_reply_head(note, head, sizeof(head));
    st_format_duration(note->idle_ns, idle, sizeof(idle));
    if (note->has & ST_HAS_SERVER_TIMEOUT)
        g_snprintf(buf, (gulong)size, "%s%s: server gave up after %s of client silence", head, after, idle);
    else if (note->silent_side == ST_SIDE_SERVER && note->has & ST_HAS_AFTER)
        g_snprintf(buf, (gulong)size, "%s in reply to %s: server ends the session, not a timeout",
                   head, st_after_name((st_after)note->after));
    else if (note->has & ST_HAS_IDLE)
        g_snprintf(buf, (gulong)size, "%s%s: server ends the session %s after the last payload", head, after, idle);
    else
        g_snprintf(buf, (gulong)size, "%s%s: server ends the session", head, after);
}

static void message_late_data(const st_note *note, char *buf, size_t size)
{
    char since[32], stall[32], over[32], timeout[32];

    st_format_duration(note->since_close_ns, since, sizeof(since));
    st_format_duration(note->client_stall_ns, stall, sizeof(stall));
    st_format_duration(note->exceeded_by_ns, over, sizeof(over));
    st_format_duration(note->server_timeout_ns, timeout, sizeof(timeout));
    if (note->has & ST_HAS_EXCEEDED_BY)
        g_snprintf(buf, (gulong)size,
                   "Client sent %u bytes %s after the server closed (frame %u): it stalled %s, %s past the server's %s timeout",
                   note->late_bytes, since, note->close_frame, stall, over, timeout);
    else if (note->has & ST_HAS_CLIENT_STALL)
        g_snprintf(buf, (gulong)size, "Client sent %u bytes %s after the server closed (frame %u): it stalled %s",
                   note->late_bytes, since, note->close_frame, stall);
    else
        g_snprintf(buf, (gulong)size, "Client sent %u bytes %s after the server closed (frame %u)",
                   note->late_bytes, since, note->close_frame);
}

static void message_rst(const st_note *note, char *buf, size_t size)
{
    char since[32], reply[48] = "";

    st_format_duration(note->since_close_ns, since, sizeof(since));
    if (note->has & ST_HAS_REPLY_FRAME && note->reply_frame != note->close_frame)
        g_snprintf(reply, sizeof(reply), " (%u reply in frame %u)", note->reply_code, note->reply_frame);
    g_snprintf(buf, (gulong)size, "%s reset the connection %s after the close in frame %u%s",
               side_title((st_side)note->rst_from), since, note->close_frame, reply);
}

static void message_benign_rst(const st_note *note, char *buf, size_t size)
{
    char since[32];

    st_format_duration(note->since_close_ns, since, sizeof(since));
    if (note->has & ST_HAS_CLOSE_FRAME)
        g_snprintf(buf, (gulong)size, "%s reset the connection %s after the close in frame %u: a normal ending",
                   side_title((st_side)note->rst_from), since, note->close_frame);
    else
        g_snprintf(buf, (gulong)size, "%s reset the connection after QUIT and 221: a normal ending",
                   side_title((st_side)note->rst_from));
}

void st_note_message(const st_note *note, st_finding finding, char *buf, size_t size)
{
    char after[64], idle[32];

    format_after(note, after, sizeof(after));
    st_format_duration(note->idle_ns, idle, sizeof(idle));
    switch (finding) {
    case ST_FIND_GAP:
        g_snprintf(buf, (gulong)size, "%s silent for %s%s, since frame %u",
                   side_title((st_side)note->silent_side), idle, after, note->idle_start_frame);
        break;
    case ST_FIND_REPLY:
        message_reply(note, after, buf, size);
        break;
    case ST_FIND_SILENT_CLOSE:
        g_snprintf(buf, (gulong)size,
                   "Server closed the connection without a reply%s: it gave up after %s of client silence",
                   after, idle);
        break;
    case ST_FIND_DATA_AFTER_CLOSE:
        message_late_data(note, buf, size);
        break;
    case ST_FIND_RST_AFTER_CLOSE:
        message_rst(note, buf, size);
        break;
    case ST_FIND_RST_AFTER_END:
        message_benign_rst(note, buf, size);
        break;
    case ST_FIND_IDLE_START:
        st_format_duration(note->silence_ns, idle, sizeof(idle));
        g_snprintf(buf, (gulong)size, "Idle interval starts here: the %s stayed silent for %s, until frame %u",
                   st_side_name((st_side)note->silence_side), idle, note->silence_end_frame);
        break;
    default:
        buf[0] = '\0';
    }
}
