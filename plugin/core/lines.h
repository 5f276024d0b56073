/* lines.h: the SMTP lines layer of the session machine (internal)
 *
 * Lines cut out of a direction's new bytes, carried over between
 * segments; the body's "." line.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef SMTP_TIMEOUT_LINES_H
#define SMTP_TIMEOUT_LINES_H

#include "state.h"

typedef struct {
    const char *text;        /* the line's first bytes, without the line end */
    size_t      len;         /* bytes in text */
    size_t      bytes;       /* the whole line on the wire, line end included */
} st_text_line;

/* The next line of `data` from *pos, carried over from earlier segments
 * where it began there; false when the bytes end inside a line (kept for
 * the next segment) or there are none.  In bytes the capture cut, what is
 * left of the last line counts as a line.  `buf` holds a line put
 * together from a carry.  *lost is set when a line could not be kept (no
 * room): the caller no longer knows where the dialogue stands. */
bool lines_next(st_session *s, const st_config *cfg, st_side side, const uint8_t *data, size_t n, size_t *pos,
                bool cut, char *buf, st_text_line *line, bool *lost);

/* Body bytes up to and including a "." line; *eom tells whether it came.
 * Returns the bytes consumed; the message bytes are added to data_bytes. */
size_t lines_scan_body(st_session *s, const uint8_t *data, size_t n, bool *eom);

/* Whether a line of SIDE begun in an earlier segment goes on. */
bool lines_carried(const st_session *s, st_side side);

#endif
