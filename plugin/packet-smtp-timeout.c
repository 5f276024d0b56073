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

#include "core/capture.h"
#include "fields.h"
#include "ports.h"
#include "render.h"
#include "report.h"
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

/* What the analysis of one file keeps: the capture engine (sessions, their
 * rows, the DNS log) and the notes to render, by frame. */
static struct {
    st_capture *capture;
    st_clock    clock;
    wmem_map_t *notes;       /* frame number -> st_note, for the whole file */
} file;

#define DNS_PORT 53

/* An IPv4 or IPv6 frame, whose addresses the engine takes. */
static bool engine_addresses(const packet_info *pinfo)
{
    const address *a = &pinfo->src;

    return ((a->type == AT_IPv4 && a->len == 4) || (a->type == AT_IPv6 && a->len == 16)) &&
           pinfo->dst.type == a->type && pinfo->dst.len == a->len;
}

/* The frame's endpoints as the engine's frames hold them. */
static void frame_ends(const packet_info *pinfo, uint8_t *addr_len, const uint8_t **src, const uint8_t **dst,
                       uint16_t *src_port, uint16_t *dst_port)
{
    *addr_len = (uint8_t)pinfo->src.len;
    *src = (const uint8_t *)pinfo->src.data;
    *dst = (const uint8_t *)pinfo->dst.data;
    *src_port = (uint16_t)pinfo->srcport;
    *dst_port = (uint16_t)pinfo->destport;
}

static void store_note(guint32 frame, const st_note *note)
{
    st_note *stored = (st_note *)wmem_map_lookup(file.notes, GUINT_TO_POINTER(frame));

    if (stored == NULL) {
        stored = wmem_new(wmem_file_scope(), st_note);
        *stored = *note;
        wmem_map_insert(file.notes, GUINT_TO_POINTER(frame), stored);
    } else {
        st_note_merge(stored, note);
    }
}

static const st_note *lookup_note(uint32_t frame)
{
    return (const st_note *)wmem_map_lookup(file.notes, GUINT_TO_POINTER(frame));
}

static const st_capture *current_capture(void)
{
    return file.capture;
}

static void log_dns(proto_tree *tree, packet_info *pinfo)
{
    st_dns_frame f;
    unsigned rcode;

    if (file.capture == NULL || !engine_addresses(pinfo) || !st_fields_dns_header(tree, &f.id, &rcode))
        return; /* no DNS message, or too short to pair */
    f.ts_ns = st_frame_time_ns(&file.clock, pinfo);
    frame_ends(pinfo, &f.addr_len, &f.src, &f.dst, &f.src_port, &f.dst_port);
    f.rcode = (uint8_t)rcode;
    st_capture_dns(file.capture, &f);
}

/* First pass: translate the frame for the engine; whether it got a note. */
static bool analyse(proto_tree *tree, packet_info *pinfo, const st_layers *layers)
{
    st_tcp_frame f;
    tvbuff_t *tcp_tvb;
    st_note here, earlier;
    guint32 earlier_frame;

    memset(&f, 0, sizeof(f));
    if (!engine_addresses(pinfo) || !st_fields_read(tree, pinfo, &f.tcp, &tcp_tvb))
        return false;
    f.frame = pinfo->num;
    f.ts_ns = st_frame_time_ns(&file.clock, pinfo);
    frame_ends(pinfo, &f.addr_len, &f.src, &f.dst, &f.src_port, &f.dst_port);
    if (layers->tls)
        st_fields_decrypted(tree, pinfo, tcp_tvb, &f.tcp);
    if (!st_capture_tcp(file.capture, &f, &here, &earlier, &earlier_frame))
        return false;
    if (here.findings != 0)
        store_note(pinfo->num, &here);
    if (earlier_frame != 0)
        store_note(earlier_frame, &earlier);
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
    if (file.capture == NULL ||
        (!st_capture_wants(file.capture, (uint16_t)pinfo->srcport, (uint16_t)pinfo->destport) &&
         (PINFO_FD_VISITED(pinfo) || !st_frame_has_reply(tree))))
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

static void init_file(void)
{
    st_capture_options options;

    st_capture_options_init(&options);
    options.gap_threshold_s = pref_gap_threshold_s;
    st_ports_from_tables(&options, st_fields_proto_smtp());
    st_capture_free(file.capture);
    file.capture = st_capture_new(&options);
    file.clock.last_ns = 0;
    set_postdissector_wanted_hfids(smtp_timeout_handle, st_fields_wanted());
}

/* Reports are drawn before this: the engine goes with the file. */
static void cleanup_file(void)
{
    set_postdissector_wanted_hfids(smtp_timeout_handle, NULL);
    st_capture_free(file.capture);
    file.capture = NULL;
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
    smtp_timeout_handle = register_dissector("smtp_timeout", dissect_smtp_timeout, proto_smtp_timeout);
    register_init_routine(init_file);
    register_cleanup_routine(cleanup_file);
    register_postdissector(smtp_timeout_handle);
    smtp_timeout_tap = register_tap("smtp_timeout");
    st_report_register(current_capture);
    st_stats_register();
}

void proto_reg_handoff_smtp_timeout(void)
{
    st_fields_resolve();
}
