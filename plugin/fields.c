/* fields.c: the other dissectors' fields smtp-timeout reads
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "fields.h"

#include <epan/proto.h>
#include <epan/ftypes/ftypes.h>

#include "ws_compat.h"

enum { F_TCP, F_TCP_LEN, F_SMTP_RESPONSE, F_SMTP_COMMAND, F_SMTP_EOM, F_DNS, F_COUNT };

/* Each wanted TCP field is built on every TCP frame of every capture, SMTP
 * or not.  The TCP protocol item is built anyway (top-level items are never
 * faked), and it locates the header: sequence and acknowledgement numbers,
 * flags and window are read from there.  Only the payload length needs a
 * field, since the item's own length is the header's in some runs and the
 * segment's in others. */
static const char *const field_names[F_COUNT] = {
    [F_TCP] = "tcp",
    [F_TCP_LEN] = "tcp.len",
    [F_SMTP_RESPONSE] = "smtp.response",        /* first line of each reply */
    [F_SMTP_COMMAND] = "smtp.command_line",     /* every pipelined command */
    [F_SMTP_EOM] = "smtp.eom",
    [F_DNS] = "dns",                            /* located like tcp: the header */
};

static int field_ids[F_COUNT] = { -1, -1, -1, -1, -1, -1 };
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

bool st_frame_has_smtp(packet_info *pinfo, bool *inside_icmp)
{
    bool smtp = false;

    *inside_icmp = false;
    for (wmem_list_frame_t *f = wmem_list_head(pinfo->layers); f != NULL; f = wmem_list_frame_next(f)) {
        int proto = GPOINTER_TO_INT(wmem_list_frame_data(f));
        if (proto == proto_smtp)
            smtp = true;
        else if (proto == proto_icmp || proto == proto_icmpv6)
            *inside_icmp = true; /* a TCP header quoted in an ICMP error */
    }
    return smtp;
}

/* The innermost occurrence: a tunnel's outer TCP header comes first. */
static field_info *last_field(proto_tree *tree, int id)
{
    GPtrArray *items = id > 0 ? proto_get_finfo_ptr_array(tree, id) : NULL;

    return items != NULL && items->len > 0 ? (field_info *)items->pdata[items->len - 1] : NULL;
}

#define TCP_MIN_HEADER 20

static bool read_tcp_header(proto_tree *tree, st_segment *seg)
{
    field_info *tcp = last_field(tree, field_ids[F_TCP]);
    field_info *len = last_field(tree, field_ids[F_TCP_LEN]);

    if (tcp == NULL || len == NULL || tcp->ds_tvb == NULL || tcp->start < 0 ||
        tvb_captured_length_remaining(tcp->ds_tvb, tcp->start) < TCP_MIN_HEADER)
        return false;
    seg->seq = tvb_get_ntohl(tcp->ds_tvb, tcp->start + 4);
    seg->ack = tvb_get_ntohl(tcp->ds_tvb, tcp->start + 8);
    seg->tcp_flags = ST_TVB_GET_U8(tcp->ds_tvb, tcp->start + 13) &
                     (ST_TCP_FIN | ST_TCP_SYN | ST_TCP_RST | ST_TCP_ACK);
    seg->window = tvb_get_ntohs(tcp->ds_tvb, tcp->start + 14);
    seg->len = (uint32_t)fvalue_get_uinteger(ST_FINFO_VALUE(len));
    return true;
}

bool st_fields_dns_rcode(proto_tree *tree, unsigned *rcode)
{
    field_info *dns = last_field(tree, field_ids[F_DNS]);

    if (dns == NULL || dns->ds_tvb == NULL || dns->start < 0 ||
        tvb_captured_length_remaining(dns->ds_tvb, dns->start) < 4)
        return false;
    *rcode = ST_TVB_GET_U8(dns->ds_tvb, dns->start + 3) & 0x0F;
    return true;
}

#define ST_LINES_ON_STACK 32

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

bool st_fields_read(proto_tree *tree, packet_info *pinfo, st_segment *seg)
{
    static st_line reply_stack[ST_LINES_ON_STACK];
    static st_line command_stack[ST_LINES_ON_STACK];
    GPtrArray *eom;

    seg->frame = pinfo->num;
    seg->ts_ns = (int64_t)pinfo->abs_ts.secs * 1000000000 + pinfo->abs_ts.nsecs;
    if (!read_tcp_header(tree, seg))
        return false;
    seg->replies = read_lines(tree, pinfo, field_ids[F_SMTP_RESPONSE], reply_stack, &seg->n_replies);
    seg->commands = read_lines(tree, pinfo, field_ids[F_SMTP_COMMAND], command_stack, &seg->n_commands);
    eom = field_ids[F_SMTP_EOM] > 0 ? proto_get_finfo_ptr_array(tree, field_ids[F_SMTP_EOM]) : NULL;
    seg->eom = eom != NULL && eom->len > 0;
    return true;
}
