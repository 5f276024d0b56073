/* report_row.h: one row of the session report, as every front end prints it
 *
 * The plugin's `-z smtp_timeout,sessions` and the native reader print the
 * same rows: the cells are made here, from a session and the notes of its
 * frames with findings, so that both say the same words by construction.
 * Endpoints and the Community ID come from the front end, which knows the
 * addresses.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef SMTP_TIMEOUT_REPORT_ROW_H
#define SMTP_TIMEOUT_REPORT_ROW_H

#include <stdbool.h>
#include <stdio.h>

#include "note.h"
#include "session.h"

typedef enum {
    ST_COL_SESSION, ST_COL_CLIENT, ST_COL_SERVER, ST_COL_MTA, ST_COL_ENDING, ST_COL_AFTER, ST_COL_DATA_BYTES,
    ST_COL_IDLE, ST_COL_TIMEOUT, ST_COL_STALL, ST_COL_GAVE_UP, ST_COL_CAUSE, ST_COL_HINT, ST_COL_FINDINGS,
    ST_COL_FRAMES, ST_COL_COMMUNITY_ID, ST_COL_UNREAD, ST_COL_COUNT
} st_column;

/* The CSV header's names, in order. */
extern const char *const st_column_names[ST_COL_COUNT];

#define ST_REPORT_FRAMES 4 /* the first frames with findings a row names */

/* What a front end keeps of a session for its row: counted findings and
 * the first frames that had them. */
typedef struct {
    uint32_t finding_frames[ST_REPORT_FRAMES];
    uint16_t n_findings;     /* not counting idle-start notes and resets after a normal end */
    uint8_t  n_frames;
} st_tally;

/* Count a note stored for FRAME of the session. */
void st_tally_note(st_tally *tally, uint32_t frame, const st_note *note);

/* The frames whose notes make the row: the tallied ones, then the
 * session's last explained frame; returns how many (at most
 * ST_REPORT_FRAMES + 1). */
unsigned st_row_frames(const st_summary *summary, const st_tally *tally, uint32_t *frames);

typedef struct {
    char *cell[ST_COL_COUNT];    /* g_malloc'd; "" where nothing is known */
    bool  findings;
} st_row;

/* The row of a session from its SUMMARY and NOTES, the notes of
 * st_row_frames() in that order (NULL for a frame without one); client,
 * server and community_id are the endpoints' words. */
void st_row_make(st_row *row, const st_summary *summary, const st_tally *tally, const st_note *const *notes,
                 unsigned n_notes, const char *client, const char *server, const char *community_id);
void st_row_free(st_row *row);

/* A row (or the header, with st_column_names) as one CSV line. */
void st_row_print_csv(FILE *out, const char *const *cells);

#endif
