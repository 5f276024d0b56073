/* fields.c: what smtp-timeout reads of a frame
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "fields.h"

#include <string.h>

#include <epan/proto.h>
#include <epan/ftypes/ftypes.h>

#include "core/smtp_line.h"
#include "ws_compat.h"

enum { F_TCP_LEN, F_SMTP, F_DNS, F_COUNT };

/* Each wanted TCP field is built on every TCP frame of every capture, SMTP
 * or not, and costs about a thousand instructions a frame in Wireshark's
 * bookkeeping: so one only.  tcp.len sits at the start of the TCP header
 * (offset 0, length 0) and so locates it: sequence and acknowledgement
 * numbers, flags, window and the payload are read from the header's
 * bytes.  Protocol items (smtp, dns) are faked in a hidden tree unless
 * wanted, and cannot be found without asking. */
static const char *const field_names[F_COUNT] = {
    [F_TCP_LEN] = "tcp.len",
    [F_SMTP] = "smtp",                          /* the bytes the SMTP dissector was given */
    [F_DNS] = "dns",                            /* DNS frames only: the header */
};

static int field_ids[F_COUNT] = { -1, -1, -1 };
static int proto_smtp = -1;
static int proto_icmp = -1;
static int proto_icmpv6 = -1;
static int proto_tls = -1;

void st_fields_resolve(void)
{
    for (int i = 0; i < F_COUNT; i++)
        field_ids[i] = proto_registrar_get_id_byname(field_names[i]);
    proto_smtp = proto_get_id_by_filter_name("smtp");
    proto_icmp = proto_get_id_by_filter_name("icmp");
    proto_icmpv6 = proto_get_id_by_filter_name("icmpv6");
    proto_tls = proto_get_id_by_filter_name("tls");
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

void st_frame_layers(packet_info *pinfo, st_layers *layers)
{
    layers->inside_icmp = false;
    layers->tls = false;
    for (wmem_list_frame_t *f = wmem_list_head(pinfo->layers); f != NULL; f = wmem_list_frame_next(f)) {
        int proto = GPOINTER_TO_INT(wmem_list_frame_data(f));
        if (proto == proto_icmp || proto == proto_icmpv6)
            layers->inside_icmp = true; /* a TCP header quoted in an ICMP error */
        else if (proto == proto_tls)
            layers->tls = true;
    }
}

static GPtrArray *items_of(proto_tree *tree, int id)
{
    return id > 0 ? proto_get_finfo_ptr_array(tree, id) : NULL;
}

/* The bytes of a protocol item, in place; NULL when not captured. */
static const guint8 *item_bytes(const field_info *fi, gint *len)
{
    if (fi->ds_tvb == NULL || fi->start < 0 || fi->length <= 0 ||
        tvb_captured_length_remaining(fi->ds_tvb, fi->start) < fi->length)
        return NULL;
    *len = fi->length;
    return tvb_get_ptr(fi->ds_tvb, fi->start, fi->length);
}

bool st_frame_has_reply(proto_tree *tree)
{
    GPtrArray *items = items_of(tree, field_ids[F_SMTP]);
    const guint8 *p;
    gint len;

    if (items == NULL || items->len == 0)
        return false;
    p = item_bytes((const field_info *)items->pdata[0], &len);
    return p != NULL && st_looks_like_reply(p, (size_t)len);
}

/* The innermost occurrence: a tunnel's outer TCP header comes first. */
static field_info *last_field(proto_tree *tree, int id)
{
    GPtrArray *items = items_of(tree, id);

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
bool st_fields_read(proto_tree *tree, const packet_info *pinfo, st_segment *seg, tvbuff_t **tcp_tvb)
{
    field_info *len = last_field(tree, field_ids[F_TCP_LEN]);
    const guint8 *h;
    gint at, left;

    if (len == NULL || len->ds_tvb == NULL || len->start < 0 ||
        tvb_captured_length_remaining(len->ds_tvb, len->start) < TCP_MIN_HEADER)
        return false;
    h = tvb_get_ptr(len->ds_tvb, len->start, TCP_MIN_HEADER);
    if (be16(h) != pinfo->srcport || be16(h + 2) != pinfo->destport || (h[12] >> 4) < 5)
        return false;
    seg->seq = be32(h + 4);
    seg->ack = be32(h + 8);
    seg->tcp_flags = h[13] & (ST_TCP_FIN | ST_TCP_SYN | ST_TCP_RST | ST_TCP_ACK);
    seg->window = be16(h + 14);
    seg->len = (uint32_t)fvalue_get_uinteger(ST_FINFO_VALUE(len));
    at = len->start + (h[12] >> 4) * 4;
    left = tvb_captured_length_remaining(len->ds_tvb, at);
    seg->captured = left > 0 ? MIN((uint32_t)left, seg->len) : 0;
    seg->payload = seg->captured > 0 ? tvb_get_ptr(len->ds_tvb, at, (gint)seg->captured) : NULL;
    *tcp_tvb = len->ds_tvb;
    return true;
}

static bool decrypted_item(const field_info *fi, const tvbuff_t *tcp_tvb)
{
    return fi->ds_tvb != NULL && fi->ds_tvb != tcp_tvb && fi->length > 0;
}

void st_fields_decrypted(proto_tree *tree, packet_info *pinfo, const tvbuff_t *tcp_tvb, st_segment *seg)
{
    GPtrArray *items = items_of(tree, field_ids[F_SMTP]);
    guint8 *joined;
    gsize total = 0;

    seg->decrypted = NULL;
    seg->decrypted_len = 0;
    if (items == NULL || items->len == 0)
        return;
    for (guint i = 0; i < items->len; i++) {
        const field_info *fi = (const field_info *)items->pdata[i];
        if (decrypted_item(fi, tcp_tvb))
            total += (gsize)fi->length;
    }
    if (total == 0 || total > G_MAXUINT32)
        return;
    joined = (guint8 *)wmem_alloc(pinfo->pool, total);
    for (guint i = 0; i < items->len; i++) {
        const field_info *fi = (const field_info *)items->pdata[i];
        gint n;
        const guint8 *p = decrypted_item(fi, tcp_tvb) ? item_bytes(fi, &n) : NULL;
        if (p == NULL)
            continue;
        memcpy(joined + seg->decrypted_len, p, (size_t)n);
        seg->decrypted_len += (uint32_t)n;
    }
    seg->decrypted = seg->decrypted_len > 0 ? joined : NULL;
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
