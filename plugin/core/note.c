/* note.c: what smtp-timeout found on one frame, as facts
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "note.h"

#include <string.h>

const char *st_side_name(st_side side)
{
    switch (side) {
    case ST_SIDE_CLIENT: return "client";
    case ST_SIDE_SERVER: return "server";
    default:             return "";
    }
}

void st_note_clear(st_note *n)
{
    memset(n, 0, offsetof(st_note, reply_text));
    n->reply_text[0] = '\0';
}

const char *st_unread_name(st_unread why)
{
    static const char *const names[ST_UNREAD_COUNT] = {
        [ST_UNREAD_NOT_SMTP] = "not-smtp", [ST_UNREAD_LINE_LOST] = "line-lost", [ST_UNREAD_HOLE] = "hole",
        [ST_UNREAD_CUT] = "cut", [ST_UNREAD_CLOCK] = "clock",
    };
    return (unsigned)why < ST_UNREAD_COUNT ? names[why] : "";
}

const char *st_gave_up_name(st_gave_up gave_up)
{
    switch (gave_up) {
    case ST_GAVE_UP_SERVER:    return "server";
    case ST_GAVE_UP_CLIENT:    return "client";
    case ST_GAVE_UP_MIDDLEBOX: return "middlebox";
    default:                   return "";
    }
}

const char *st_cause_name(st_cause cause)
{
    static const char *const names[ST_CAUSE_COUNT] = {
        [ST_CAUSE_NONE] = "", [ST_CAUSE_DNS_LOOKUP] = "dns-lookup", [ST_CAUSE_MTU_BLACKHOLE] = "mtu-blackhole",
        [ST_CAUSE_ZERO_WINDOW] = "zero-window", [ST_CAUSE_PACKET_LOSS] = "packet-loss",
        [ST_CAUSE_TLS_STALL] = "tls-stall", [ST_CAUSE_SMTP_INSPECTION] = "smtp-inspection",
        [ST_CAUSE_CLIENT_IDLE] = "client-idle", [ST_CAUSE_SERVER_SLOW] = "server-slow",
        [ST_CAUSE_UNKNOWN] = "unknown",
    };
    return (unsigned)cause < ST_CAUSE_COUNT ? names[cause] : "";
}

const char *st_tls_stage_name(st_tls_stage stage)
{
    static const char *const names[ST_TLS_COUNT] = {
        [ST_TLS_NONE] = "", [ST_TLS_CLIENT_HELLO] = "client-hello", [ST_TLS_SERVER_HELLO] = "server-hello",
        [ST_TLS_SERVER_FLIGHT] = "server-flight", [ST_TLS_CLIENT_FINISHED] = "client-finished",
        [ST_TLS_SERVER_FINISHED] = "server-finished", [ST_TLS_DONE] = "done",
    };
    return (unsigned)stage < ST_TLS_COUNT ? names[stage] : "";
}

static void merge_explanation(st_note *into, const st_note *from)
{
    into->gave_up = from->gave_up;
    into->cause = from->cause;
    into->timer = from->timer;
    into->explain = from->explain;
    into->evidence = from->evidence;
    into->timed_ns = from->timed_ns;
}

static void merge_values(st_note *into, const st_note *from, uint32_t new_has)
{
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
    if (new_has & ST_HAS_SINCE_CLOSE)    into->closed.since_ns = from->closed.since_ns;
    if (new_has & ST_HAS_CLOSE_FRAME)    into->closed.frame = from->closed.frame;
    if (new_has & ST_HAS_REPLY_FRAME)    into->closed.reply_frame = from->closed.reply_frame;
    if (new_has & ST_HAS_MTA)            into->mta = from->mta;
    if (new_has & ST_HAS_ENCRYPTED)      into->opaque = from->opaque;
    if (new_has & ST_HAS_EXPLANATION)    merge_explanation(into, from);
    if (new_has & ST_HAS_TLS_STAGE)      into->tls_stage = from->tls_stage;
    if (new_has & ST_HAS_RECORDS) {
        into->records = from->records;
        memcpy(into->record_sizes, from->record_sizes, sizeof(into->record_sizes));
    }
}

static void merge_findings(st_note *into, const st_note *from, uint32_t new_findings)
{
    if (new_findings & ST_FIND_REPLY) {
        into->reply = from->reply;
        memcpy(into->reply_text, from->reply_text, sizeof(into->reply_text));
    }
    if (new_findings & ST_FIND_DATA_AFTER_CLOSE)
        into->late_bytes = from->late_bytes;
    if (new_findings & (ST_FIND_RST_AFTER_CLOSE | ST_FIND_RST_AFTER_END))
        into->rst_from = from->rst_from;
    if (new_findings & ST_FIND_UNREAD)
        into->unread = from->unread;
    if (new_findings & ST_FIND_IDLE_START) {
        into->begins = from->begins;
    }
}

void st_note_merge(st_note *into, const st_note *from)
{
    if (into->findings == 0 && into->has == 0) {
        *into = *from;
        return;
    }
    merge_values(into, from, from->has & ~into->has);
    merge_findings(into, from, from->findings & ~into->findings);
    into->has |= from->has;
    into->findings |= from->findings;
}
