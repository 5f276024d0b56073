/* report.c: the sessions of a capture, for `-z smtp_timeout,sessions`
 *
 * The first thing a reviewer runs: one row per SMTP session, those with
 * findings first, then a total.  ",csv" gives the same rows for
 * spreadsheets and for smtp-timeout-scan.  Rows are built at the end from
 * what the analysis stored, so one pass and -2 print the same.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <epan/address_types.h>
#include <epan/stat_tap_ui.h>
#include <epan/tap.h>
#include <epan/to_str.h>

#include "core/community_id.h"
#include "core/report_row.h"
#include "ws_compat.h"

static GPtrArray *sessions;
static st_note_lookup lookup_note;

/* The text report leaves out what the CSV has for machines, and puts the
 * long hint last. */
static const char *const text_names[ST_COL_COUNT] = {
    "Session", "Client", "Server", "Software", "Ended", "After", NULL, "Idle (s)", "Timeout (s)", "Stall (s)",
    "Gave up", "Cause", "Hint", NULL, NULL, "Community ID",
};
static const int text_order[] = { ST_COL_SESSION, ST_COL_CLIENT, ST_COL_SERVER, ST_COL_MTA, ST_COL_ENDING,
                                  ST_COL_AFTER, ST_COL_IDLE, ST_COL_TIMEOUT, ST_COL_STALL, ST_COL_GAVE_UP,
                                  ST_COL_CAUSE, ST_COL_COMMUNITY_ID, ST_COL_HINT };

void st_report_reset(void)
{
    if (sessions != NULL)
        g_ptr_array_set_size(sessions, 0);
}

void st_report_add(st_tracked *session)
{
    if (sessions == NULL)
        sessions = g_ptr_array_new();
    g_ptr_array_add(sessions, session);
}

void st_report_count(st_tracked *t, uint32_t frame, const st_note *n)
{
    st_tally_note(&t->tally, frame, n);
}

static char *endpoint(const st_addr *kept, guint16 port)
{
    address addr;
    char *text, *out;

    st_addr_view(kept, &addr);
    text = address_to_str(NULL, &addr);
    out = addr.type == AT_IPv6 ? g_strdup_printf("[%s]:%u", text, port) : g_strdup_printf("%s:%u", text, port);

    wmem_free(NULL, text);
    return out;
}

/* The flow's Community ID (v1, seed 0), as Zeek, Suricata, Arkime and
 * Wireshark's own communityid dissector give it. */
static void community_id(const st_tracked *t, char *id)
{
    id[0] = '\0';
    if (t->client_addr.len == t->server_addr.len)
        st_community_id(t->client_addr.data, t->server_addr.data, t->client_addr.len, t->client_port,
                        t->server_port, 6, 0, id, ST_COMMUNITY_ID_MAX);
}

static st_row *make_row(const st_tracked *t)
{
    st_row *r = g_new0(st_row, 1);
    uint32_t frames[ST_REPORT_FRAMES + 1];
    const st_note *notes[ST_REPORT_FRAMES + 1];
    unsigned n = st_row_frames(&t->core, &t->tally, frames);
    char *client = endpoint(&t->client_addr, t->client_port), *server = endpoint(&t->server_addr, t->server_port);
    char id[ST_COMMUNITY_ID_MAX];

    for (unsigned i = 0; i < n; i++)
        notes[i] = lookup_note(frames[i]);
    community_id(t, id);
    st_row_make(r, &t->core, &t->tally, notes, n, client, server, id);
    g_free(client);
    g_free(server);
    return r;
}

static void free_row(st_row *r)
{
    st_row_free(r);
    g_free(r);
}

/* Sessions with findings first, then by first frame: the keys are read
 * once, not on every comparison. */
typedef struct {
    uint32_t          first_frame;
    bool              findings;
    const st_tracked *session;
} sort_key;

static gint by_findings_then_frame(gconstpointer a, gconstpointer b)
{
    const sort_key *x = (const sort_key *)a, *y = (const sort_key *)b;

    if (x->findings != y->findings)
        return x->findings ? -1 : 1;
    return x->first_frame < y->first_frame ? -1 : x->first_frame > y->first_frame;
}

static sort_key *sorted_sessions(guint *count)
{
    guint n = sessions != NULL ? sessions->len : 0;
    sort_key *keys = g_new(sort_key, n > 0 ? n : 1);

    for (guint i = 0; i < n; i++) {
        const st_tracked *t = (const st_tracked *)sessions->pdata[i];
        st_summary summary;
        st_session_summary(&t->core, &summary);
        keys[i].first_frame = summary.first_frame;
        keys[i].findings = t->tally.n_findings > 0;
        keys[i].session = t;
    }
    qsort(keys, n, sizeof(*keys), by_findings_then_frame);
    *count = n;
    return keys;
}

static void print_text_row(const char *const *cells, const int *width)
{
    GString *line = g_string_new(NULL);

    for (size_t i = 0; i < G_N_ELEMENTS(text_order); i++) {
        int c = text_order[i];
        gsize start = line->len;
        g_string_append(line, cells[c]);
        /* Padded by hand: a printf per cell was most of the report's cost. */
        while (c != ST_COL_HINT && line->len - start < (gsize)width[c] + 2)
            g_string_append_c(line, ' ');
    }
    while (line->len > 0 && line->str[line->len - 1] == ' ')
        g_string_truncate(line, line->len - 1);
    g_string_append_c(line, '\n');
    (void)fputs(line->str, stdout);
    g_string_free(line, TRUE);
}

/* What the text report needs before its first row: column widths, and the
 * counts of the last line. */
typedef struct {
    int         width[ST_COL_COUNT];
    guint       with_findings;
    GHashTable *by_ending;   /* ending -> count */
    GPtrArray  *order;       /* endings as first seen */
} text_totals;

static void total_row(text_totals *t, const st_row *r)
{
    gpointer ending, n;

    for (int c = 0; c < ST_COL_COUNT; c++) {
        if ((int)strlen(r->cell[c]) > t->width[c])
            t->width[c] = (int)strlen(r->cell[c]);
    }
    /* The table's keys are its own copies: the row is freed next. */
    if (!g_hash_table_lookup_extended(t->by_ending, r->cell[ST_COL_ENDING], &ending, &n)) {
        ending = g_strdup(r->cell[ST_COL_ENDING]);
        g_ptr_array_add(t->order, ending);
        n = GUINT_TO_POINTER(0);
    }
    g_hash_table_insert(t->by_ending, ending, GUINT_TO_POINTER(GPOINTER_TO_UINT(n) + 1));
    t->with_findings += r->findings;
}

static void print_total(const text_totals *t, guint sessions_total)
{
    GString *line = g_string_new(NULL);

    g_string_printf(line, "Sessions: %u, with findings: %u", sessions_total, t->with_findings);
    for (guint i = 0; i < t->order->len; i++)
        g_string_append_printf(line, "%s%s %u", i == 0 ? " (" : ", ", (const char *)t->order->pdata[i],
                               GPOINTER_TO_UINT(g_hash_table_lookup(t->by_ending, t->order->pdata[i])));
    if (t->order->len > 0)
        g_string_append_c(line, ')');
    printf("%s\n", line->str);
    g_string_free(line, TRUE);
}

/* Rows are made one at a time and freed at once, twice for the text report
 * (widths, then lines): a million sessions cost no million rows at once. */
static void print_text(const sort_key *sorted, guint count)
{
    text_totals t;

    for (int c = 0; c < ST_COL_COUNT; c++)
        t.width[c] = text_names[c] != NULL ? (int)strlen(text_names[c]) : 0;
    t.with_findings = 0;
    t.by_ending = g_hash_table_new(g_str_hash, g_str_equal);
    t.order = g_ptr_array_new_with_free_func(g_free);
    for (guint i = 0; i < count; i++) {
        st_row *r = make_row(sorted[i].session);
        total_row(&t, r);
        free_row(r);
    }
    printf("\n==================================================================\n");
    printf("SMTP sessions (smtp-timeout): with findings first\n");
    printf("------------------------------------------------------------------\n");
    print_text_row(text_names, t.width);
    for (guint i = 0; i < count; i++) {
        st_row *r = make_row(sorted[i].session);
        print_text_row((const char *const *)r->cell, t.width);
        free_row(r);
    }
    printf("------------------------------------------------------------------\n");
    print_total(&t, count);
    printf("==================================================================\n");
    g_hash_table_destroy(t.by_ending);
    g_ptr_array_free(t.order, TRUE);
}

typedef struct {
    bool csv;
} report_ctx;

static void draw(void *data)
{
    const report_ctx *ctx = (const report_ctx *)data;
    guint count;
    sort_key *sorted = sorted_sessions(&count);

    if (ctx->csv) {
        st_row_print_csv(stdout, st_column_names);
        for (guint i = 0; i < count; i++) {
            st_row *r = make_row(sorted[i].session);
            st_row_print_csv(stdout, (const char *const *)r->cell);
            free_row(r);
        }
    } else {
        print_text(sorted, count);
    }
    g_free(sorted);
}

static tap_packet_status no_packet(void *data _U_, packet_info *pinfo _U_, epan_dissect_t *edt _U_,
                                   const void *note _U_, tap_flags_t flags _U_)
{
    return TAP_PACKET_DONT_REDRAW;
}

static ST_STAT_INIT_RESULT report_init(const char *opt_arg, void *userdata _U_)
{
    report_ctx *ctx = g_new0(report_ctx, 1);
    GString *error;

    ctx->csv = opt_arg != NULL && g_str_has_suffix(opt_arg, ",csv");
    error = register_tap_listener("smtp_timeout", ctx, NULL, TL_REQUIRES_NOTHING, NULL, no_packet, draw, NULL);
    if (error != NULL) {
        (void)fprintf(stderr, "smtp_timeout,sessions: %s\n", error->str);
        g_string_free(error, TRUE);
        g_free(ctx);
        ST_STAT_INIT_RETURN(false);
    }
    ST_STAT_INIT_RETURN(true);
}

void st_report_register(st_note_lookup lookup)
{
    static stat_tap_ui ui = {
        REGISTER_STAT_GROUP_GENERIC, "SMTP timeout sessions", "smtp_timeout,sessions", report_init, 0, NULL,
    };

    lookup_note = lookup;
    register_stat_tap_ui(&ui, NULL);
}
