/* packet-smtp-timeout.c: the smtp_timeout post-dissector
 *
 * On the first pass each frame of an SMTP session is fed to the core, and
 * what it finds is stored in file scope, keyed by frame number, so that a
 * finding can also be attached to an earlier frame (where a silence began).
 * Every pass, including the first, renders what is stored for the frame.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <epan/packet.h>
#include <epan/prefs.h>
#include <epan/proto.h>
#include <epan/tap.h>

#include "core/dns_log.h"
#include "core/session.h"
#include "fields.h"
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
static st_config config;

/* frame number -> st_note, for the whole file */
static wmem_map_t *notes_by_frame;

/* (address, port) of both ends -> session, for the whole file.  Our own map
 * rather than data on Wireshark's conversation: finding the conversation
 * cost about 1,100 instructions a frame (it tries both directions), this
 * lookup a fifth of that.  Port reuse is the core's business
 * (st_session_restarts), as it was with conversations. */
static wmem_map_t *sessions;

/* The capture's recent DNS traffic: a sender's lookups explain its silence. */
static st_dns_log dns_log;

#define DNS_PORT 53

/* The server ports SMTP was seen on (25, 587, and any port set with Decode
 * As, and the ports of sessions that began with a reply on another port):
 * a TCP frame on no such port costs two comparisons and one field lookup.
 * A capture with more ports than this checks them all. */
#define ST_PORTS_MAX 32
static guint32 server_ports[ST_PORTS_MAX];
static unsigned n_server_ports;
static bool any_port;

typedef st_tracked tracked_session;

static guint endpoint_hash(const st_addr *addr, guint16 port)
{
    guint h = 2166136261u ^ port; /* FNV-1a */

    for (unsigned i = 0; i < addr->len; i++)
        h = (h ^ addr->data[i]) * 16777619u;
    return h;
}

/* The same for both directions: a lookup does not know who the client is. */
static guint session_hash(gconstpointer key)
{
    const tracked_session *s = (const tracked_session *)key;

    return endpoint_hash(&s->client_addr, s->client_port) ^ endpoint_hash(&s->server_addr, s->server_port);
}

static bool same_endpoint(const st_addr *a, guint16 a_port, const st_addr *b, guint16 b_port)
{
    return a_port == b_port && a->type == b->type && a->len == b->len && memcmp(a->data, b->data, a->len) == 0;
}

static gboolean session_equal(gconstpointer x, gconstpointer y)
{
    const tracked_session *a = (const tracked_session *)x, *b = (const tracked_session *)y;

    return (same_endpoint(&a->client_addr, a->client_port, &b->client_addr, b->client_port) &&
            same_endpoint(&a->server_addr, a->server_port, &b->server_addr, b->server_port)) ||
           (same_endpoint(&a->client_addr, a->client_port, &b->server_addr, b->server_port) &&
            same_endpoint(&a->server_addr, a->server_port, &b->client_addr, b->client_port));
}

/* This frame's ends, in the shape of a session (which end is the client
 * does not matter to the map); false for an address a session cannot keep. */
static bool frame_endpoints(const packet_info *pinfo, tracked_session *probe)
{
    if (pinfo->src.len < 0 || pinfo->src.len > ST_ADDR_MAX || pinfo->dst.len < 0 || pinfo->dst.len > ST_ADDR_MAX)
        return false;
    st_addr_keep(&probe->client_addr, &pinfo->src);
    st_addr_keep(&probe->server_addr, &pinfo->dst);
    probe->client_port = (guint16)pinfo->srcport;
    probe->server_port = (guint16)pinfo->destport;
    return true;
}

static void learn_port(guint32 port)
{
    for (unsigned i = 0; i < n_server_ports; i++) {
        if (server_ports[i] == port)
            return;
    }
    if (n_server_ports == ST_PORTS_MAX)
        any_port = true;
    else
        server_ports[n_server_ports++] = port;
}

static bool is_server_port(guint32 port);

static bool on_server_port(const packet_info *pinfo)
{
    return any_port || is_server_port(pinfo->srcport) || is_server_port(pinfo->destport);
}

static st_side side_of(const tracked_session *s, const packet_info *pinfo)
{
    address server;

    if (pinfo->srcport != s->server_port)
        return ST_SIDE_CLIENT;
    if (pinfo->destport != s->server_port)
        return ST_SIDE_SERVER;
    st_addr_view(&s->server_addr, &server); /* both ends on one port */
    return addresses_equal(&pinfo->src, &server) ? ST_SIDE_SERVER : ST_SIDE_CLIENT;
}

static bool is_server_port(guint32 port)
{
    for (unsigned i = 0; i < n_server_ports; i++) {
        if (server_ports[i] == port)
            return true;
    }
    return false;
}

/* Which end is the server, from the best evidence in this frame: a SYN
 * comes from the client; replies come from the server and commands go to
 * it; else the one SMTP port among the two; else the port the SMTP
 * dissector was called for. */
static st_side sender_role(const packet_info *pinfo, const st_segment *seg)
{
    bool src_smtp = is_server_port(pinfo->srcport), dst_smtp = is_server_port(pinfo->destport);

    if ((seg->tcp_flags & (ST_TCP_SYN | ST_TCP_ACK)) == ST_TCP_SYN)
        return ST_SIDE_CLIENT;
    if (seg->n_replies > 0)
        return ST_SIDE_SERVER;
    if (seg->n_commands > 0)
        return ST_SIDE_CLIENT;
    if (src_smtp != dst_smtp)
        return src_smtp ? ST_SIDE_SERVER : ST_SIDE_CLIENT;
    if (pinfo->match_uint == pinfo->destport && pinfo->match_uint != pinfo->srcport)
        return ST_SIDE_CLIENT;
    if (pinfo->match_uint == pinfo->srcport && pinfo->match_uint != pinfo->destport)
        return ST_SIDE_SERVER;
    return ST_SIDE_NONE;
}

/* The TCP ports the SMTP dissector is registered on, Decode As included. */
static void seed_port(const gchar *table _U_, ftenum_t type _U_, gpointer key, gpointer value, gpointer data _U_)
{
    dissector_handle_t handle = dtbl_entry_get_handle((dtbl_entry_t *)value);

    if (handle != NULL && dissector_handle_get_protocol_index(handle) == st_fields_proto_smtp())
        learn_port(GPOINTER_TO_UINT(key));
}

static tracked_session *start_session(packet_info *pinfo, const st_segment *seg)
{
    st_side sender = sender_role(pinfo, seg);
    guint32 server_port = sender == ST_SIDE_SERVER ? pinfo->srcport : pinfo->destport;
    tracked_session *s;

    if (sender == ST_SIDE_NONE)
        return NULL;
    /* The server's port must be an SMTP port, or the server must say so
     * with a reply: a scanner's SYN from port 25 makes no session. */
    if (!any_port && !is_server_port(server_port) && seg->n_replies == 0)
        return NULL;
    /* Nor does a reset with nothing before it: it tells nothing. */
    if (seg->tcp_flags & ST_TCP_RST && seg->len == 0)
        return NULL;
    s = wmem_new0(wmem_file_scope(), tracked_session);
    st_session_init(&s->core);
    if (sender == ST_SIDE_SERVER) {
        st_addr_keep(&s->server_addr, &pinfo->src);
        st_addr_keep(&s->client_addr, &pinfo->dst);
        s->server_port = (guint16)pinfo->srcport;
        s->client_port = (guint16)pinfo->destport;
    } else {
        st_addr_keep(&s->server_addr, &pinfo->dst);
        st_addr_keep(&s->client_addr, &pinfo->src);
        s->server_port = (guint16)pinfo->destport;
        s->client_port = (guint16)pinfo->srcport;
    }
    s->client_host = st_dns_host_key(s->client_addr.data, s->client_addr.len);
    learn_port(s->server_port);
    wmem_map_insert(sessions, s, s);
    st_report_add(s);
    return s;
}

static void store_note(tracked_session *s, guint32 frame, const st_note *note)
{
    st_note *stored = (st_note *)wmem_map_lookup(notes_by_frame, GUINT_TO_POINTER(frame));
    st_note copy = *note;

    if (copy.findings & ST_FIND_REPLY) {
        copy.reply_text = wmem_strndup(wmem_file_scope(), note->reply_text, note->reply_text_len);
        copy.reply_text_len = note->reply_text_len;
    }
    if (stored == NULL) {
        stored = wmem_new(wmem_file_scope(), st_note);
        *stored = copy;
        wmem_map_insert(notes_by_frame, GUINT_TO_POINTER(frame), stored);
    } else {
        st_note_merge(stored, &copy);
    }
    st_report_count(s, frame, note);
}

static const st_note *lookup_note(uint32_t frame)
{
    return (const st_note *)wmem_map_lookup(notes_by_frame, GUINT_TO_POINTER(frame));
}

/* A new connection on the ports of a finished one: the report keeps the
 * old session as it was, the live record starts again. */
static void retire(tracked_session *s)
{
    tracked_session *old = wmem_new(wmem_file_scope(), tracked_session);

    *old = *s;
    st_report_add(old);
    s->n_findings = 0;
    s->n_frames = 0;
}

static void log_dns(proto_tree *tree, packet_info *pinfo)
{
    int64_t ts = st_frame_time_ns(pinfo);
    unsigned rcode;
    uint16_t id;

    if (!st_fields_dns_header(tree, &id, &rcode))
        return; /* no DNS message, or too short to pair */
    if (pinfo->destport == DNS_PORT && pinfo->srcport != DNS_PORT)
        st_dns_log_query(&dns_log, st_dns_host_key(pinfo->src.data, (unsigned)pinfo->src.len), id, ts);
    else if (pinfo->srcport == DNS_PORT && pinfo->destport != DNS_PORT)
        st_dns_log_answer(&dns_log, st_dns_host_key(pinfo->dst.data, (unsigned)pinfo->dst.len), id, rcode, ts);
}

/* First pass: feed the frame to its session; whether it got a note. */
static bool analyse(tvbuff_t *tvb, proto_tree *tree, packet_info *pinfo)
{
    tracked_session probe; /* only its addresses and ports are set, and read */
    tracked_session *s;
    st_segment seg = { 0 };
    st_note here, earlier;
    guint32 earlier_frame;

    if (!frame_endpoints(pinfo, &probe))
        return false;
    s = (tracked_session *)wmem_map_lookup(sessions, &probe);
    if (!st_fields_read(tree, pinfo, &seg))
        return false;
    if (s == NULL && (s = start_session(pinfo, &seg)) == NULL)
        return false;
    seg.from = side_of(s, pinfo);
    seg.client_host = s->client_host;
    if (st_session_restarts(&s->core, &seg))
        retire(s);
    seg.truncated = tvb_captured_length(tvb) < tvb_reported_length(tvb);
    st_session_feed(&s->core, &config, &seg, &here, &earlier, &earlier_frame);
    if (here.findings != 0)
        store_note(s, pinfo->num, &here);
    if (earlier_frame != 0)
        store_note(s, earlier_frame, &earlier);
    return here.findings != 0;
}

static int dissect_smtp_timeout(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data _U_)
{
    const st_note *note;

    if (pinfo->ptype != PT_TCP) {
        if (pinfo->ptype == PT_UDP && !PINFO_FD_VISITED(pinfo) &&
            (pinfo->srcport == DNS_PORT || pinfo->destport == DNS_PORT))
            log_dns(tree, pinfo);
        return 0;
    }
    /* Most TCP frames leave here, for two port comparisons and one lookup.
     * A session on another port (a proxy's) begins with a reply, and its
     * server port is then known. */
    if (!on_server_port(pinfo) && (PINFO_FD_VISITED(pinfo) || !st_frame_has_reply(tree)))
        return 0;
    if (st_frame_inside_icmp(pinfo))
        return 0;
    /* On the first pass a frame can only have the note it just got. */
    if (!PINFO_FD_VISITED(pinfo) && !analyse(tvb, tree, pinfo))
        return 0;
    note = (const st_note *)wmem_map_lookup(notes_by_frame, GUINT_TO_POINTER(pinfo->num));
    if (note != NULL) {
        st_render(tvb, pinfo, tree, note);
        tap_queue_packet(smtp_timeout_tap, pinfo, note);
    }
    return 0;
}

static void init_file(void)
{
    /* 0 would make every frame a gap: one second is the least. */
    config.gap_threshold_ns = (int64_t)MAX(pref_gap_threshold_s, 1) * 1000000000;
    config.min_timeout_ns = 1000000000;
    config.dns = &dns_log;
    st_dns_log_reset(&dns_log);
    st_report_reset();
    n_server_ports = 0;
    any_port = false;
    dissector_table_foreach("tcp.port", seed_port, NULL);
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
    notes_by_frame = wmem_map_new_autoreset(wmem_epan_scope(), wmem_file_scope(), g_direct_hash, g_direct_equal);
    sessions = wmem_map_new_autoreset(wmem_epan_scope(), wmem_file_scope(), session_hash, session_equal);
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
