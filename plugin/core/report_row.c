/* report_row.c: one row of the session report
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "report_row.h"

#include <glib.h>
#include <inttypes.h>
#include <string.h>

#include "findings.h"
#include "mta.h"
#include "sentences.h"

const char *const st_column_names[ST_COL_COUNT] = {
    "session", "client", "server", "mta", "ending", "after", "data_bytes", "idle_s", "server_timeout_s",
    "client_stall_s", "gave_up", "cause", "hint", "findings", "finding_frames", "community_id", "unread",
};

void st_tally_note(st_tally *t, uint32_t frame, const st_note *n)
{
    uint32_t counted = st_findings_counted(n->findings);

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

unsigned st_row_frames(const st_summary *summary, const st_tally *t, uint32_t *frames)
{
    unsigned n = 0;

    for (unsigned i = 0; i < t->n_frames; i++)
        frames[n++] = t->finding_frames[i];
    if (summary->explained_frame != 0)
        frames[n++] = summary->explained_frame;
    return n;
}

static char *seconds(int64_t ns)
{
    char buf[32];

    st_format_duration(ns, buf, sizeof(buf));
    buf[strlen(buf) - 2] = '\0'; /* "59.954 s" -> "59.954" */
    return g_strdup(buf);
}

/* The command and the message bytes come from one note, the latest that
 * names a command: another note's byte count belongs to another wait. */
static void fill_after(st_row *r, const st_note *const *notes, unsigned n_notes)
{
    const st_note *n = NULL;

    for (unsigned i = 0; i < n_notes; i++) {
        if (notes[i] != NULL && notes[i]->has & ST_HAS_AFTER)
            n = notes[i];
    }
    if (n == NULL)
        return;
    if (n->has & ST_HAS_DATA_BYTES) {
        r->cell[ST_COL_AFTER] = g_strdup_printf("%s (%" PRIu64 " bytes)", st_after_name((st_after)n->after),
                                                n->data_bytes);
        r->cell[ST_COL_DATA_BYTES] = g_strdup_printf("%" PRIu64, n->data_bytes);
    } else {
        r->cell[ST_COL_AFTER] = g_strdup(st_after_name((st_after)n->after));
    }
}

/* The session's values, each from the latest note that has it. */
static void fill_from_notes(st_row *r, const st_note *const *notes, unsigned n_notes)
{
    st_note merged;
    char text[512];

    memset(&merged, 0, sizeof(merged));
    for (unsigned i = 0; i < n_notes; i++) {
        st_note copy;
        if (notes[i] == NULL)
            continue;
        copy = *notes[i];
        st_note_merge(&copy, &merged); /* later notes win: the older merge into the newer */
        merged = copy;
    }
    fill_after(r, notes, n_notes);
    if (merged.has & ST_HAS_IDLE)
        r->cell[ST_COL_IDLE] = seconds(merged.idle_ns);
    if (merged.has & ST_HAS_SERVER_TIMEOUT)
        r->cell[ST_COL_TIMEOUT] = seconds(merged.server_timeout_ns);
    if (merged.has & ST_HAS_CLIENT_STALL)
        r->cell[ST_COL_STALL] = seconds(merged.client_stall_ns);
    if (merged.has & ST_HAS_EXPLANATION) {
        r->cell[ST_COL_GAVE_UP] = g_strdup(st_gave_up_name((st_gave_up)merged.gave_up));
        r->cell[ST_COL_CAUSE] = g_strdup(st_cause_name((st_cause)merged.cause));
        st_say_hint(&merged, text, sizeof(text));
        r->cell[ST_COL_HINT] = g_strdup(text);
    }
}

void st_row_make(st_row *r, const st_summary *summary, const st_tally *t, const st_note *const *notes,
                 unsigned n_notes, const char *client, const char *server, const char *community_id)
{
    char ending[64];
    GString *frames = g_string_new(NULL);

    memset(r, 0, sizeof(*r));
    r->findings = t->n_findings > 0;
    r->cell[ST_COL_SESSION] = g_strdup_printf("%u", summary->first_frame);
    r->cell[ST_COL_CLIENT] = g_strdup(client);
    r->cell[ST_COL_SERVER] = g_strdup(server);
    r->cell[ST_COL_MTA] = g_strdup(st_mta_name((st_mta)summary->mta));
    st_ending_text(summary, ending, sizeof(ending));
    r->cell[ST_COL_ENDING] = g_strdup(ending);
    fill_from_notes(r, notes, n_notes);
    r->cell[ST_COL_FINDINGS] = g_strdup_printf("%u", t->n_findings);
    for (unsigned i = 0; i < t->n_frames; i++)
        g_string_append_printf(frames, i == 0 ? "%u" : " %u", t->finding_frames[i]);
    r->cell[ST_COL_FRAMES] = g_string_free(frames, FALSE);
    r->cell[ST_COL_COMMUNITY_ID] = g_strdup(community_id);
    r->cell[ST_COL_UNREAD] = g_strdup_printf("%u", summary->unread);
    for (int c = 0; c < ST_COL_COUNT; c++) {
        if (r->cell[c] == NULL)
            r->cell[c] = g_strdup("");
    }
}

void st_row_free(st_row *r)
{
    for (int c = 0; c < ST_COL_COUNT; c++) {
        g_free(r->cell[c]);
        r->cell[c] = NULL;
    }
}

static void print_csv_cell(FILE *out, const char *text, bool last)
{
    if (strpbrk(text, ",\"\r\n") != NULL) {
        (void)putc('"', out);
        for (const char *p = text; *p != '\0'; p++) {
            if (*p == '"')
                (void)putc('"', out);
            (void)putc(*p, out);
        }
        (void)putc('"', out);
    } else {
        (void)fputs(text, out);
    }
    (void)putc(last ? '\n' : ',', out);
}

void st_row_print_csv(FILE *out, const char *const *cells)
{
    for (int c = 0; c < ST_COL_COUNT; c++)
        print_csv_cell(out, cells[c], c == ST_COL_COUNT - 1);
}
