/* dialogue.c: the SMTP dialogue, as replies and commands move its phase
 *
 * The rules, as the server and the client read each other:
 * - the greeting moves the session from GREETING_OWED to the dialogue;
 * - each command joins the queue of pending commands (pipelining), each
 *   reply (by its first line; "250-" lines go on to the "250 " line)
 *   answers the oldest one; the phase is REPLY_OWED while any is pending,
 *   COMMAND_OWED when none is, IN_BDAT while announced chunk bytes are owed;
 * - 354 opens the body, the client's "." line ends it (the reply to it is
 *   then owed); STARTTLS answered by 220 starts TLS; 221 ends the dialogue;
 * - a capture that begins mid-session knows the phase from the first reply
 *   it can read, which answers the newest commands;
 * - what the server did not acknowledge, it did not receive: a "." line it
 *   never acknowledged is no end of message, body bytes beyond its
 *   acknowledgement no message bytes.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <string.h>

#include <glib.h>

#include "mta.h"
#include "reply_class.h"
#include "dialogue.h"

/* ---- the queue of commands awaiting a reply ---- */

static unsigned pending_total(const st_pending *p)
{
    return (unsigned)p->count + p->lost;
}

static void pending_push(st_pending *p, st_after verb)
{
    if (p->count == ST_PENDING_MAX) {
        /* Keep the newest: the state-changing command of a pipelined group
         * (DATA, STARTTLS, EHLO, QUIT) is always its last one. */
        p->head = (uint8_t)((p->head + 1) % ST_PENDING_MAX);
        p->count--;
        if (p->lost < UINT16_MAX)
            p->lost++;
    }
    p->verbs[(p->head + p->count) % ST_PENDING_MAX] = (uint8_t)verb;
    p->count++;
}

static st_after pending_peek(const st_pending *p)
{
    if (p->lost > 0 || p->count == 0)
        return ST_AFTER_NONE;
    return (st_after)p->verbs[p->head];
}

static st_after pending_pop(st_pending *p)
{
    st_after verb = pending_peek(p);

    if (p->lost > 0) {
        p->lost--;
    } else if (p->count > 0) {
        p->head = (uint8_t)((p->head + 1) % ST_PENDING_MAX);
        p->count--;
    }
    return verb;
}

/* ---- the phase ---- */

static bool in_command_dialogue(st_phase phase)
{
    return phase == ST_PHASE_UNSYNCED || phase == ST_PHASE_COMMAND_OWED || phase == ST_PHASE_REPLY_OWED ||
           phase == ST_PHASE_IN_BDAT;
}

/* The server owes a reply to a command whose data (a BDAT chunk) it has
 * all received. */
static bool server_owes(const st_session *s)
{
    return s->bdat_left == 0 && pending_total(&s->pending) > 0;
}

/* After the queue or the chunk count changed, the phase follows them. */
static void settle(st_session *s)
{
    if (!in_command_dialogue((st_phase)s->phase))
        return;
    s->phase = s->bdat_left > 0 ? ST_PHASE_IN_BDAT : pending_total(&s->pending) > 0 ? ST_PHASE_REPLY_OWED
                                                                                     : ST_PHASE_COMMAND_OWED;
}

st_side dlg_expected_speaker(const st_session *s)
{
    if (!s->synced)
        return ST_SIDE_NONE;
    switch ((st_phase)s->phase) {
    case ST_PHASE_GREETING_OWED:
        return ST_SIDE_SERVER;
    case ST_PHASE_TLS_HANDSHAKE:
    case ST_PHASE_ENCRYPTED:
        return tls_expected(s);
    case ST_PHASE_COMMAND_OWED:
    case ST_PHASE_REPLY_OWED:
    case ST_PHASE_IN_BODY:
    case ST_PHASE_IN_BDAT:
        return server_owes(s) ? ST_SIDE_SERVER : ST_SIDE_CLIENT;
    default:
        return ST_SIDE_NONE; /* closing, closed */
    }
}

st_after dlg_waiting_after(const st_session *s, st_side silent)
{
    if (s->phase == ST_PHASE_ENCRYPTED)
        return ST_AFTER_NONE; /* without keys, the command is not known */
    if (silent == ST_SIDE_SERVER && s->phase == ST_PHASE_TLS_HANDSHAKE)
        return (st_after)s->after;
    if (silent == ST_SIDE_SERVER)
        return s->phase == ST_PHASE_GREETING_OWED ? ST_AFTER_CONNECT : pending_peek(&s->pending);
    return s->bdat_left > 0 ? ST_AFTER_BDAT : (st_after)s->after;
}

void dlg_lose_sync(st_session *s)
{
    s->synced = false;
    s->auth_reply_owed = false;
    if (s->phase == ST_PHASE_GREETING_OWED)
        s->phase = ST_PHASE_COMMAND_OWED;
    settle(s);
}

/* A capture that began mid-session: assume the replies left in this frame
 * answer the newest commands, and forget older ones. */
static void resync(st_session *s, unsigned replies_left)
{
    while (pending_total(&s->pending) > replies_left)
        pending_pop(&s->pending);
    s->synced = true;
    settle(s);
}

void dlg_restart_inside_tls(st_session *s)
{
    /* RFC 3207: both sides forget what came before the handshake. */
    memset(&s->pending, 0, sizeof(s->pending));
    s->bdat_left = 0;
    s->decrypted = true;
    s->dir[1].reply_code = 0;
    s->phase = s->implicit_tls ? ST_PHASE_GREETING_OWED : ST_PHASE_COMMAND_OWED;
}

/* A banner of asterisks (Cisco's mask-banner) or commands turned into X's:
 * both are how firewalls with SMTP inspection show in a capture. */
static bool masked(const char *text, size_t len, char mask, size_t min)
{
    size_t n = 0;

    for (size_t i = 0; i < len; i++) {
        char c = text[i];
        if (c == mask)
            n++;
        else if (!(c == '\r' || c == '\n' || c == ' ' || c == '\t' || (mask == '*' && (c == '0' || c == '2'))))
            return false;
    }
    return n >= min;
}

/* ---- replies ---- */

static void open_body(st_session *s)
{
    st_direction *client = &s->dir[0];

    s->phase = ST_PHASE_IN_BODY;
    s->after = ST_AFTER_DATA;
    s->data_bytes = 0;
    s->eom_sent = false;
    client->line_start = true;
    client->dot = 0;
    s->body_seq = client->next_seq;
    s->body_seq_known = client->seq_known && !s->decrypted;
}

/* The reply answered `verb`: the session moves on. */
static void apply_answer(st_session *s, const st_config *cfg, st_after verb, unsigned code, bool was_synced)
{
    if (verb == ST_AFTER_NONE || (!was_synced && verb == ST_AFTER_UNKNOWN))
        return;
    s->after = (uint8_t)verb;
    if (verb == ST_AFTER_MAIL) {
        s->data_bytes = 0;
    } else if (verb == ST_AFTER_STARTTLS && code == 220 && in_command_dialogue((st_phase)s->phase)) {
        tls_begin(s, cfg);
    }
}

/* What some replies say whatever they answer. */
static void apply_code(st_session *s, unsigned code)
{
    bool plain = in_command_dialogue((st_phase)s->phase) || s->phase == ST_PHASE_IN_BODY;

    if (code == 354 && plain) {
        open_body(s);
    } else if (code == 334) {
        s->auth_reply_owed = true;
        s->after = ST_AFTER_AUTH;
    } else if (code == 221) {
        /* A 221 to a client that had already given up and closed ends nothing
         * normally: the reset it draws belongs to that close. */
        s->goodbye = s->ending != ST_END_CLIENT_GAVE_UP;
        if (s->phase != ST_PHASE_CLOSED)
            s->phase = ST_PHASE_CLOSING;
    }
}

/* The wait a reply ended, as the explanation times it: a timeout reply
 * after less than any server's timer shows no wait of its own (frames
 * with one time stamp, a clock that stood still), so it is untimed (-1). */
static int64_t timed_wait(const st_config *cfg, const st_note *n)
{
    if (n->has & ST_HAS_SERVER_TIMEOUT)
        return n->server_timeout_ns;
    if (!(n->has & ST_HAS_IDLE) || (n->reply.cls == ST_CLASS_TIMEOUT && n->idle_ns < cfg->timer_floor_ns))
        return -1;
    return n->idle_ns;
}

static void note_reply(st_session *s, const st_config *cfg, const st_segment *seg, const st_reply *r,
                       bool synced, bool owing, st_after answered, st_note *n)
{
    st_side silent = !synced ? ST_SIDE_NONE : owing ? ST_SIDE_SERVER : ST_SIDE_CLIENT;
    size_t keep = r->text_len < ST_REPLY_TEXT_MAX - 1 ? r->text_len : ST_REPLY_TEXT_MAX - 1;

    n->findings |= ST_FIND_REPLY;
    n->reply.cls = (uint8_t)st_classify_reply(r);
    n->reply.code = (uint16_t)r->code;
    memcpy(n->reply.status, r->status, sizeof(n->reply.status));
    memcpy(n->reply_text, r->text, keep);
    n->reply_text[keep] = '\0';
    state_note_interval(s, seg, silent, owing ? answered : dlg_waiting_after(s, ST_SIDE_CLIENT), n);
    /* A timeout reply sooner than any server's timer: the capture's clock
     * (one time stamp for every frame) does not show the wait, so no
     * figure is given for it. */
    if (n->reply.cls == ST_CLASS_TIMEOUT && n->has & ST_HAS_IDLE && n->idle_ns < cfg->timer_floor_ns)
        n->has &= ~(uint32_t)(ST_HAS_IDLE | ST_HAS_IDLE_START);
    /* A shutdown, a refusal or a full server may speak up during a pause
     * of the client's too: only a timeout reply says its wait ran out. */
    if (silent == ST_SIDE_CLIENT && n->has & ST_HAS_IDLE && n->idle_ns >= cfg->timer_floor_ns &&
        n->reply.cls == ST_CLASS_TIMEOUT)
        state_note_server_timeout(s, n);
    state_explain_note(s, cfg, seg, ST_GAVE_UP_SERVER, timed_wait(cfg, n), s->silence.since_ts, n);
    state_end(s, ST_END_REPLY);
    s->close.reply_class = n->reply.cls;
    s->close.reply_frame = seg->frame;
    s->close.reply_ts = seg->ts_ns;
    s->close.reply_code = (uint16_t)r->code;
}

/* The server's acknowledgement tells what it received of the body: a
 * reply that does not acknowledge the "." line answers no end of message,
 * and the message bytes are those it acknowledged (seen from the client's
 * side of a path that loses segments). */
static void take_server_ack(st_session *s, const st_segment *seg)
{
    int32_t received;

    if (!(seg->tcp_flags & ST_TCP_ACK) || !s->body_seq_known || s->decrypted)
        return;
    received = (int32_t)(seg->ack - s->body_seq);
    if (s->eom_sent && pending_peek(&s->pending) == ST_AFTER_END_OF_MESSAGE && (int32_t)(seg->ack - s->eom_seq) < 0) {
        pending_pop(&s->pending);
        s->phase = ST_PHASE_IN_BODY;
        s->eom_sent = false;
    }
    if (s->phase == ST_PHASE_IN_BODY && received >= 0 && (uint64_t)received < s->data_bytes)
        s->data_bytes = (uint64_t)received;
}

/* One reply, by its first line. */
static void read_reply(st_session *s, const st_config *cfg, const st_segment *seg, const st_reply *r,
                       unsigned replies_left, st_note *n)
{
    bool was_synced = s->synced, owing;
    st_after answered;

    if (s->close.reply_frame != 0 && seg->frame != s->close.reply_frame)
        s->close.spoke_after_reply = true; /* the session went on after all */
    if (s->mta == ST_MTA_UNKNOWN)
        s->mta = (uint8_t)st_recognise_mta(r);
    if (r->code == 220 && masked(r->text, r->text_len, '*', 4))
        s->inspected = true;
    if (!was_synced)
        resync(s, replies_left);
    take_server_ack(s, seg);
    owing = s->phase == ST_PHASE_GREETING_OWED || server_owes(s);
    answered = s->phase == ST_PHASE_GREETING_OWED ? ST_AFTER_CONNECT : pending_peek(&s->pending);
    if (s->close.reply_frame == 0 && st_reply_ends_session(r, was_synced && !owing))
        note_reply(s, cfg, seg, r, was_synced, owing, answered, n);
    if (s->phase == ST_PHASE_GREETING_OWED) {
        s->after = ST_AFTER_CONNECT;
        s->phase = ST_PHASE_COMMAND_OWED;
    } else if (owing) {
        apply_answer(s, cfg, pending_pop(&s->pending), r->code, was_synced);
    }
    settle(s);
    apply_code(s, r->code);
}

/* A reply line: the first of a reply, or one that goes on with it.  False
 * for a line that is no reply line. */
static bool server_line(st_session *s, const st_config *cfg, const st_segment *seg, const st_text_line *line,
                        unsigned replies_left, st_note *n)
{
    st_direction *server = &s->dir[1];
    st_reply r;
    bool last;

    if (!st_reply_parse(line->text, line->len, &r))
        return false;
    last = line->len <= 3 || line->text[3] == ' ';
    /* Inside a multi-line reply every line belongs to it, whatever code it
     * shows: a "421-" line within a "250-" reply is no reply of its own. */
    if (server->reply_code != 0) {
        if (last)
            server->reply_code = 0; /* the rest of a reply already read */
        return true;
    }
    read_reply(s, cfg, seg, &r, replies_left, n);
    server->reply_code = last ? 0 : (uint16_t)r.code;
    return true;
}

/* A server's new words begin with a reply code, unless they go on with a
 * line begun in an earlier segment. */
static bool server_words_begin(const st_session *s, const uint8_t *data, size_t n)
{
    bool going_on = lines_carried(s, ST_SIDE_SERVER);

    for (size_t i = 0; !going_on && i < n && i < 3; i++) {
        if (!g_ascii_isdigit(data[i]))
            return false;
    }
    return true;
}

/* How many replies end in these bytes: a capture that begins mid-session
 * takes them for the answers to the newest commands. */
static unsigned count_replies(const uint8_t *data, size_t n)
{
    unsigned replies = 0;

    for (size_t i = 0; i + 3 < n; i++) {
        if ((i == 0 || data[i - 1] == '\n') && g_ascii_isdigit(data[i]) && g_ascii_isdigit(data[i + 1]) &&
            g_ascii_isdigit(data[i + 2]) && data[i + 3] == ' ')
            replies++;
    }
    return replies;
}

void dlg_read_server(st_session *s, const st_config *cfg, const st_segment *seg, const uint8_t *data,
                          size_t n, bool cut, st_words *w, st_note *note)
{
    char buf[ST_LINE_MAX];
    st_text_line line;
    size_t pos = 0;
    unsigned lines = 0, replies = 0, left = s->synced ? 0 : count_replies(data, n);
    bool lost = false;

    if (!server_words_begin(s, data, n)) {
        /* The server said something that is no SMTP reply (noise on port
         * 25): the dialogue state is unknown, and the silence it ended may
         * not be SMTP's. */
        w->unreadable = true;
        w->words = true;
        state_mark_unread(s, ST_UNREAD_NOT_SMTP);
        dlg_lose_sync(s);
        return;
    }
    while (lines_next(s, cfg, ST_SIDE_SERVER, data, n, &pos, cut, buf, &line, &lost)) {
        lines++;
        replies += server_line(s, cfg, seg, &line, left > 0 ? left : 1, note);
        if (left > 1 && line.len > 3 && line.text[3] == ' ')
            left--;
    }
    if (lost)
        dlg_lose_sync(s);
    if (lines > 0 && replies == 0) {
        /* The server said something that is no SMTP reply (noise on port
         * 25): the dialogue state is unknown, and the silence it ended may
         * not be SMTP's. */
        w->unreadable = true;
        state_mark_unread(s, ST_UNREAD_NOT_SMTP);
        dlg_lose_sync(s);
    }
    w->words = w->words || n > 0;
}

/* ---- commands and message bytes ---- */

static void command_line(st_session *s, const st_text_line *line, st_words *w)
{
    st_after verb = st_command_verb(line->text, line->len);
    uint64_t size;

    if (masked(line->text, line->len, 'X', 4))
        s->inspected = true;
    if (s->auth_reply_owed) {
        verb = ST_AFTER_AUTH;
        s->auth_reply_owed = false;
    }
    /* Pipelined chunks follow one another: the server waits for all. */
    if (verb == ST_AFTER_BDAT && st_bdat_size(line->text, line->len, &size))
        s->bdat_left = size > (uint64_t)(UINT32_MAX - s->bdat_left) ? UINT32_MAX : s->bdat_left + (uint32_t)size;
    if (verb == ST_AFTER_QUIT)
        w->quit = true;
    pending_push(&s->pending, verb);
    settle(s);
}

static void body_ended(st_session *s, const uint32_t *seq_after)
{
    pending_push(&s->pending, ST_AFTER_END_OF_MESSAGE);
    s->phase = ST_PHASE_REPLY_OWED;
    s->eom_sent = seq_after != NULL;
    if (seq_after != NULL)
        s->eom_seq = *seq_after;
}

void dlg_end_body(st_session *s)
{
    if (s->phase == ST_PHASE_IN_BODY)
        body_ended(s, NULL);
}

static size_t chunk_bytes(st_session *s, size_t n)
{
    size_t used = n < s->bdat_left ? n : s->bdat_left;

    s->bdat_left -= (uint32_t)used;
    s->data_bytes += used;
    settle(s);
    return used;
}

void dlg_read_client(st_session *s, const st_config *cfg, const uint8_t *data, size_t n, bool cut,
                          const uint32_t *seq, st_words *w)
{
    char buf[ST_LINE_MAX];
    st_text_line line;
    size_t pos = 0;
    bool eom, lost = false;

    while (pos < n) {
        if (s->phase == ST_PHASE_IN_BODY) {
            pos += lines_scan_body(s, data + pos, n - pos, &eom);
            if (eom) {
                uint32_t after = seq != NULL ? *seq + (uint32_t)pos : 0;
                body_ended(s, seq != NULL ? &after : NULL);
            }
        } else if (s->bdat_left > 0) {
            pos += chunk_bytes(s, n - pos);
        } else if (lines_next(s, cfg, ST_SIDE_CLIENT, data, n, &pos, cut, buf, &line, &lost)) {
            command_line(s, &line, w);
            w->commands++;
        }
    }
    if (lost)
        dlg_lose_sync(s);
    w->words = w->words || n > 0;
}
