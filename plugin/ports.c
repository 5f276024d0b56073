/* ports.c: the ports Wireshark has SMTP on, for the capture engine
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "ports.h"

#include <string.h>

#include <epan/packet.h>

typedef struct {
    st_capture_options *options;
    int                 proto_smtp;
} seed_ctx;

static void seed_port(const gchar *table, ftenum_t type _U_, gpointer key, gpointer value, gpointer data)
{
    const seed_ctx *ctx = (const seed_ctx *)data;
    dissector_handle_t handle = dtbl_entry_get_handle((dtbl_entry_t *)value);
    guint port = GPOINTER_TO_UINT(key);

    if (handle != NULL && dissector_handle_get_protocol_index(handle) == ctx->proto_smtp && port > 0 &&
        port <= G_MAXUINT16)
        (void)st_capture_options_add_port(ctx->options, (uint16_t)port, strcmp(table, "tls.port") == 0);
}

void st_ports_from_tables(st_capture_options *options, int proto_smtp)
{
    seed_ctx ctx = { options, proto_smtp };

    dissector_table_foreach("tcp.port", seed_port, &ctx);
    if (find_dissector_table("tls.port") != NULL)
        dissector_table_foreach("tls.port", seed_port, &ctx);
}
