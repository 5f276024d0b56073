/* ports.c: the TCP ports SMTP servers were seen on
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "ports.h"

/* A capture with more server ports than this checks them all. */
#define ST_PORTS_MAX 32

static guint32 server_ports[ST_PORTS_MAX];
static unsigned n_server_ports;
static bool any_port;

bool st_ports_is_server(guint32 port)
{
    for (unsigned i = 0; i < n_server_ports; i++) {
        if (server_ports[i] == port)
            return true;
    }
    return false;
}

void st_ports_learn(guint32 port)
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

bool st_ports_any(void)
{
    return any_port;
}

bool st_ports_frame_on_server(const packet_info *pinfo)
{
    return any_port || st_ports_is_server(pinfo->srcport) || st_ports_is_server(pinfo->destport);
}

/* The TCP ports the SMTP dissector is registered on, Decode As included. */
static void seed_port(const gchar *table _U_, ftenum_t type _U_, gpointer key, gpointer value, gpointer data)
{
    dissector_handle_t handle = dtbl_entry_get_handle((dtbl_entry_t *)value);

    if (handle != NULL && dissector_handle_get_protocol_index(handle) == GPOINTER_TO_INT(data))
        st_ports_learn(GPOINTER_TO_UINT(key));
}

void st_ports_reset(int proto_smtp)
{
    n_server_ports = 0;
    any_port = false;
    dissector_table_foreach("tcp.port", seed_port, GINT_TO_POINTER(proto_smtp));
}
