/* packet-smtp-timeout.c: the smtp_timeout post-dissector
 *
 * On the first pass each frame of an SMTP session is fed to the core, and
 * what it finds is stored in file scope, keyed by frame number, so that a
 * finding can also be attached to an earlier frame (where a silence began).
 * Every pass, including the first, renders what is stored for the frame.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <string.h>

#include <epan/packet.h>
#include <epan/prefs.h>
#include <epan/proto.h>
#include <epan/tap.h>

#include "core/dns_log.h"
#include "core/session.h"
#include "core/smtp_line.h"
#include "fields.h"
#include "ports.h"
#include "render.h"
#include "report.h"
#include "session_map.h"
#include "stats.h"
#include "ws_compat.h"

void proto_register_smtp_timeout(void);
void proto_reg_handoff_smtp_timeout(void);

static int proto_smtp_timeout = -1;
static int smtp_timeout_tap = -1;
static dissector_handle_t smtp_timeout_handle;

static guint pref_gap_threshold_s = 10;
static st_pref_bool pref_info_tags = ST_PREF_TRUE;       /* warnings' tags in the Info column */
static st_pref_bool pref_info_tag_notes = ST_PREF_FALSE; /* ... and the notes' too */

/* What the analysis of one file keeps besides the sessions. */
static struct {
    st_config  config;
    st_clock   clock;
    st_dns_log dns;          /* the capture's recent DNS traffic: a sender's lookups explain its silence */
    wmem_map_t *notes;       /* frame number -> st_note, for the whole file */
} file;

#define DNS_PORT 53

/* Which end is the server: the core's rule, from the frame's ports. */
static st_side sender_role(const packet_info *pinfo, const st_segment *seg)
{
    st_frame_ports ports;

    ports.src_port = (uint16_t)pinfo->srcport;
    ports.dst_port = (uint16_t)pinfo->destport;
    ports.src_server = st_ports_is_server(pinfo->srcport);
    ports.dst_server = st_ports_is_server(pinfo->destport);
    ports.src_table = st_ports_in_table(pinfo->srcport);
    ports.dst_table = st_ports_in_table(pinfo->destport);
    return st_sender_role(&ports, seg);
}

/* A session starts with a frame whose server end is known: its port is an
 * SMTP port, or it says so with a reply.  A scanner's SYN from port 25
 * starts none, nor does a bare reset, which tells nothing. */
static st_tracked *start_session(packet_info *pinfo, const st_segment *seg)
{
    st_side sender = sender_role(pinfo, seg);
    guint32 server_port = sender == ST_SIDE_SERVER ? pinfo->srcport : pinfo->destport;
    st_tracked *s;

    if (sender == ST_SIDE_NONE)
        return NULL;
    if (!st_ports_any() && !st_ports_is_server(server_port) && !st_looks_like_reply(seg->payload, seg->captured))
        return NULL;
    if (seg->tcp_flags & ST_TCP_RST && seg->len == 0)
        return NULL;
    s = st_map_start(pinfo, sender == ST_SIDE_SERVER, st_ports_is_tls(server_port));
    if (s == NULL)
        return NULL;
    st_ports_learn(s->server_port);
    st_report_add(s);
    return s;
}

static void store_note(st_tracked *s, guint32 frame, const st_note *note)
{
    st_note *stored = (st_note *)wmem_map_lookup(file.notes, GUINT_TO_POINTER(frame));

    if (stored == NULL) {
        stored = wmem_new(wmem_file_scope(), st_note);
        *stored = *note;
        wmem_map_insert(file.notes, GUINT_TO_POINTER(frame), stored);
    } else {
        st_note_merge(stored, note);
    }
    st_report_count(s, frame, note);
}

static const st_note *lookup_note(uint32_t frame)
{
    return (const st_note *)wmem_map_lookup(file.notes, GUINT_TO_POINTER(frame));
}

/* A new connection on the ports of a finished one: the report keeps the
 * old session as it was, the live record starts again. */
static void retire(st_tracked *s)
{
    st_tracked *old = wmem_new(wmem_file_scope(), st_tracked);

    *old = *s;
    old->core.ext = NULL; /* the live record keeps it; the report needs none */
    st_report_add(old);
    memset(&s->tally, 0, sizeof(s->tally));
}

static void log_dns(proto_tree *tree, packet_info *pinfo)
{
    int64_t ts = st_frame_time_ns(&file.clock, pinfo);
    unsigned rcode;
    uint16_t id;

    if (!st_fields_dns_header(tree, &id, &rcode))
        return; /* no DNS message, or too short to pair */
    if (pinfo->destport == DNS_PORT && pinfo->srcport != DNS_PORT)
        st_dns_log_query(&file.dns, st_dns_host_key(pinfo->src.data, (unsigned)pinfo->src.len), id, ts);
    else if (pinfo->srcport == DNS_PORT && pinfo->destport != DNS_PORT)
        st_dns_log_answer(&file.dns, st_dns_host_key(pinfo->dst.data, (unsigned)pinfo->dst.len), id, rcode, ts);
}

/* First pass: feed the frame to its session; whether it got a note. */
static bool analyse(proto_tree *tree, packet_info *pinfo, const st_layers *layers)
{
    st_tracked *s = st_map_find(pinfo);
    st_segment seg = { 0 };
    tvbuff_t *tcp_tvb;
    st_note here, earlier;
    guint32 earlier_frame;

    seg.frame = pinfo->num;
    seg.ts_ns = st_frame_time_ns(&file.clock, pinfo);
    if (!st_fields_read(tree, pinfo, &seg, &tcp_tvb))
        return false;
    if (s == NULL && (s = start_session(pinfo, &seg)) == NULL)
        return false;
    seg.from = st_map_side(s, pinfo);
    seg.client_host = s->client_host;
    if (layers->tls)
        st_fields_decrypted(tree, pinfo, tcp_tvb, &seg);
    if (st_session_restarts(&s->core, &seg))
        retire(s);
    st_session_feed(&s->core, &file.config, &seg, &here, &earlier, &earlier_frame);
    if (here.findings != 0)
        store_note(s, pinfo->num, &here);
    if (earlier_frame != 0)
        store_note(s, earlier_frame, &earlier);
    return here.findings != 0;
}

static int dissect_smtp_timeout(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data _U_)
{
    const st_note *note;
    st_layers layers;

    if (pinfo->ptype != PT_TCP) {
        if (pinfo->ptype == PT_UDP && !PINFO_FD_VISITED(pinfo) &&
            (pinfo->srcport == DNS_PORT || pinfo->destport == DNS_PORT))
            log_dns(tree, pinfo);
        return 0;
    }
    /* Most TCP frames leave here, for two port comparisons.  A session on
     * another port (a proxy's) begins with a reply, and its server port is
     * then known. */
    if (!st_ports_frame_on_server(pinfo) && (PINFO_FD_VISITED(pinfo) || !st_frame_has_reply(tree)))
        return 0;
    st_frame_layers(pinfo, &layers);
    if (layers.inside_icmp)
        return 0;
    /* On the first pass a frame can only have the note it just got. */
    if (!PINFO_FD_VISITED(pinfo) && !analyse(tree, pinfo, &layers))
        return 0;
    note = lookup_note(pinfo->num);
    if (note != NULL) {
        st_render(tvb, pinfo, tree, note,
                  !pref_info_tags ? ST_TAGS_NONE : pref_info_tag_notes ? ST_TAGS_ALL : ST_TAGS_WARNINGS);
        tap_queue_packet(smtp_timeout_tap, pinfo, note);
    }
    return 0;
}

/* The core asks for a session's extension once, when it needs one. */
static void *file_alloc(void *ctx _U_, size_t size)
{
    return wmem_alloc0(wmem_file_scope(), size);
}

static void init_file(void)
{
    /* 0 would make every frame a gap: one second is the least. */
    file.config.gap_threshold_ns = (int64_t)MAX(pref_gap_threshold_s, 1) * 1000000000;
    file.config.min_timeout_ns = 1000000000;
    file.config.dns = &file.dns;
    file.config.alloc = file_alloc;
    file.clock.last_ns = 0;
    st_dns_log_reset(&file.dns);
    st_report_reset();
    st_ports_reset(st_fields_proto_smtp());
    set_postdissector_wanted_hfids(smtp_timeout_handle, st_fields_wanted());
}

static void cleanup_file(void)
{
    set_postdissector_wanted_hfids(smtp_timeout_handle, NULL);
    st_report_reset();
}

void proto_register_smtp_timeout(void)
{
    module_t *prefs;

    proto_smtp_timeout = proto_register_protocol("SMTP Timeout Analysis", "SMTP-Timeout", "smtp_timeout");
    st_render_register(proto_smtp_timeout);
    prefs = prefs_register_protocol(proto_smtp_timeout, NULL);
    prefs_register_uint_preference(prefs, "gap_threshold", "Gap threshold (seconds)",
        "A silence at least this long, while one side has to speak, is reported as a gap",
        10, &pref_gap_threshold_s);
    prefs_register_bool_preference(prefs, "info_tags", "Tags in the Info column",
        "Append a short tag to the Info column of frames with a warning, as TCP's analysis does: "
        "[SMTP timeout: client silent 59.954 s after DATA], [Data 30.527 s after close], [RST after close]",
        &pref_info_tags);
    prefs_register_bool_preference(prefs, "info_tag_notes", "Tags for notes too",
        "Also tag gaps the dialogue survived, where idle intervals begin (later passes only), and resets after "
        "a normal end", &pref_info_tag_notes);
    file.notes = wmem_map_new_autoreset(wmem_epan_scope(), wmem_file_scope(), g_direct_hash, g_direct_equal);
    st_map_register();
    smtp_timeout_handle = register_dissector("smtp_timeout", dissect_smtp_timeout, proto_smtp_timeout);
    register_init_routine(init_file);
    register_cleanup_routine(cleanup_file);
    register_postdissector(smtp_timeout_handle);
    smtp_timeout_tap = register_tap("smtp_timeout");
    st_report_register(lookup_note);
    st_stats_register();
}

void proto_reg_handoff_smtp_timeout(void)
{
    st_fields_resolve();
}
