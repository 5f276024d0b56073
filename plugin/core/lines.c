/* reader.c: SMTP bytes cut into lines, as the receiving server reads them
 *
 * A line may be cut across TCP segments: its first bytes wait in the
 * session's carry (one for the session: both sides rarely leave a line
 * open at once) until the rest comes.  A line longer than the dialogue
 * needs is read by its first ST_LINE_MAX bytes and counted whole.  In a
 * body, only line starts matter: the "." line that ends it.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <string.h>

#include "lines.h"

static const uint8_t *find_newline(const uint8_t *data, size_t n)
{
    return (const uint8_t *)memchr(data, '\n', n);
}

static size_t trimmed(const uint8_t *text, size_t len)
{
    while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r'))
        len--;
    return len;
}

/* Keep the start of a line that goes on in the next segment. */
static bool carry_on(st_session *s, const st_config *cfg, st_side side, const uint8_t *data, size_t n)
{
    st_session_ext *x = state_ext(s, cfg);
    st_carry *c;

    if (x == NULL)
        return false;
    c = &x->carry;
    if (c->side != (uint8_t)side) {
        c->side = (uint8_t)side; /* the other side's open line, if any, is given up */
        c->kept = 0;
        c->len = 0;
    }
    while (n > 0 && c->kept < ST_CARRY_MAX) {
        c->text[c->kept++] = (char)*data++;
        n--;
        c->len++;
    }
    c->len = (uint16_t)(n > (size_t)(UINT16_MAX - c->len) ? UINT16_MAX : c->len + n);
    return true;
}

static bool carried(const st_session *s, st_side side)
{
    return s->ext != NULL && s->ext->carry.side == (uint8_t)side && s->ext->carry.len > 0;
}

/* The line made of the carry and `head` (up to its line end). */
static void join_carry(st_session *s, const uint8_t *head, size_t n, char *buf, st_text_line *line)
{
    st_carry *c = &s->ext->carry;
    size_t take = n < (size_t)(ST_LINE_MAX - c->kept) ? n : (size_t)(ST_LINE_MAX - c->kept);

    memcpy(buf, c->text, c->kept);
    memcpy(buf + c->kept, head, take);
    line->text = buf;
    line->len = trimmed((const uint8_t *)buf, c->kept + take);
    line->bytes = (size_t)c->len + n;
    c->side = ST_SIDE_NONE;
    c->kept = 0;
    c->len = 0;
}

static void plain_line(const uint8_t *data, size_t n, st_text_line *line)
{
    line->text = (const char *)data;
    line->len = trimmed(data, n < ST_LINE_MAX ? n : ST_LINE_MAX);
    line->bytes = n;
}

bool lines_carried(const st_session *s, st_side side)
{
    return carried(s, side);
}

bool lines_next(st_session *s, const st_config *cfg, st_side side, const uint8_t *data, size_t n, size_t *pos,
                bool cut, char *buf, st_text_line *line, bool *lost)
{
    const uint8_t *at = data + *pos, *nl;
    size_t left = n - *pos, take;

    if (left == 0)
        return false;
    nl = find_newline(at, left);
    if (nl == NULL && !cut) {
        *pos = n;
        if (!carry_on(s, cfg, side, at, left)) {
            state_mark_unread(s, ST_UNREAD_LINE_LOST);
            *lost = true; /* no room to keep it: the line is lost */
        }
        return false;
    }
    /* A line the capture cut (a snap length) counts as a line, as far as
     * it goes. */
    take = nl != NULL ? (size_t)(nl - at) + 1 : left;
    if (carried(s, side))
        join_carry(s, at, take, buf, line);
    else
        plain_line(at, take, line);
    *pos += take;
    return true;
}

/* ---- the body ---- */

static void count(st_session *s, size_t bytes)
{
    s->data_bytes += bytes;
}

/* A "." line is ".\r\n" at a line start.  Its bytes are no message bytes;
 * a line that only began like one is, once it turns out otherwise. */
size_t lines_scan_body(st_session *s, const uint8_t *data, size_t n, bool *eom)
{
    static const char dot_line[] = ".\r\n";
    st_direction *d = &s->dir[0];
    size_t i = 0;

    *eom = false;
    while (i < n) {
        if (d->line_start || d->dot > 0) {
            if (data[i] == (uint8_t)dot_line[d->dot]) {
                d->line_start = false;
                if (++d->dot == 3) {
                    d->dot = 0;
                    d->line_start = true;
                    *eom = true;
                    return i + 1;
                }
                i++;
                continue;
            }
            count(s, d->dot); /* it was no "." line after all */
            d->dot = 0;
            d->line_start = false;
        }
        const uint8_t *nl = find_newline(data + i, n - i);
        size_t upto = nl != NULL ? (size_t)(nl - data) + 1 : n;
        count(s, upto - i);
        i = upto;
        d->line_start = nl != NULL;
    }
    return n;
}
