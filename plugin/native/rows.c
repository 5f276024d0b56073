/* rows.c: a native session's record and its row of the report
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "rows.h"

#include <arpa/inet.h>
#include <glib.h>
#include <stdlib.h>
#include <string.h>

#include "core/community_id.h"

void st_flow_free(void *flow)
{
    st_flow *f = (st_flow *)flow;

    if (f == NULL)
        return;
    g_free(f->kept);
    g_free(f);
}

st_flow *st_flow_copy(const st_flow *flow)
{
    st_flow *copy = g_new(st_flow, 1);

    *copy = *flow;
    copy->core.ext = NULL; /* the live record keeps it; the report needs none */
    copy->kept = flow->kept != NULL ? g_memdup2(flow->kept, sizeof(*flow->kept)) : NULL;
    return copy;
}

void st_flow_forget_notes(st_flow *flow)
{
    g_free(flow->kept);
    flow->kept = NULL;
}

static bool tallied(const st_flow *f, uint32_t frame)
{
    for (unsigned i = 0; i < f->tally.n_frames; i++) {
        if (f->tally.finding_frames[i] == frame)
            return true;
    }
    return false;
}

/* A slot for FRAME: its own, else one that the row no longer needs (an
 * explained frame since replaced), else a new one; -1 when none is left. */
static int slot_for(st_flow *f, uint32_t frame, uint32_t explained)
{
    st_kept_notes *k = f->kept;

    for (unsigned i = 0; i < k->n; i++) {
        if (k->frame[i] == frame)
            return (int)i;
    }
    for (unsigned i = 0; i < k->n; i++) {
        if (!tallied(f, k->frame[i]) && k->frame[i] != explained) {
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

/* As the glue stores a note: merged with what its frame had, counted. */
void st_flow_keep_note(st_flow *f, uint32_t frame, const st_note *note)
{
    st_summary summary;
    int i;

    st_tally_note(&f->tally, frame, note);
    st_session_summary(&f->core, &summary);
    if (f->kept == NULL) {
        if (!tallied(f, frame) && frame != summary.explained_frame)
            return;
        f->kept = g_new0(st_kept_notes, 1);
    }
    i = slot_for(f, frame, summary.explained_frame);
    if (i < 0)
        return;
    if (f->kept->note[i].findings == 0 && f->kept->note[i].has == 0)
        f->kept->note[i] = *note;
    else
        st_note_merge(&f->kept->note[i], note);
}

static const st_note *kept_note(const st_flow *f, uint32_t frame)
{
    if (f->kept == NULL)
        return NULL;
    for (unsigned i = 0; i < f->kept->n; i++) {
        if (f->kept->frame[i] == frame)
            return &f->kept->note[i];
    }
    return NULL;
}

static char *endpoint(const uint8_t *addr, unsigned len, uint16_t port)
{
    char text[INET6_ADDRSTRLEN];

    if (inet_ntop(len == 16 ? AF_INET6 : AF_INET, addr, text, sizeof(text)) == NULL)
        text[0] = '\0';
    return len == 16 ? g_strdup_printf("[%s]:%u", text, port) : g_strdup_printf("%s:%u", text, port);
}

static void write_row(const st_flow *f, FILE *out)
{
    uint32_t frames[ST_REPORT_FRAMES + 1];
    const st_note *notes[ST_REPORT_FRAMES + 1];
    unsigned n = st_row_frames(&f->core, &f->tally, frames);
    char *client = endpoint(f->key.client_addr, f->key.addr_len, f->key.client_port);
    char *server = endpoint(f->key.server_addr, f->key.addr_len, f->key.server_port);
    char id[ST_COMMUNITY_ID_MAX];
    st_row row;

    for (unsigned i = 0; i < n; i++)
        notes[i] = kept_note(f, frames[i]);
    st_community_id(f->key.client_addr, f->key.server_addr, f->key.addr_len, f->key.client_port, f->key.server_port, 6, 0, id,
                    sizeof(id));
    st_row_make(&row, &f->core, &f->tally, notes, n, client, server, id);
    st_row_print_csv(out, (const char *const *)row.cell);
    st_row_free(&row);
    g_free(client);
    g_free(server);
}

typedef struct {
    uint32_t       first_frame;
    bool           findings;
    const st_flow *flow;
} sort_key;

static int by_findings_then_frame(const void *a, const void *b)
{
    const sort_key *x = (const sort_key *)a, *y = (const sort_key *)b;

    if (x->findings != y->findings)
        return x->findings ? -1 : 1;
    return x->first_frame < y->first_frame ? -1 : x->first_frame > y->first_frame;
}

void st_rows_write_csv(st_flow *const *flows, unsigned n, FILE *out)
{
    sort_key *keys = g_new(sort_key, n > 0 ? n : 1);

    for (unsigned i = 0; i < n; i++) {
        st_summary summary;
        st_session_summary(&flows[i]->core, &summary);
        keys[i].first_frame = summary.first_frame;
        keys[i].findings = flows[i]->tally.n_findings > 0;
        keys[i].flow = flows[i];
    }
    qsort(keys, n, sizeof(*keys), by_findings_then_frame);
    st_row_print_csv(out, st_column_names);
    for (unsigned i = 0; i < n; i++)
        write_row(keys[i].flow, out);
    g_free(keys);
}
