/* session_map.c: the glue's record of each SMTP session, and its map
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "session_map.h"

#include <string.h>

#include "core/dns_log.h"
#include "core/hash.h"

/* The per-session budget of the whole file (plugin/doc/performance.md). */
G_STATIC_ASSERT(sizeof(st_tracked) <= 256);

static wmem_map_t *sessions;

static bool keep_address(st_addr *to, const address *from)
{
    if (from->len < 0 || from->len > ST_ADDR_MAX)
        return false;
    to->type = (uint8_t)from->type;
    to->len = (uint8_t)from->len;
    if (from->len > 0)
        memcpy(to->data, from->data, (size_t)from->len);
    return true;
}

void st_addr_view(const st_addr *from, address *to)
{
    set_address(to, from->type, from->len, from->len > 0 ? from->data : NULL);
}

static guint endpoint_hash(const st_addr *addr, guint16 port)
{
    return st_hash_bytes(ST_HASH_SEED ^ port, addr->data, addr->len);
}

/* The same for both directions: a lookup does not know who the client is. */
static guint session_hash(gconstpointer key)
{
    const st_tracked *s = (const st_tracked *)key;

    return endpoint_hash(&s->client_addr, s->client_port) ^ endpoint_hash(&s->server_addr, s->server_port);
}

static bool same_endpoint(const st_addr *a, guint16 a_port, const st_addr *b, guint16 b_port)
{
    return a_port == b_port && a->type == b->type && a->len == b->len && memcmp(a->data, b->data, a->len) == 0;
}

static gboolean session_equal(gconstpointer x, gconstpointer y)
{
    const st_tracked *a = (const st_tracked *)x, *b = (const st_tracked *)y;

    return (same_endpoint(&a->client_addr, a->client_port, &b->client_addr, b->client_port) &&
            same_endpoint(&a->server_addr, a->server_port, &b->server_addr, b->server_port)) ||
           (same_endpoint(&a->client_addr, a->client_port, &b->server_addr, b->server_port) &&
            same_endpoint(&a->server_addr, a->server_port, &b->client_addr, b->client_port));
}

void st_map_register(void)
{
    sessions = wmem_map_new_autoreset(wmem_epan_scope(), wmem_file_scope(), session_hash, session_equal);
}

/* The frame's ends in the shape of a record: which end is the client does
 * not matter to the map. */
static bool frame_endpoints(const packet_info *pinfo, st_tracked *probe, bool sender_is_server)
{
    st_addr *sender = sender_is_server ? &probe->server_addr : &probe->client_addr;
    st_addr *receiver = sender_is_server ? &probe->client_addr : &probe->server_addr;

    if (!keep_address(sender, &pinfo->src) || !keep_address(receiver, &pinfo->dst))
        return false;
    probe->server_port = (guint16)(sender_is_server ? pinfo->srcport : pinfo->destport);
    probe->client_port = (guint16)(sender_is_server ? pinfo->destport : pinfo->srcport);
    return true;
}

st_tracked *st_map_find(const packet_info *pinfo)
{
    st_tracked probe; /* only its addresses and ports are set, and read */

    if (!frame_endpoints(pinfo, &probe, false))
        return NULL;
    return (st_tracked *)wmem_map_lookup(sessions, &probe);
}

st_tracked *st_map_start(const packet_info *pinfo, bool sender_is_server, bool implicit_tls)
{
    st_tracked probe, *s;

    if (!frame_endpoints(pinfo, &probe, sender_is_server))
        return NULL;
    s = wmem_new0(wmem_file_scope(), st_tracked);
    s->server_addr = probe.server_addr;
    s->client_addr = probe.client_addr;
    s->server_port = probe.server_port;
    s->client_port = probe.client_port;
    if (implicit_tls)
        st_session_init_tls(&s->core);
    else
        st_session_init(&s->core);
    s->client_host = st_dns_host_key(s->client_addr.data, s->client_addr.len);
    wmem_map_insert(sessions, s, s);
    return s;
}

st_side st_map_side(const st_tracked *s, const packet_info *pinfo)
{
    address server;

    if (pinfo->srcport != s->server_port)
        return ST_SIDE_CLIENT;
    if (pinfo->destport != s->server_port)
        return ST_SIDE_SERVER;
    st_addr_view(&s->server_addr, &server); /* both ends on one port */
    return addresses_equal(&pinfo->src, &server) ? ST_SIDE_SERVER : ST_SIDE_CLIENT;
}
