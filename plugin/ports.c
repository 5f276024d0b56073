/* ports.c: the TCP ports SMTP servers were seen on
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "ports.h"

#include <string.h>

/* A capture with more server ports than this checks them all. */
#define ST_PORTS_MAX 32

static guint32 server_ports[ST_PORTS_MAX];
static bool tls_ports[ST_PORTS_MAX];
static bool table_ports[ST_PORTS_MAX];   /* seeded from the dissector tables, not learnt */
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

static void learn(guint32 port, bool tls, bool table)
{
    for (unsigned i = 0; i < n_server_ports; i++) {
        if (server_ports[i] == port) {
            tls_ports[i] = tls_ports[i] || tls;
            table_ports[i] = table_ports[i] || table;
            return;
        }
    }
    if (n_server_ports == ST_PORTS_MAX) {
        any_port = true;
        return;
    }
    tls_ports[n_server_ports] = tls;
    table_ports[n_server_ports] = table;
    server_ports[n_server_ports++] = port;
}

void st_ports_learn(guint32 port)
{
    learn(port, false, false);
}

bool st_ports_in_table(guint32 port)
{
    for (unsigned i = 0; i < n_server_ports; i++) {
        if (server_ports[i] == port)
            return table_ports[i];
    }
    return false;
}

bool st_ports_is_tls(guint32 port)
{
    for (unsigned i = 0; i < n_server_ports; i++) {
        if (server_ports[i] == port)
            return tls_ports[i];
    }
    return false;
}

bool st_ports_any(void)
{
    return any_port;
}

bool st_ports_frame_on_server(const packet_info *pinfo)
{
    return any_port || st_ports_is_server(pinfo->srcport) || st_ports_is_server(pinfo->destport);
}

/* The TCP ports the SMTP dissector is registered on, Decode As included,
 * and those where TLS carries SMTP from the first byte (465, and ports set
 * with Decode As in tls.port). */
static void seed_port(const gchar *table, ftenum_t type _U_, gpointer key, gpointer value, gpointer data)
{
    dissector_handle_t handle = dtbl_entry_get_handle((dtbl_entry_t *)value);

    if (handle != NULL && dissector_handle_get_protocol_index(handle) == GPOINTER_TO_INT(data))
        learn(GPOINTER_TO_UINT(key), strcmp(table, "tls.port") == 0, true);
}

void st_ports_reset(int proto_smtp)
{
    n_server_ports = 0;
    any_port = false;
    dissector_table_foreach("tcp.port", seed_port, GINT_TO_POINTER(proto_smtp));
    if (find_dissector_table("tls.port") != NULL)
        dissector_table_foreach("tls.port", seed_port, GINT_TO_POINTER(proto_smtp));
}
