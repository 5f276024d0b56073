/* smtp_line.c: what one SMTP reply or command line says
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "smtp_line.h"

#include <glib.h>
#include <string.h>

static const char *const after_names[ST_AFTER_COUNT] = {
    [ST_AFTER_NONE] = "",
    [ST_AFTER_CONNECT] = "CONNECT",
    [ST_AFTER_HELO] = "HELO",
    [ST_AFTER_EHLO] = "EHLO",
    [ST_AFTER_LHLO] = "LHLO",
    [ST_AFTER_MAIL] = "MAIL",
    [ST_AFTER_RCPT] = "RCPT",
    [ST_AFTER_DATA] = "DATA",
    [ST_AFTER_END_OF_MESSAGE] = "END-OF-MESSAGE",
    [ST_AFTER_BDAT] = "BDAT",
    [ST_AFTER_STARTTLS] = "STARTTLS",
    [ST_AFTER_AUTH] = "AUTH",
    [ST_AFTER_RSET] = "RSET",
    [ST_AFTER_NOOP] = "NOOP",
    [ST_AFTER_VRFY] = "VRFY",
    [ST_AFTER_EXPN] = "EXPN",
    [ST_AFTER_HELP] = "HELP",
    [ST_AFTER_ETRN] = "ETRN",
    [ST_AFTER_XCLIENT] = "XCLIENT",
    [ST_AFTER_XFORWARD] = "XFORWARD",
    [ST_AFTER_QUIT] = "QUIT",
    [ST_AFTER_UNKNOWN] = "UNKNOWN",
};

const char *st_after_name(st_after after)
{
    return (unsigned)after < ST_AFTER_COUNT ? after_names[after] : "";
}

static size_t trim_line_end(const char *line, size_t len)
{
    while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
        len--;
    return len;
}

st_after st_command_verb(const char *line, size_t len)
{
    static const struct { const char *verb; st_after after; } verbs[] = {
        { "HELO", ST_AFTER_HELO },         { "EHLO", ST_AFTER_EHLO },
        { "LHLO", ST_AFTER_LHLO },         { "MAIL", ST_AFTER_MAIL },
        { "RCPT", ST_AFTER_RCPT },         { "DATA", ST_AFTER_DATA },
        { "BDAT", ST_AFTER_BDAT },         { "STARTTLS", ST_AFTER_STARTTLS },
        { "AUTH", ST_AFTER_AUTH },         { "RSET", ST_AFTER_RSET },
        { "NOOP", ST_AFTER_NOOP },         { "VRFY", ST_AFTER_VRFY },
        { "EXPN", ST_AFTER_EXPN },         { "HELP", ST_AFTER_HELP },
        { "ETRN", ST_AFTER_ETRN },         { "XCLIENT", ST_AFTER_XCLIENT },
        { "XFORWARD", ST_AFTER_XFORWARD }, { "QUIT", ST_AFTER_QUIT },
    };
    size_t word = 0;

    len = trim_line_end(line, len);
    while (word < len && line[word] != ' ')
        word++;
    for (size_t i = 0; i < G_N_ELEMENTS(verbs); i++) {
        if (strlen(verbs[i].verb) == word && g_ascii_strncasecmp(line, verbs[i].verb, word) == 0)
            return verbs[i].after;
    }
    return ST_AFTER_UNKNOWN;
}

bool st_bdat_size(const char *line, size_t len, uint64_t *size)
{
    size_t i = 5;
    uint64_t value = 0;
    bool digits = false;

    len = trim_line_end(line, len);
    if (len < 6 || g_ascii_strncasecmp(line, "BDAT ", 5) != 0)
        return false;
    for (; i < len && g_ascii_isdigit(line[i]); i++) {
        if (value > (UINT64_MAX - 9) / 10)
            return false;
        value = value * 10 + (uint64_t)(line[i] - '0');
        digits = true;
    }
    if (!digits || (i < len && line[i] != ' '))
        return false;
    *size = value;
    return true;
}

/* "d.d{1,3}.d{1,3}" at the start of text; its length, or 0. */
static size_t status_length(const char *text, size_t len)
{
    size_t i = 0;

    if (len < 5 || (text[0] != '2' && text[0] != '4' && text[0] != '5') || text[1] != '.')
        return 0;
    i = 2;
    for (int part = 0; part < 2; part++) {
        size_t start = i;
        while (i < len && i - start < 3 && g_ascii_isdigit(text[i]))
            i++;
        if (i == start)
            return 0;
        if (part == 0) {
            if (i >= len || text[i] != '.')
                return 0;
            i++;
        }
    }
    if (i < len && text[i] != ' ' && text[i] != '\t')
        return 0;
    return i;
}

static void copy_status(st_reply *out, const char *status, size_t len)
{
    if (len >= ST_STATUS_MAX)
        return;
    memcpy(out->status, status, len);
    out->status[len] = '\0';
}

/* qmail puts the status at the end: "451 timeout (#4.4.2)". */
static void find_trailing_status(st_reply *out)
{
    const char *open = NULL;
    size_t len = out->text_len;

    if (len < 9 || out->text[len - 1] != ')')
        return;
    for (size_t i = len - 1; i-- > 0;) {
        if (out->text[i] == '(') {
            open = out->text + i;
            break;
        }
    }
    if (open == NULL || open[1] != '#')
        return;
    size_t inner = (size_t)(out->text + len - 1 - (open + 2));
    if (status_length(open + 2, inner) == inner)
        copy_status(out, open + 2, inner);
}

bool st_reply_code(const char *line, size_t len, unsigned *code)
{
    if (len < 3 || !g_ascii_isdigit(line[0]) || !g_ascii_isdigit(line[1]) || !g_ascii_isdigit(line[2]))
        return false;
    *code = (unsigned)((line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0'));
    return true;
}

bool st_reply_parse(const char *line, size_t len, st_reply *out)
{
    size_t pos = 3, status;

    memset(out, 0, sizeof(*out));
    len = trim_line_end(line, len);
    if (!st_reply_code(line, len, &out->code) || (len > 3 && line[3] != ' ' && line[3] != '-')) {
        out->code = 0;
        return false;
    }
    if (pos < len)
        pos++;
    status = status_length(line + pos, len - pos);
    if (status > 0) {
        copy_status(out, line + pos, status);
        pos += status;
        while (pos < len && (line[pos] == ' ' || line[pos] == '\t'))
            pos++;
    }
    out->text = line + pos;
    out->text_len = len - pos;
    if (status == 0)
        find_trailing_status(out);
    return true;
}

bool st_looks_like_reply(const uint8_t *data, size_t len)
{
    unsigned code;

    return len >= 4 && st_reply_code((const char *)data, len, &code) && (data[3] == ' ' || data[3] == '-') &&
           code >= 200 && code < 600;
}

bool st_looks_like_command(const uint8_t *data, size_t len)
{
    size_t word = 0;

    while (word < len && word < 9 && data[word] != ' ' && data[word] != '\r' && data[word] != '\n')
        word++;
    return word >= 4 && word < len && st_command_verb((const char *)data, word) != ST_AFTER_UNKNOWN;
}
