/* capture_rows.c: what a report row needs of a session, and the rows
 *
 * A session keeps the notes of its first frames with findings and of its
 * last explained frame, each merged with what came later for that frame,
 * exactly as the plugin's glue stores notes by frame: so a row made from
 * them says what the packet tree says.  Sessions without a note keep
 * nothing; a retired session keeps 64 bytes and its notes.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <string.h>

#include "capture_int.h"
#include "community_id.h"

static bool tallied(const st_found *k, uint32_t frame)
{
    for (unsigned i = 0; i < k->tally.n_frames; i++) {
        if (k->tally.finding_frames[i] == frame)
            return true;
    }
    return false;
}

/* A slot for FRAME: its own, else one that the row no longer needs (an
 * explained frame since replaced), else a new one; -1 when none is left. */
static int slot_for(st_found *k, uint32_t frame, uint32_t explained)
{
    for (unsigned i = 0; i < k->n; i++) {
        if (k->frame[i] == frame)
            return (int)i;
    }
    for (unsigned i = 0; i < k->n; i++) {
        if (!tallied(k, k->frame[i]) && k->frame[i] != explained) {
            memset(&k->note[i], 0, sizeof(k->note[i]));
            k->frame[i] = frame;
            return (int)i;
        }
    }
    if (k->n == ST_KEPT_NOTES)
        return -1;
    memset(&k->note[k->n], 0, sizeof(k->note[k->n]));
    k->frame[k->n] = frame;
    return (int)k->n++;
}

void st_found_keep(st_live *s, uint32_t frame, const st_note *note)
{
    st_summary summary;
    st_tally tally;
    int i;

    st_session_summary(&s->core, &summary);
    if (s->found == NULL) {
        memset(&tally, 0, sizeof(tally));
        st_tally_note(&tally, frame, note);
        if (tally.n_frames == 0 && frame != summary.explained_frame)
            return; /* a note the row never reads: an idle start, a reset after a normal end */
        s->found = g_new0(st_found, 1);
    }
    st_tally_note(&s->found->tally, frame, note);
    i = slot_for(s->found, frame, summary.explained_frame);
    if (i < 0)
        return;
    st_note_merge(&s->found->note[i], note);
}

void st_retired_of(const st_live *s, st_retired *out)
{
    st_summary summary;

    st_session_summary(&s->core, &summary);
    memset(out, 0, sizeof(*out));
    out->key = s->key;
    out->mta = summary.mta;
    out->ending = (uint8_t)summary.ending;
    out->reply_class = summary.reply_class;
    out->encrypted = summary.encrypted;
    out->reply_code = summary.reply_code;
    out->first_frame = summary.first_frame;
    out->explained_frame = summary.explained_frame;
    out->unread = summary.unread;
    out->found = s->found;
}

static const st_note *kept_note(const st_found *k, uint32_t frame)
{
    for (unsigned i = 0; k != NULL && i < k->n; i++) {
        if (k->frame[i] == frame)
            return &k->note[i];
    }
    return NULL;
}

void st_retired_row(const st_retired *r, st_row *row)
{
    static const st_tally none;
    const st_tally *tally = r->found != NULL ? &r->found->tally : &none;
    uint32_t frames[ST_KEPT_NOTES];
    const st_note *notes[ST_KEPT_NOTES];
    st_summary summary;
    char id[ST_COMMUNITY_ID_MAX];
    char *client, *server;
    unsigned n;

    memset(&summary, 0, sizeof(summary));
    summary.first_frame = r->first_frame;
    summary.explained_frame = r->explained_frame;
    summary.encrypted = r->encrypted;
    summary.mta = r->mta;
    summary.ending = (st_ending)r->ending;
    summary.reply_code = r->reply_code;
    summary.reply_class = r->reply_class;
    summary.unread = r->unread;
    n = st_row_frames(&summary, tally, frames);
    for (unsigned i = 0; i < n; i++)
        notes[i] = kept_note(r->found, frames[i]);
    client = st_endpoint_text(r->key.client, r->key.addr_len, r->key.client_port);
    server = st_endpoint_text(r->key.server, r->key.addr_len, r->key.server_port);
    st_community_id(r->key.client, r->key.server, r->key.addr_len, r->key.client_port, r->key.server_port, 6, 0,
                    id, sizeof(id));
    st_row_make(row, &summary, tally, notes, n, client, server, id);
    g_free(client);
    g_free(server);
}

/* ---- the rows, in order ---- */

/* Sessions with findings first, then by first frame. */
static gint by_findings_then_frame(gconstpointer a, gconstpointer b)
{
    const st_retired *x = *(const st_retired *const *)a, *y = *(const st_retired *const *)b;
    bool fx = x->found != NULL && x->found->tally.n_findings > 0;
    bool fy = y->found != NULL && y->found->tally.n_findings > 0;

    if (fx != fy)
        return fx ? -1 : 1;
    return x->first_frame < y->first_frame ? -1 : x->first_frame > y->first_frame;
}

/* Rows are made one at a time and freed at once, from a sorted array of
 * pointers (open sessions seen as retired ones, sharing their notes): a
 * million sessions cost no million rows, nor a copy of their records. */
unsigned st_capture_rows(const st_capture *c, st_row_sink sink, void *ctx)
{
    guint open = g_hash_table_size(c->live), n = c->n_retired + open;
    st_retired *views = g_new(st_retired, open > 0 ? open : 1);
    GPtrArray *order = g_ptr_array_sized_new(n);
    GHashTableIter it;
    gpointer value;

    for (uint32_t i = 0; i < c->n_retired; i++)
        g_ptr_array_add(order, st_retired_at(c, i));
    g_hash_table_iter_init(&it, c->live);
    for (guint i = 0; g_hash_table_iter_next(&it, NULL, &value); i++) {
        st_retired_of((const st_live *)value, &views[i]);
        g_ptr_array_add(order, &views[i]);
    }
    g_ptr_array_sort(order, by_findings_then_frame);
    for (guint i = 0; i < n; i++) {
        st_row row;
        st_retired_row((const st_retired *)order->pdata[i], &row);
        sink(&row, ctx);
        st_row_free(&row);
    }
    g_ptr_array_free(order, TRUE);
    g_free(views);
    return n;
}

static void csv_row(const st_row *row, void *out)
{
    st_row_print_csv((FILE *)out, (const char *const *)row->cell);
}

void st_capture_write_csv(const st_capture *c, FILE *out)
{
    st_row_print_csv(out, st_column_names);
    (void)st_capture_rows(c, csv_row, out);
}

static void csv_attempt(const st_attempts_row *a, void *out)
{
    (void)fprintf((FILE *)out, "%s,%u,%u,%u,%u\n", a->server, a->first_frame, a->unanswered, a->refused, a->syns);
}

void st_capture_write_attempts_csv(const st_capture *c, FILE *out)
{
    (void)fputs("server,first_frame,unanswered,refused,syns\n", out);
    (void)st_capture_attempts(c, csv_attempt, out);
}
