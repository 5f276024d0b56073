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
#include "core/mta.h"
#include "core/sentences.h"
#include "ws_compat.h"

static GPtrArray *sessions;
static st_note_lookup lookup_note;

enum { C_SESSION, C_CLIENT, C_SERVER, C_MTA, C_ENDING, C_AFTER, C_DATA_BYTES, C_IDLE, C_TIMEOUT, C_STALL,
       C_GAVE_UP, C_CAUSE, C_HINT, C_FINDINGS, C_FRAMES, C_COMMUNITY_ID, C_COUNT };

static const char *const csv_names[C_COUNT] = {
    "session", "client", "server", "mta", "ending", "after", "data_bytes", "idle_s", "server_timeout_s",
    "client_stall_s", "gave_up", "cause", "hint", "findings", "finding_frames", "community_id",
};

/* The text report leaves out what the CSV has for machines, and puts the
 * long hint last. */
static const char *const text_names[C_COUNT] = {
    "Session", "Client", "Server", "Software", "Ended", "After", NULL, "Idle (s)", "Timeout (s)", "Stall (s)",
    "Gave up", "Cause", "Hint", NULL, NULL, "Community ID",
};
static const int text_order[] = { C_SESSION, C_CLIENT, C_SERVER, C_MTA, C_ENDING, C_AFTER, C_IDLE, C_TIMEOUT,
                                  C_STALL, C_GAVE_UP, C_CAUSE, C_COMMUNITY_ID, C_HINT };

typedef struct {
    char *cell[C_COUNT];
    bool  findings;
} row;

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
    uint32_t counted = n->findings & ~(uint32_t)(ST_FIND_IDLE_START | ST_FIND_RST_AFTER_END);

    if (counted == 0)
        return;
    for (uint32_t bits = counted; bits != 0; bits &= bits - 1)
        if (t->n_findings < UINT16_MAX)
            t->n_findings++;
    for (unsigned i = 0; i < t->n_frames; i++) {
        if (t->finding_frames[i] == frame)
            return;
    }
    if (t->n_frames < ST_REPORT_FRAMES)
        t->finding_frames[t->n_frames++] = frame;
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
static char *community_id(const st_tracked *t)
{
    char id[ST_COMMUNITY_ID_MAX];

    if (t->client_addr.len != t->server_addr.len)
        return g_strdup("");
    st_community_id(t->client_addr.data, t->server_addr.data, t->client_addr.len, t->client_port, t->server_port,
                    6, 0, id, sizeof(id));
    return g_strdup(id);
}

static char *seconds(int64_t ns)
{
    char buf[32];

    st_format_duration(ns, buf, sizeof(buf));
    buf[strlen(buf) - 2] = '\0'; /* "59.954 s" -> "59.954" */
    return g_strdup(buf);
}

/* The session's values, each from the latest note that has it. */
static void fill_from_notes(const st_tracked *t, uint32_t explained_frame, row *r)
{
    uint32_t frames[ST_REPORT_FRAMES + 1];
    unsigned n = 0;
    st_note merged;
    char text[512];

    memset(&merged, 0, sizeof(merged));
    for (unsigned i = 0; i < t->n_frames; i++)
        frames[n++] = t->finding_frames[i];
    if (explained_frame != 0)
        frames[n++] = explained_frame;
    for (unsigned i = 0; i < n; i++) {
        const st_note *note = lookup_note(frames[i]);
        st_note copy;
        if (note == NULL)
            continue;
        copy = *note;
        /* later notes win: merge the older ones into the newer */
        st_note_merge(&copy, &merged);
        merged = copy;
    }
    if (merged.has & ST_HAS_AFTER) {
        if (merged.has & ST_HAS_DATA_BYTES) {
            r->cell[C_AFTER] = g_strdup_printf("%s (%" PRIu64 " bytes)", st_after_name((st_after)merged.after),
                                               merged.data_bytes);
            r->cell[C_DATA_BYTES] = g_strdup_printf("%" PRIu64, merged.data_bytes);
        } else {
            r->cell[C_AFTER] = g_strdup(st_after_name((st_after)merged.after));
        }
    }
    if (merged.has & ST_HAS_IDLE)
        r->cell[C_IDLE] = seconds(merged.idle_ns);
    if (merged.has & ST_HAS_SERVER_TIMEOUT)
        r->cell[C_TIMEOUT] = seconds(merged.server_timeout_ns);
    if (merged.has & ST_HAS_CLIENT_STALL)
        r->cell[C_STALL] = seconds(merged.client_stall_ns);
    if (merged.has & ST_HAS_EXPLANATION) {
        r->cell[C_GAVE_UP] = g_strdup(st_gave_up_name((st_gave_up)merged.gave_up));
        r->cell[C_CAUSE] = g_strdup(st_cause_name((st_cause)merged.cause));
        st_note_hint(&merged, text, sizeof(text));
        r->cell[C_HINT] = g_strdup(text);
    }
}

static row *make_row(const st_tracked *t)
{
    row *r = g_new0(row, 1);
    char ending[64];
    GString *frames = g_string_new(NULL);
    st_summary summary;

    st_session_summary(&t->core, &summary);
    r->findings = t->n_findings > 0;
    r->cell[C_SESSION] = g_strdup_printf("%u", summary.first_frame);
    r->cell[C_CLIENT] = endpoint(&t->client_addr, t->client_port);
    r->cell[C_SERVER] = endpoint(&t->server_addr, t->server_port);
    r->cell[C_MTA] = g_strdup(st_mta_name((st_mta)summary.mta));
    st_ending_text(&summary, ending, sizeof(ending));
    r->cell[C_ENDING] = g_strdup(ending);
    fill_from_notes(t, summary.explained_frame, r);
    r->cell[C_FINDINGS] = g_strdup_printf("%u", t->n_findings);
    for (unsigned i = 0; i < t->n_frames; i++)
        g_string_append_printf(frames, i == 0 ? "%u" : " %u", t->finding_frames[i]);
    r->cell[C_FRAMES] = g_string_free(frames, FALSE);
    r->cell[C_COMMUNITY_ID] = community_id(t);
    for (int c = 0; c < C_COUNT; c++) {
        if (r->cell[c] == NULL)
            r->cell[c] = g_strdup("");
    }
    return r;
}

static void free_row(row *r)
{
    for (int c = 0; c < C_COUNT; c++)
        g_free(r->cell[c]);
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
        keys[i].findings = t->n_findings > 0;
        keys[i].session = t;
    }
    qsort(keys, n, sizeof(*keys), by_findings_then_frame);
    *count = n;
    return keys;
}

static void print_csv_cell(const char *text, bool last)
{
    if (strpbrk(text, ",\"\r\n") != NULL) {
        putchar('"');
        for (const char *p = text; *p != '\0'; p++) {
            if (*p == '"')
                putchar('"');
            putchar(*p);
        }
        putchar('"');
    } else {
        (void)fputs(text, stdout);
    }
    putchar(last ? '\n' : ',');
}

static void print_csv_row(const char *const *cells)
{
    for (int c = 0; c < C_COUNT; c++)
        print_csv_cell(cells[c], c == C_COUNT - 1);
}

static void print_text_row(const char *const *cells, const int *width)
{
    GString *line = g_string_new(NULL);

    for (size_t i = 0; i < G_N_ELEMENTS(text_order); i++) {
        int c = text_order[i];
        gsize start = line->len;
        g_string_append(line, cells[c]);
        /* Padded by hand: a printf per cell was most of the report's cost. */
        while (c != C_HINT && line->len - start < (gsize)width[c] + 2)
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
    int         width[C_COUNT];
    guint       with_findings;
    GHashTable *by_ending;   /* ending -> count */
    GPtrArray  *order;       /* endings as first seen */
} text_totals;

static void total_row(text_totals *t, const row *r)
{
    gpointer ending, n;

    for (int c = 0; c < C_COUNT; c++) {
        if ((int)strlen(r->cell[c]) > t->width[c])
            t->width[c] = (int)strlen(r->cell[c]);
    }
    /* The table's keys are its own copies: the row is freed next. */
    if (!g_hash_table_lookup_extended(t->by_ending, r->cell[C_ENDING], &ending, &n)) {
        ending = g_strdup(r->cell[C_ENDING]);
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

    for (int c = 0; c < C_COUNT; c++)
        t.width[c] = text_names[c] != NULL ? (int)strlen(text_names[c]) : 0;
    t.with_findings = 0;
    t.by_ending = g_hash_table_new(g_str_hash, g_str_equal);
    t.order = g_ptr_array_new_with_free_func(g_free);
    for (guint i = 0; i < count; i++) {
        row *r = make_row(sorted[i].session);
        total_row(&t, r);
        free_row(r);
    }
    printf("\n==================================================================\n");
    printf("SMTP sessions (smtp-timeout): with findings first\n");
    printf("------------------------------------------------------------------\n");
    print_text_row(text_names, t.width);
    for (guint i = 0; i < count; i++) {
        row *r = make_row(sorted[i].session);
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
        print_csv_row(csv_names);
        for (guint i = 0; i < count; i++) {
            row *r = make_row(sorted[i].session);
            print_csv_row((const char *const *)r->cell);
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
