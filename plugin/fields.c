/* fields.c: the other dissectors' fields smtp-timeout reads
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "fields.h"

#include <epan/proto.h>
#include <epan/ftypes/ftypes.h>

#include "ws_compat.h"

enum { F_TCP_LEN, F_SMTP_RESPONSE, F_SMTP_COMMAND, F_SMTP_EOM, F_DNS, F_COUNT };

/* Each wanted TCP field is built on every TCP frame of every capture, SMTP
 * or not, and costs about a thousand instructions a frame in Wireshark's
 * bookkeeping: so one only.  tcp.len sits at the start of the TCP header
 * (offset 0, length 0) and so locates it: sequence and acknowledgement
 * numbers, flags and window are read from the header's bytes.  The
 * protocol items themselves (tcp, dns) are faked in a hidden tree unless
 * wanted, and cannot be found without asking. */
static const char *const field_names[F_COUNT] = {
    [F_TCP_LEN] = "tcp.len",
    [F_SMTP_RESPONSE] = "smtp.response",        /* first line of each reply */
    [F_SMTP_COMMAND] = "smtp.command_line",     /* every pipelined command */
    [F_SMTP_EOM] = "smtp.eom",
    [F_DNS] = "dns",                            /* DNS frames only: the header */
};

static int field_ids[F_COUNT] = { -1, -1, -1, -1, -1 };
static int proto_smtp = -1;
static int proto_icmp = -1;
static int proto_icmpv6 = -1;

void st_fields_resolve(void)
{
    for (int i = 0; i < F_COUNT; i++)
        field_ids[i] = proto_registrar_get_id_byname(field_names[i]);
    proto_smtp = proto_get_id_by_filter_name("smtp");
    proto_icmp = proto_get_id_by_filter_name("icmp");
    proto_icmpv6 = proto_get_id_by_filter_name("icmpv6");
}

GArray *st_fields_wanted(void)
{
    GArray *wanted = g_array_sized_new(FALSE, FALSE, (guint)sizeof(int), F_COUNT);

    for (int i = 0; i < F_COUNT; i++) {
        if (field_ids[i] > 0)
            g_array_append_val(wanted, field_ids[i]);
    }
    return wanted;
}

int st_fields_proto_smtp(void)
{
    return proto_smtp;
}

bool st_frame_has_reply(proto_tree *tree)
{
    GPtrArray *items = field_ids[F_SMTP_RESPONSE] > 0 ? proto_get_finfo_ptr_array(tree, field_ids[F_SMTP_RESPONSE])
                                                      : NULL;

    return items != NULL && items->len > 0;
}

bool st_frame_inside_icmp(packet_info *pinfo)
{
    for (wmem_list_frame_t *f = wmem_list_head(pinfo->layers); f != NULL; f = wmem_list_frame_next(f)) {
        int proto = GPOINTER_TO_INT(wmem_list_frame_data(f));
        if (proto == proto_icmp || proto == proto_icmpv6)
            return true; /* a TCP header quoted in an ICMP error */
    }
    return false;
}

/* The innermost occurrence: a tunnel's outer TCP header comes first. */
static field_info *last_field(proto_tree *tree, int id)
{
    GPtrArray *items = id > 0 ? proto_get_finfo_ptr_array(tree, id) : NULL;

    return items != NULL && items->len > 0 ? (field_info *)items->pdata[items->len - 1] : NULL;
}

#define TCP_MIN_HEADER 20

static uint16_t be16(const guint8 *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t be32(const guint8 *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The header must be the frame's own: its ports are pinfo's, and its data
 * offset is a real header length.  Anything else (another layout of
 * tcp.len in a future Wireshark) reads as no TCP header at all. */
static bool read_tcp_header(proto_tree *tree, const packet_info *pinfo, st_segment *seg, st_payload *payload)
{
    field_info *len = last_field(tree, field_ids[F_TCP_LEN]);
    const guint8 *h;

    if (len == NULL || len->ds_tvb == NULL || len->start < 0 ||
        tvb_captured_length_remaining(len->ds_tvb, len->start) < TCP_MIN_HEADER)
        return false;
    h = tvb_get_ptr(len->ds_tvb, len->start, TCP_MIN_HEADER);
    if (be16(h) != pinfo->srcport || be16(h + 2) != pinfo->destport || (h[12] >> 4) < 5)
        return false;
    seg->seq = be32(h + 4);
    seg->tcp_flags = h[13] & (ST_TCP_FIN | ST_TCP_SYN | ST_TCP_RST | ST_TCP_ACK);
    seg->window = be16(h + 14);
    seg->len = (uint32_t)fvalue_get_uinteger(ST_FINFO_VALUE(len));
    payload->tvb = len->ds_tvb;
    payload->offset = len->start + (h[12] >> 4) * 4;
    return true;
}

#define LAST_LINE_MAX 1024

/* A multi-line reply split across segments: the SMTP dissector shows the
 * next segment's first line as a reply of its own.  When this segment
 * ends inside a reply ("250-..." as its last line), the code of that line. */
static uint16_t open_reply_code(const st_payload *payload, uint32_t len)
{
    gint n, start;
    const guint8 *tail;
    unsigned code = 0;

    if (len < 6 || len > G_MAXINT32 / 2 || tvb_captured_length_remaining(payload->tvb, payload->offset) < (gint)len)
        return 0;
    /* The last line, read in place: this runs on every reply segment. */
    n = MIN((gint)len, LAST_LINE_MAX);
    tail = tvb_get_ptr(payload->tvb, payload->offset + (gint)len - n, n);
    if (tail[n - 1] != '\n')
        return 0;
    for (start = n - 2; start > 0 && tail[start - 1] != '\n'; start--)
        ;
    if ((start == 0 && n < (gint)len) || n - start < 5 || tail[start + 3] != '-')
        return 0; /* longer than any reply line, or no continuation */
    return st_reply_code((const char *)tail + start, 3, &code) ? (uint16_t)code : 0;
}

bool st_fields_dns_header(proto_tree *tree, uint16_t *id, unsigned *rcode)
{
    field_info *dns = last_field(tree, field_ids[F_DNS]);

    if (dns == NULL || dns->ds_tvb == NULL || dns->start < 0 ||
        tvb_captured_length_remaining(dns->ds_tvb, dns->start) < 4)
        return false;
    *id = tvb_get_ntohs(dns->ds_tvb, dns->start);
    *rcode = ST_TVB_GET_U8(dns->ds_tvb, dns->start + 3) & 0x0F;
    return true;
}

static const st_line *read_lines(proto_tree *tree, packet_info *pinfo, int id, st_line *stack, unsigned *count)
{
    GPtrArray *items = id > 0 ? proto_get_finfo_ptr_array(tree, id) : NULL;
    st_line *lines = stack;

    *count = 0;
    if (items == NULL || items->len == 0)
        return NULL;
    if (items->len > ST_LINES_ON_STACK)
        lines = wmem_alloc_array(pinfo->pool, st_line, items->len);
    for (guint i = 0; i < items->len; i++) {
        const char *text = fvalue_get_string(ST_FINFO_VALUE((field_info *)items->pdata[i]));
        if (text == NULL)
            continue;
        lines[*count].text = text;
        lines[*count].len = strlen(text);
        (*count)++;
    }
    return lines;
}

int64_t st_frame_time_ns(st_clock *clock, const packet_info *pinfo)
{
    /* pcapng can hold times past 2262, which nanoseconds in 64 bits cannot. */
    const int64_t max_s = INT64_MAX / 1000000000 - 1;
    int64_t secs = (int64_t)pinfo->abs_ts.secs;

    if (!pinfo->fd->has_ts)
        return clock->last_ns;
    secs = secs > max_s ? max_s : secs < -max_s ? -max_s : secs;
    clock->last_ns = secs * 1000000000 + pinfo->abs_ts.nsecs;
    return clock->last_ns;
}

bool st_fields_read(proto_tree *tree, packet_info *pinfo, st_line_space *space, st_segment *seg,
                    st_payload *payload)
{
    GPtrArray *eom;

    if (!read_tcp_header(tree, pinfo, seg, payload))
        return false;
    seg->replies = read_lines(tree, pinfo, field_ids[F_SMTP_RESPONSE], space->replies, &seg->n_replies);
    seg->open_reply = seg->n_replies > 0 ? open_reply_code(payload, seg->len) : 0;
    seg->commands = read_lines(tree, pinfo, field_ids[F_SMTP_COMMAND], space->commands, &seg->n_commands);
    eom = field_ids[F_SMTP_EOM] > 0 ? proto_get_finfo_ptr_array(tree, field_ids[F_SMTP_EOM]) : NULL;
    seg->eom = eom != NULL && eom->len > 0;
    return true;
}
