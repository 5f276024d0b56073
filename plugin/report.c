/* report.c: the sessions of a capture, for `-z smtp_timeout,sessions`
 *
 * The first thing a reviewer runs: one row per SMTP session, those with
 * findings first, then a total.  ",csv" gives the same rows for
 * spreadsheets and for smtp-timeout-scan.  The capture engine makes the
 * rows (the native reader prints the same), at the end, so one pass and -2
 * print the same; connection attempts that never became sessions follow.
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

#include "core/report_row.h"
#include "ws_compat.h"

static st_capture_get get_capture;

/* The text report leaves out what the CSV has for machines, and puts the
 * long hint last. */
static const char *const text_names[ST_COL_COUNT] = {
    "Session", "Client", "Server", "Software", "Ended", "After", NULL, "Idle (s)", "Timeout (s)", "Stall (s)",
    "Gave up", "Cause", "Hint", NULL, NULL, "Community ID", NULL,
};
static const int text_order[] = { ST_COL_SESSION, ST_COL_CLIENT, ST_COL_SERVER, ST_COL_MTA, ST_COL_ENDING,
                                  ST_COL_AFTER, ST_COL_IDLE, ST_COL_TIMEOUT, ST_COL_STALL, ST_COL_GAVE_UP,
                                  ST_COL_CAUSE, ST_COL_COMMUNITY_ID, ST_COL_HINT };

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
    guint       unread;      /* sessions the analysis could not read in full */
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
    t->unread += strcmp(r->cell[ST_COL_UNREAD], "0") != 0;
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

static void width_row(const st_row *r, void *t)
{
    total_row((text_totals *)t, r);
}

static void text_row(const st_row *r, void *t)
{
    print_text_row((const char *const *)r->cell, ((const text_totals *)t)->width);
}

static void attempt_row(const st_attempts_row *a, void *ctx)
{
    (void)ctx;
    printf("  %-40s first frame %u: %u never answered, %u refused (%u SYNs)\n", a->server, a->first_frame,
           a->unanswered, a->refused, a->syns);
}

/* What never became a session, and what the engine had to leave out. */
static void print_left_out(const st_capture *c, const text_totals *t)
{
    st_capture_counts n;

    if (t->unread > 0)
        printf("Sessions not analysed in full (smtp_timeout.not_analysed says where): %u\n", t->unread);

    st_capture_counts_get(c, &n);
    if (st_capture_attempts(c, NULL, NULL) > 0) {
        printf("Connection attempts that never became sessions, by server:\n");
        (void)st_capture_attempts(c, attempt_row, NULL);
    }
    if (n.attempts_dropped > 0)
        printf("Attempts past the table's size, counted never answered: %u\n", n.attempts_dropped);
    if (n.ports_not_learnt > 0)
        printf("Sessions on ports the full port table could not learn: %u\n", n.ports_not_learnt);
    if (n.clock_jumps > 0)
        printf("Frames whose time went back or jumped ahead (nothing measured across them): %u\n", n.clock_jumps);
}

/* Rows are made one at a time and freed at once, twice for the text report
 * (widths, then lines): a million sessions cost no million rows at once. */
static void print_text(const st_capture *c)
{
    text_totals t;
    unsigned count;

    for (int col = 0; col < ST_COL_COUNT; col++)
        t.width[col] = text_names[col] != NULL ? (int)strlen(text_names[col]) : 0;
    t.with_findings = 0;
    t.unread = 0;
    t.by_ending = g_hash_table_new(g_str_hash, g_str_equal);
    t.order = g_ptr_array_new_with_free_func(g_free);
    count = c != NULL ? st_capture_rows(c, width_row, &t) : 0;
    printf("\n==================================================================\n");
    printf("SMTP sessions (smtp-timeout): with findings first\n");
    printf("------------------------------------------------------------------\n");
    print_text_row(text_names, t.width);
    if (c != NULL)
        (void)st_capture_rows(c, text_row, &t);
    printf("------------------------------------------------------------------\n");
    print_total(&t, count);
    if (c != NULL)
        print_left_out(c, &t);
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
    const st_capture *c = get_capture();

    if (!ctx->csv)
        print_text(c);
    else if (c != NULL)
        st_capture_write_csv(c, stdout);
    else
        st_row_print_csv(stdout, st_column_names);
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

void st_report_register(st_capture_get get)
{
    static stat_tap_ui ui = {
        REGISTER_STAT_GROUP_GENERIC, "SMTP timeout sessions", "smtp_timeout,sessions", report_init, 0, NULL,
    };

    get_capture = get;
    register_stat_tap_ui(&ui, NULL);
}
