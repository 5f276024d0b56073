/* sentences_tags.c: the findings' short tags for the Info column
 *
 * As TCP's analysis writes "[TCP Retransmission]": "[SMTP timeout: client
 * silent 59.954 s after DATA]", "[Data 30.527 s after close]"...
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "sentences.h"

#include <glib.h>

#include "reply_class.h"

/* What the side that had to speak did not say: " after DATA", or "". */
static void tag_after(const st_note *note, char *buf, size_t size)
{
    const char *name = st_after_name((st_after)note->after);

    if (note->has & ST_HAS_AFTER && name[0] != '\0')
        g_snprintf(buf, (gulong)size, " after %s", name);
    else if (note->has & ST_HAS_ENCRYPTED && note->opaque)
        g_strlcpy(buf, " inside TLS", size);
    else
        buf[0] = '\0';
}

static void tag_reply(const st_note *note, const char *after, const char *idle, char *buf, size_t size)
{
    if (note->has & ST_HAS_SERVER_TIMEOUT)
        g_snprintf(buf, (gulong)size, "[SMTP timeout: %s silent %s%s]", st_side_name((st_side)note->silent_side),
                   idle, after);
    else
        g_snprintf(buf, (gulong)size, "[SMTP %u %s]", note->reply.code,
                   st_reply_class_name((st_reply_class)note->reply.cls));
}

void st_tag_reply(const st_note *note, char *buf, size_t size)
{
    char after[48], idle[32];

    tag_after(note, after, sizeof(after));
    st_format_duration(note->idle_ns, idle, sizeof(idle));
    tag_reply(note, after, idle, buf, size);
}

/* "[SMTP <what>: <side> silent <idle><after><tail>]": a silence. */
static void tag_silence(const st_note *note, const char *what, const char *tail, char *buf, size_t size)
{
    char after[48], idle[32];

    tag_after(note, after, sizeof(after));
    st_format_duration(note->idle_ns, idle, sizeof(idle));
    g_snprintf(buf, (gulong)size, "[SMTP %s: %s silent %s%s%s]", what, st_side_name((st_side)note->silent_side),
               idle, after, tail);
}

/* A silent close and an encrypted one read alike in the Info column. */
void st_tag_server_closed(const st_note *note, char *buf, size_t size)
{
    tag_silence(note, "timeout", ", server closed", buf, size);
}

void st_tag_late_data(const st_note *note, char *buf, size_t size)
{
    char t[32];

    st_format_duration(note->closed.since_ns, t, sizeof(t));
    g_snprintf(buf, (gulong)size, "[Data %s after close]", t);
}

void st_tag_rst_after_close(const st_note *note, char *buf, size_t size)
{
    (void)note;
    g_strlcpy(buf, "[RST after close]", size);
}

void st_tag_client_gave_up(const st_note *note, char *buf, size_t size)
{
    char idle[32];

    st_format_duration(note->idle_ns, idle, sizeof(idle));
    g_snprintf(buf, (gulong)size, "[Client gave up after %s]", idle);
}

void st_tag_gap(const st_note *note, char *buf, size_t size)
{
    tag_silence(note, "gap", "", buf, size);
}

void st_tag_idle_start(const st_note *note, char *buf, size_t size)
{
    char t[32];

    st_format_duration(note->begins.ns, t, sizeof(t));
    g_snprintf(buf, (gulong)size, "[SMTP idle %s from here]", t);
}

void st_tag_rst_after_end(const st_note *note, char *buf, size_t size)
{
    (void)note;
    g_strlcpy(buf, "[RST after a normal end]", size);
}
