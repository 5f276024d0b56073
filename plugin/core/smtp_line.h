/* smtp_line.h: what one SMTP reply or command line says
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef SMTP_TIMEOUT_SMTP_LINE_H
#define SMTP_TIMEOUT_SMTP_LINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The command a session was last busy with, named as Postfix names it in
 * "timeout after X" log lines, so that a capture and a mail log read alike. */
typedef enum {
    ST_AFTER_NONE = 0,      /* not known: the capture began mid-session */
    ST_AFTER_CONNECT,
    ST_AFTER_HELO,
    ST_AFTER_EHLO,
    ST_AFTER_LHLO,
    ST_AFTER_MAIL,
    ST_AFTER_RCPT,
    ST_AFTER_DATA,
    ST_AFTER_END_OF_MESSAGE,
    ST_AFTER_BDAT,
    ST_AFTER_STARTTLS,
    ST_AFTER_AUTH,
    ST_AFTER_RSET,
    ST_AFTER_NOOP,
    ST_AFTER_VRFY,
    ST_AFTER_EXPN,
    ST_AFTER_HELP,
    ST_AFTER_ETRN,
    ST_AFTER_XCLIENT,
    ST_AFTER_XFORWARD,
    ST_AFTER_QUIT,
    ST_AFTER_UNKNOWN,       /* a command line that is no SMTP verb */
    ST_AFTER_COUNT
} st_after;

const char *st_after_name(st_after after);

/* A command line as the client sent it, CRLF optional. */
st_after st_command_verb(const char *line, size_t len);

/* The chunk size of "BDAT <size> [LAST]"; false if the line has none. */
bool st_bdat_size(const char *line, size_t len, uint64_t *size);

#define ST_STATUS_MAX 16

typedef struct {
    unsigned    code;                    /* 0 if the line has no code */
    char        status[ST_STATUS_MAX];   /* "4.4.2", or "" */
    const char *text;                    /* after code and status; not copied */
    size_t      text_len;                /* without the line end */
} st_reply;

/* Parse the first line of a reply ("421 4.4.2 mx Error: timeout exceeded").
 * Accepts "421-..." continuation syntax and a status in qmail's "(#4.4.2)". */
bool st_reply_parse(const char *line, size_t len, st_reply *out);

/* Whether bytes begin as a server reply ("250 ", "421-") or as a client
 * command (a verb the dialogue knows): a front end that does not know
 * which end is the server asks. */
bool st_looks_like_reply(const uint8_t *data, size_t len);
bool st_looks_like_command(const uint8_t *data, size_t len);

/* The code of a reply line ("250-..." or "421 ..."): false when the line
 * does not begin with three digits.  The one parser of reply codes. */
bool st_reply_code(const char *line, size_t len, unsigned *code);

#endif
