/* capture_ports.c: the TCP ports SMTP servers are on, and which end of a
 * frame is the server
 *
 * The registered ports (25, 587, 465, Decode As or -d) are certain; a
 * port is learnt only from a session whose dialogue showed it (a command
 * answered by a reply), so a reply-shaped line in a client's bytes (a
 * quoted bounce in a body the capture began inside) teaches nothing.  The
 * table never turns into "every port": past its size a port is not learnt,
 * and the sessions that could not teach one are counted.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <string.h>

#include "capture_int.h"
#include "smtp_line.h"

static int port_index(const st_port_table *t, uint16_t port)
{
    for (unsigned i = 0; i < t->n; i++) {
        if (t->port[i] == port)
            return (int)i;
    }
    return -1;
}

static void set_bit(st_port_table *t, uint16_t port)
{
    t->bits[port / 64] |= UINT64_C(1) << (port % 64);
}

void st_ports_init(st_port_table *t, const st_capture_options *o)
{
    memset(t, 0, sizeof(*t));
    for (unsigned i = 0; i < o->n_ports && i < ST_CAPTURE_PORTS_MAX; i++) {
        t->port[i] = o->port[i];
        t->tls[i] = o->tls[i];
        t->registered[i] = true;
        set_bit(t, o->port[i]);
    }
    t->n = o->n_ports < ST_CAPTURE_PORTS_MAX ? o->n_ports : ST_CAPTURE_PORTS_MAX;
}

bool st_ports_server(const st_port_table *t, uint16_t port)
{
    return st_port_bit(t, port);
}

bool st_ports_registered(const st_port_table *t, uint16_t port)
{
    int i = port_index(t, port);

    return i >= 0 && t->registered[i];
}

bool st_ports_tls(const st_port_table *t, uint16_t port)
{
    int i = port_index(t, port);

    return i >= 0 && t->tls[i];
}

void st_ports_learn(st_port_table *t, uint16_t port)
{
    if (port_index(t, port) >= 0)
        return;
    if (t->n == ST_CAPTURE_PORTS_MAX) {
        if (t->not_learnt < UINT32_MAX)
            t->not_learnt++;
        return;
    }
    t->tls[t->n] = false;
    t->registered[t->n] = false;
    t->port[t->n++] = port;
    set_bit(t, port);
}

/* The order is the rule, most certain first:
 * - a bare SYN comes from the client, a SYN-ACK from the server;
 * - a registered port on one end only is the server's: it outranks the
 *   shape of the bytes, which in a capture that begins inside a message
 *   body may be a quoted reply;
 * - replies come from the server and commands from the client;
 * - a learnt port on one end only is the server's;
 * - of two registered ports, the lower is the server's. */
st_side st_ports_sender_role(const st_port_table *t, const st_tcp_frame *f)
{
    const st_segment *seg = &f->tcp;
    uint8_t syn_ack = seg->tcp_flags & (ST_TCP_SYN | ST_TCP_ACK);
    bool src_reg = st_ports_registered(t, f->src_port), dst_reg = st_ports_registered(t, f->dst_port);
    bool src_srv = st_ports_server(t, f->src_port), dst_srv = st_ports_server(t, f->dst_port);

    if (syn_ack == ST_TCP_SYN)
        return ST_SIDE_CLIENT;
    if (syn_ack == (ST_TCP_SYN | ST_TCP_ACK))
        return ST_SIDE_SERVER;
    if (src_reg != dst_reg)
        return src_reg ? ST_SIDE_SERVER : ST_SIDE_CLIENT;
    if (st_looks_like_reply(seg->payload, seg->captured))
        return ST_SIDE_SERVER;
    if (st_looks_like_command(seg->payload, seg->captured))
        return ST_SIDE_CLIENT;
    if (src_srv != dst_srv)
        return src_srv ? ST_SIDE_SERVER : ST_SIDE_CLIENT;
    if (src_reg && f->src_port != f->dst_port)
        return f->src_port < f->dst_port ? ST_SIDE_SERVER : ST_SIDE_CLIENT;
    return ST_SIDE_NONE;
}
