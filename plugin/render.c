/* render.c: a frame's note as tree items and expert infos
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "render.h"

#include "core/mta.h"
#include "core/reply_class.h"
#include "core/findings.h"
#include "core/sentences.h"

#include <epan/expert.h>
#include <epan/proto.h>

static int proto_st = -1;
static int ett_st = -1;

static int hf_after = -1;
static int hf_data_bytes = -1;
static int hf_silent_side = -1;
static int hf_idle = -1;
static int hf_idle_start = -1;
static int hf_server_timeout = -1;
static int hf_client_stall = -1;
static int hf_exceeded_by = -1;
static int hf_since_close = -1;
static int hf_close_frame = -1;
static int hf_reply_code = -1;
static int hf_reply_status = -1;
static int hf_reply_text = -1;
static int hf_reply_frame = -1;
static int hf_bytes = -1;
static int hf_rst_from = -1;
static int hf_silence = -1;
static int hf_silence_until = -1;
static int hf_encrypted = -1;
static int hf_tls_stage = -1;
static int hf_records = -1;
static int hf_record_sizes = -1;
static int hf_reply_class = -1;
static int hf_mta = -1;
static int hf_gave_up = -1;
static int hf_cause = -1;
static int hf_hint = -1;
static int hf_timer = -1;
static int hf_below_rfc = -1;
static int hf_pooled = -1;
static int hf_finding = -1;
static int hf_message = -1;
static int hf_why = -1;
static int hf_unread = -1;

/* One expert info a finding, registered from the core's table, and the
 * explanation's and the hint's. */
static expert_field ei_findings[ST_FINDING_COUNT];
static expert_field ei_explanation = EI_INIT;
static expert_field ei_hint_note = EI_INIT;

/* The fields, as users type them in filters and columns. */
static hf_register_info fields[] = {
    { &hf_after, { "After", "smtp_timeout.after", FT_STRING, BASE_NONE, NULL, 0x0,
      "The command the session was busy with, in Postfix's log words (DATA, EHLO, STARTTLS...)", HFILL } },
    { &hf_data_bytes, { "Message bytes", "smtp_timeout.data_bytes", FT_UINT64, BASE_DEC, NULL, 0x0,
      "Message bytes the server had received before the silence", HFILL } },
    { &hf_silent_side, { "Silent side", "smtp_timeout.silent_side", FT_STRING, BASE_NONE, NULL, 0x0,
      "The side that had to speak next and did not: client or server", HFILL } },
    { &hf_idle, { "Idle", "smtp_timeout.idle", FT_RELATIVE_TIME, BASE_NONE, NULL, 0x0,
      "How long no payload crossed the connection before this frame", HFILL } },
    { &hf_idle_start, { "Idle since frame", "smtp_timeout.idle_start", FT_FRAMENUM, BASE_NONE, NULL, 0x0,
      "The frame with the last payload before the silence", HFILL } },
    { &hf_server_timeout, { "Server timeout", "smtp_timeout.server_timeout", FT_RELATIVE_TIME, BASE_NONE,
      NULL, 0x0, "The server's read timeout, as the capture shows it (the idle interval that ran out)", HFILL } },
    { &hf_client_stall, { "Client stall", "smtp_timeout.client_stall", FT_RELATIVE_TIME, BASE_NONE, NULL, 0x0,
      "How long the client really stayed silent: from the start of the idle interval to its next data", HFILL } },
    { &hf_exceeded_by, { "Exceeded by", "smtp_timeout.exceeded_by", FT_RELATIVE_TIME, BASE_NONE, NULL, 0x0,
      "By how much the client's stall exceeded the server's timeout", HFILL } },
    { &hf_since_close, { "Since close", "smtp_timeout.since_close", FT_RELATIVE_TIME, BASE_NONE, NULL, 0x0,
      "Time since the connection was closed", HFILL } },
    { &hf_close_frame, { "Close frame", "smtp_timeout.close_frame", FT_FRAMENUM, BASE_NONE, NULL, 0x0,
      "The first FIN of the connection, or the server's 421 when no FIN came", HFILL } },
    { &hf_reply_code, { "Reply code", "smtp_timeout.reply_code", FT_UINT16, BASE_DEC, NULL, 0x0,
      "The server's reply code (421, or a 4xx timeout reply)", HFILL } },
    { &hf_reply_status, { "Enhanced status", "smtp_timeout.reply_status", FT_STRING, BASE_NONE, NULL, 0x0,
      "The reply's enhanced status code (RFC 3463), e.g. 4.4.2", HFILL } },
    { &hf_reply_text, { "Reply text", "smtp_timeout.reply_text", FT_STRING, BASE_NONE, NULL, 0x0,
      "The reply text after code and status", HFILL } },
    { &hf_reply_frame, { "Reply frame", "smtp_timeout.reply_frame", FT_FRAMENUM, BASE_NONE, NULL, 0x0,
      "The frame of the server's 421 or timeout reply", HFILL } },
    { &hf_bytes, { "Late bytes", "smtp_timeout.bytes", FT_UINT32, BASE_DEC, NULL, 0x0,
      "Client bytes in this frame, sent after the server closed", HFILL } },
    { &hf_rst_from, { "Reset by", "smtp_timeout.rst_from", FT_STRING, BASE_NONE, NULL, 0x0,
      "The side that sent the RST: client or server", HFILL } },
    { &hf_silence, { "Silence", "smtp_timeout.silence", FT_RELATIVE_TIME, BASE_NONE, NULL, 0x0,
      "How long the silence that begins after this frame lasted", HFILL } },
    { &hf_reply_class, { "Reply class", "smtp_timeout.reply_class", FT_STRING, BASE_NONE, NULL, 0x0,
      "What the reply says: timeout, connection-dropped, capacity, policy, shutdown or other", HFILL } },
    { &hf_mta, { "Server software", "smtp_timeout.mta", FT_STRING, BASE_NONE, NULL, 0x0,
      "The server's software, told by its greeting, EHLO reply or reply texts; unknown if they do not say",
      HFILL } },
    { &hf_gave_up, { "Gave up", "smtp_timeout.gave_up", FT_STRING, BASE_NONE, NULL, 0x0,
      "Who ended the session by giving up: server, client or middlebox", HFILL } },
    { &hf_cause, { "Cause", "smtp_timeout.cause", FT_STRING, BASE_NONE, NULL, 0x0,
      "Why, from what the capture holds: dns-lookup, mtu-blackhole, zero-window, packet-loss, tls-stall, "
      "smtp-inspection, client-idle, server-slow or unknown", HFILL } },
    { &hf_hint, { "Hint", "smtp_timeout.hint", FT_STRING, BASE_NONE, NULL, 0x0,
      "The side to fix first and the setting to change", HFILL } },
    { &hf_timer, { "Matching default", "smtp_timeout.timer", FT_STRING, BASE_NONE, NULL, 0x0,
      "The known default timer the interval matches", HFILL } },
    { &hf_below_rfc, { "Below RFC 5321 minimum", "smtp_timeout.below_rfc", FT_BOOLEAN, BASE_NONE, NULL, 0x0,
      "The server's timeout is under the 5 minutes RFC 5321 recommends", HFILL } },
    { &hf_pooled, { "Pooled connection reused", "smtp_timeout.pooled", FT_BOOLEAN, BASE_NONE, NULL, 0x0,
      "The server gave up on a connection idle between messages (after END-OF-MESSAGE or RSET), or the client "
      "came back to it: a connection pool or cache", HFILL } },
    { &hf_finding, { "Finding", "smtp_timeout.finding", FT_STRING, BASE_NONE, NULL, 0x0,
      "Each finding on this frame, by name (gap, session-ending reply, late data...); hidden", HFILL } },
    { &hf_message, { "Message", "smtp_timeout.message", FT_STRING, BASE_NONE, NULL, 0x0,
      "Each finding's expert-info sentence, for tshark -T fields and packet comments; hidden", HFILL } },
    { &hf_why, { "Explanation", "smtp_timeout.why", FT_STRING, BASE_NONE, NULL, 0x0,
      "Who gave up, after how long, the default it matches, the cause and its evidence, in one sentence "
      "(the explanation's expert-info text, for tshark -T fields and packet comments); hidden", HFILL } },
    { &hf_silence_until, { "Silence until frame", "smtp_timeout.silence_until", FT_FRAMENUM, BASE_NONE, NULL,
      0x0, "The frame that ended the silence that begins after this frame", HFILL } },
    { &hf_encrypted, { "Encrypted", "smtp_timeout.encrypted", FT_BOOLEAN, BASE_NONE, NULL, 0x0,
      "The finding is inside TLS (after STARTTLS's 220, or on a TLS port)", HFILL } },
    { &hf_tls_stage, { "TLS handshake stage", "smtp_timeout.tls_stage", FT_STRING, BASE_NONE, NULL, 0x0,
      "How far the TLS handshake got: client-hello, server-hello, server-flight, client-finished, "
      "server-finished", HFILL } },
    { &hf_records, { "Records", "smtp_timeout.records", FT_UINT8, BASE_DEC, NULL, 0x0,
      "The TLS records the server sent after the client's silence, before it closed", HFILL } },
    { &hf_record_sizes, { "Record sizes", "smtp_timeout.record_sizes", FT_STRING, BASE_NONE, NULL, 0x0,
      "The sizes of those records (the first two)", HFILL } },
    { &hf_unread, { "Not analysed", "smtp_timeout.unread", FT_STRING, BASE_NONE, NULL, 0x0,
      "What the analysis could not read from this frame on: not-smtp, line-lost, hole, cut, clock", HFILL } },
};
/* The expert infos: the findings' from the core's table (warnings for
 * what ended or broke a session, notes for the silences around them, chats
 * for what changed nothing), and the explanation's and the hint's. */
static ei_register_info experts[ST_FINDING_COUNT + 2] = {
    { &ei_explanation, { "smtp_timeout.explanation", PI_SEQUENCE, PI_NOTE,
      "Who gave up, and why", EXPFILL } },
    { &ei_hint_note, { "smtp_timeout.hint_note", PI_SEQUENCE, PI_NOTE,
      "What to change", EXPFILL } },
};

/* The one mapping of the core's severities to Wireshark's. */
static int pi_severity(st_severity severity)
{
    switch (severity) {
    case ST_SEVERITY_WARN: return PI_WARN;
    case ST_SEVERITY_NOTE: return PI_NOTE;
    default:               return PI_CHAT;
    }
}

static void finding_experts(void)
{
    for (unsigned i = 0; i < ST_FINDING_COUNT; i++) {
        const st_finding_row *row = &st_findings[i];
        ei_register_info *ei = &experts[2 + i];
        ei_findings[i] = ei_explanation; /* EI_INIT, as the explanation's before registration */
        *ei = experts[0];
        ei->ids = &ei_findings[i];
        ei->eiinfo.name = row->expert;
        ei->eiinfo.group = row->response_code ? PI_RESPONSE_CODE : PI_SEQUENCE;
        ei->eiinfo.severity = pi_severity(row->severity);
        ei->eiinfo.summary = row->summary;
    }
}

void st_render_register(int proto)
{
    static int *ett[] = { &ett_st };
    expert_module_t *expert;

    proto_st = proto;
    proto_register_field_array(proto, fields, array_length(fields));
    proto_register_subtree_array(ett, array_length(ett));
    finding_experts();
    expert = expert_register_protocol(proto);
    expert_register_field_array(expert, experts, array_length(experts));
}

static void add_time(proto_tree *tree, int hf, tvbuff_t *tvb, int64_t ns)
{
    nstime_t t;

    t.secs = (time_t)(ns / 1000000000);
    t.nsecs = (int)(ns % 1000000000);
    proto_item_set_generated(proto_tree_add_time(tree, hf, tvb, 0, 0, &t));
}

static void add_frame(proto_tree *tree, int hf, tvbuff_t *tvb, uint32_t frame)
{
    proto_item_set_generated(proto_tree_add_uint(tree, hf, tvb, 0, 0, frame));
}

static void add_string(proto_tree *tree, int hf, tvbuff_t *tvb, const char *text)
{
    proto_item_set_generated(proto_tree_add_string(tree, hf, tvb, 0, 0, text));
}

static void add_tls_fields(proto_tree *tree, tvbuff_t *tvb, const st_note *n)
{
    char sizes[24];

    if (n->has & ST_HAS_ENCRYPTED)
        proto_item_set_generated(proto_tree_add_boolean(tree, hf_encrypted, tvb, 0, 0, 1));
    if (n->has & ST_HAS_TLS_STAGE)
        add_string(tree, hf_tls_stage, tvb, st_tls_stage_name((st_tls_stage)n->tls_stage));
    if (n->has & ST_HAS_RECORDS) {
        proto_item_set_generated(proto_tree_add_uint(tree, hf_records, tvb, 0, 0, n->records));
        if (n->records >= 2)
            g_snprintf(sizes, sizeof(sizes), "%u,%u", n->record_sizes[0], n->record_sizes[1]);
        else
            g_snprintf(sizes, sizeof(sizes), "%u", n->record_sizes[0]);
        add_string(tree, hf_record_sizes, tvb, sizes);
    }
}

static void add_unread(proto_tree *tree, tvbuff_t *tvb, const st_note *n)
{
    char reasons[64] = "";

    if (!(n->findings & ST_FIND_UNREAD))
        return;
    for (unsigned why = 0; why < ST_UNREAD_COUNT; why++) {
        if (n->unread & (1u << why)) {
            if (reasons[0] != '\0')
                g_strlcat(reasons, ",", sizeof(reasons));
            g_strlcat(reasons, st_unread_name((st_unread)why), sizeof(reasons));
        }
    }
    add_string(tree, hf_unread, tvb, reasons);
}

static void add_fields(proto_tree *tree, tvbuff_t *tvb, const st_note *n)
{
    if (n->findings & ST_FIND_REPLY) {
        proto_item_set_generated(proto_tree_add_uint(tree, hf_reply_code, tvb, 0, 0, n->reply.code));
        if (n->reply.status[0] != '\0')
            add_string(tree, hf_reply_status, tvb, n->reply.status);
        add_string(tree, hf_reply_text, tvb, n->reply_text);
        add_string(tree, hf_reply_class, tvb, st_reply_class_name((st_reply_class)n->reply.cls));
    }
    if (n->has & ST_HAS_MTA)
        add_string(tree, hf_mta, tvb, st_mta_name((st_mta)n->mta));
    if (n->has & ST_HAS_AFTER)
        add_string(tree, hf_after, tvb, st_after_name((st_after)n->after));
    if (n->has & ST_HAS_DATA_BYTES)
        proto_item_set_generated(proto_tree_add_uint64(tree, hf_data_bytes, tvb, 0, 0, n->data_bytes));
    if (n->silent_side != ST_SIDE_NONE)
        add_string(tree, hf_silent_side, tvb, st_side_name((st_side)n->silent_side));
    if (n->has & ST_HAS_IDLE)
        add_time(tree, hf_idle, tvb, n->idle_ns);
    if (n->has & ST_HAS_IDLE_START)
        add_frame(tree, hf_idle_start, tvb, n->idle_start_frame);
    if (n->has & ST_HAS_SERVER_TIMEOUT)
        add_time(tree, hf_server_timeout, tvb, n->server_timeout_ns);
    if (n->has & ST_HAS_CLIENT_STALL)
        add_time(tree, hf_client_stall, tvb, n->client_stall_ns);
    if (n->has & ST_HAS_EXCEEDED_BY)
        add_time(tree, hf_exceeded_by, tvb, n->exceeded_by_ns);
    if (n->findings & ST_FIND_DATA_AFTER_CLOSE)
        proto_item_set_generated(proto_tree_add_uint(tree, hf_bytes, tvb, 0, 0, n->late_bytes));
    if (n->findings & (ST_FIND_RST_AFTER_CLOSE | ST_FIND_RST_AFTER_END) ||
        (n->findings & ST_FIND_CLIENT_GAVE_UP && n->rst_from != ST_SIDE_NONE))
        add_string(tree, hf_rst_from, tvb, st_side_name((st_side)n->rst_from));
    if (n->has & ST_HAS_SINCE_CLOSE)
        add_time(tree, hf_since_close, tvb, n->closed.since_ns);
    if (n->has & ST_HAS_CLOSE_FRAME)
        add_frame(tree, hf_close_frame, tvb, n->closed.frame);
    if (n->has & ST_HAS_REPLY_FRAME)
        add_frame(tree, hf_reply_frame, tvb, n->closed.reply_frame);
    if (n->findings & ST_FIND_IDLE_START) {
        add_time(tree, hf_silence, tvb, n->begins.ns);
        add_frame(tree, hf_silence_until, tvb, n->begins.until_frame);
    }
    add_tls_fields(tree, tvb, n);
    add_unread(tree, tvb, n);
}

static void add_explanation(proto_tree *tree, proto_item *item, tvbuff_t *tvb, packet_info *pinfo, const st_note *n)
{
    char text[512];

    if (!(n->has & ST_HAS_EXPLANATION))
        return;
    if (n->gave_up != ST_GAVE_UP_NONE)
        add_string(tree, hf_gave_up, tvb, st_gave_up_name((st_gave_up)n->gave_up));
    add_string(tree, hf_cause, tvb, st_cause_name((st_cause)n->cause));
    if (n->timer != 0)
        add_string(tree, hf_timer, tvb, st_say_timer(n));
    if (n->explain & ST_EX_BELOW_RFC)
        proto_item_set_generated(proto_tree_add_boolean(tree, hf_below_rfc, tvb, 0, 0, 1));
    if (n->explain & ST_EX_POOLED)
        proto_item_set_generated(proto_tree_add_boolean(tree, hf_pooled, tvb, 0, 0, 1));
    st_say_explanation(n, text, sizeof(text));
    expert_add_info_format(pinfo, item, &ei_explanation, "%s", text);
    proto_item_set_hidden(proto_tree_add_string(tree, hf_why, tvb, 0, 0, text));
    st_say_hint(n, text, sizeof(text));
    if (text[0] != '\0') {
        add_string(tree, hf_hint, tvb, text);
        expert_add_info_format(pinfo, item, &ei_hint_note, "%s", text);
    }
}

/* The findings' tags at the end of the Info column, as TCP's analysis
 * puts "[TCP Retransmission]" there: warnings, and notes when asked. */
static void add_tags(packet_info *pinfo, const st_note *n, st_tags tags)
{
    char tag[128];

    if (tags == ST_TAGS_NONE)
        return;
    for (unsigned bit = 0; bit < ST_FINDING_COUNT; bit++) {
        st_finding finding = (st_finding)(1u << bit);
        if (!(n->findings & finding) || (tags == ST_TAGS_WARNINGS && !st_finding_is_warning(finding)))
            continue;
        st_say_tag(n, finding, tag, sizeof(tag));
        if (tag[0] != '\0')
            col_append_sep_str(pinfo->cinfo, COL_INFO, " ", tag);
    }
}

void st_render(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, const st_note *n, st_tags tags)
{
    proto_item *item = proto_tree_add_item(tree, proto_st, tvb, 0, 0, ENC_NA);
    proto_tree *st_tree = proto_item_add_subtree(item, ett_st);
    char message[512];

    const char *separator = ": ";

    proto_item_set_generated(item);
    add_fields(st_tree, tvb, n);
    for (unsigned bit = 0; bit < ST_FINDING_COUNT; bit++) {
        st_finding finding = (st_finding)(1u << bit);
        if (!(n->findings & finding))
            continue;
        proto_item_append_text(item, "%s%s", separator, st_finding_name(finding));
        separator = ", ";
        st_say_message(n, finding, message, sizeof(message));
        expert_add_info_format(pinfo, item, &ei_findings[bit], "%s", message);
        /* The same words as fields, so scripts need not sort out other
         * protocols' expert infos. */
        proto_item_set_hidden(proto_tree_add_string(st_tree, hf_finding, tvb, 0, 0, st_finding_name(finding)));
        proto_item_set_hidden(proto_tree_add_string(st_tree, hf_message, tvb, 0, 0, message));
    }
    add_explanation(st_tree, item, tvb, pinfo, n);
    add_tags(pinfo, n, tags);
}
