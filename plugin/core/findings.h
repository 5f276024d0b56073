/* findings.h: the findings, as one table
 *
 * Each finding is one row: its name (the value of smtp_timeout.finding),
 * its expert info (name, group, severity, summary), whether a session's
 * report counts it, its sentence and its Info-column tag.  The glue
 * registers the expert infos from this table, the report and the
 * statistics read it; a new finding is a bit in note.h, a row here and the
 * sentence functions it names (sentences.c).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef SMTP_TIMEOUT_FINDINGS_H
#define SMTP_TIMEOUT_FINDINGS_H

#include <stdbool.h>
#include <stddef.h>

#include "note.h"

/* Wireshark's expert severities that findings take (the glue maps them). */
typedef enum {
    ST_SEVERITY_CHAT = 0,        /* a fact without consequence, or what the analysis could not read */
    ST_SEVERITY_NOTE,            /* a silence the dialogue survived, where an interval began */
    ST_SEVERITY_WARN,            /* the story of a session that failed */
} st_severity;

typedef void (*st_words_fn)(const st_note *note, char *buf, size_t size);

typedef struct {
    const char *name;            /* smtp_timeout.finding */
    const char *expert;          /* the expert info's name */
    const char *summary;         /* ... and its summary, as registered */
    st_words_fn message;         /* the expert info's sentence */
    st_words_fn tag;             /* the Info column's tag, or NULL */
    st_finding  finding;
    st_severity severity;
    bool        response_code;   /* its group: a response code (else the sequence) */
    bool        counts;          /* counted in a session's findings and finding frames */
} st_finding_row;

/* The rows in bit order: st_findings[i].finding == 1u << i. */
extern const st_finding_row st_findings[ST_FINDING_COUNT];

/* The row of one finding bit, or NULL. */
const st_finding_row *st_finding_row_of(st_finding finding);

/* The findings a report counts, of a set of bits. */
uint32_t st_findings_counted(uint32_t findings);

/* The expert-info sentence and the Info-column tag ("" for none) of one
 * finding of the note. */
void st_say_message(const st_note *note, st_finding finding, char *buf, size_t size);
void st_say_tag(const st_note *note, st_finding finding, char *buf, size_t size);

#endif
