/* stats.c: Statistics > SMTP Timeout Analysis, and `-z smtp_timeout,tree`
 *
 * Counts every note the frames carry: by finding, reply class, server
 * software, state, gave-up side and cause, and the idle intervals in
 * ranges matching the usual timers (10 s stress, 60 s, 120-300 s, 300 s+).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "stats.h"

#include <epan/stats_tree.h>

#include "core/mta.h"
#include "core/reply_class.h"
#include "core/note.h"

static const char *const node_names[] = {
    "Findings", "Reply class", "Server software", "After", "Gave up", "Cause", "Idle interval (s)",
};
enum { N_FINDINGS, N_CLASS, N_MTA, N_AFTER, N_GAVE_UP, N_CAUSE, N_IDLE, N_COUNT };

static int nodes[N_COUNT];

static void stats_init(stats_tree *st)
{
    for (int i = 0; i < N_COUNT; i++) {
        if (i == N_IDLE)
            nodes[i] = stats_tree_create_range_node(st, node_names[i], 0, "0-9", "10-59", "60-119", "120-299",
                                                    "300-599", "600-3599", "3600-", NULL);
        else
            nodes[i] = stats_tree_create_node(st, node_names[i], 0, STAT_DT_INT, TRUE);
    }
}

/* A count under one of the top nodes, which counts its children's ticks:
 * its share column then reads as a share of that total. */
static void tick(stats_tree *st, int top, const char *name)
{
    tick_stat_node(st, node_names[top], 0, FALSE);
    tick_stat_node(st, name, nodes[top], FALSE);
}

static tap_packet_status stats_packet(stats_tree *st, packet_info *pinfo _U_, epan_dissect_t *edt _U_,
                                      const void *data, tap_flags_t flags _U_)
{
    const st_note *n = (const st_note *)data;

    for (unsigned bit = 0; bit < ST_FINDING_COUNT; bit++) {
        if (n->findings & (1u << bit))
            tick(st, N_FINDINGS, st_finding_name((st_finding)(1u << bit)));
    }
    if (n->findings & ST_FIND_REPLY)
        tick(st, N_CLASS, st_reply_class_name((st_reply_class)n->reply.cls));
    if (n->has & ST_HAS_MTA && n->findings & ~(uint32_t)ST_FIND_IDLE_START)
        tick(st, N_MTA, st_mta_name((st_mta)n->mta));
    if (n->has & ST_HAS_AFTER)
        tick(st, N_AFTER, st_after_name((st_after)n->after));
    if (n->has & ST_HAS_EXPLANATION) {
        if (n->gave_up != ST_GAVE_UP_NONE)
            tick(st, N_GAVE_UP, st_gave_up_name((st_gave_up)n->gave_up));
        tick(st, N_CAUSE, st_cause_name((st_cause)n->cause));
    }
    if (n->has & ST_HAS_IDLE && n->findings & (ST_FIND_GAP | ST_FIND_REPLY | ST_FIND_SILENT_CLOSE)) {
        tick_stat_node(st, node_names[N_IDLE], 0, FALSE);
        int64_t secs = n->idle_ns / 1000000000;
        stats_tree_tick_range(st, node_names[N_IDLE], 0, secs > G_MAXINT ? G_MAXINT : (int)secs);
    }
    return TAP_PACKET_REDRAW;
}

void st_stats_register(void)
{
    stats_tree_register_plugin("smtp_timeout", "smtp_timeout", "SMTP Timeout Analysis", 0, stats_packet,
                               stats_init, NULL);
}
