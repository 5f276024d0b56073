/* dialogue.c: the SMTP dialogue, as replies and commands move its phase
 *
 * The rules, as the server and the client read each other:
 * - the greeting moves the session from GREETING_OWED to the dialogue;
 * - each command joins the queue of pending commands (pipelining), each
 *   reply answers the oldest one; the phase is REPLY_OWED while any is
 *   pending, COMMAND_OWED when none is, IN_BDAT while announced chunk bytes
 *   are owed;
 * - 354 opens the body, the client's "." ends it (the reply to it is then
 *   owed); STARTTLS answered by 220 starts TLS; 221 ends the dialogue;
 * - a capture that begins mid-session knows the phase from the first reply
 *   it can read, which answers the newest commands.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <string.h>

#include "mta.h"
#include "reply_class.h"
#include "session_steps.h"

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

st_side st_expected_speaker(const st_session *s)
{
    if (!s->synced)
        return ST_SIDE_NONE;
    switch ((st_phase)s->phase) {
    case ST_PHASE_GREETING_OWED:
        return ST_SIDE_SERVER;
    case ST_PHASE_TLS_HANDSHAKE:
        return ST_SIDE_CLIENT;
    case ST_PHASE_COMMAND_OWED:
    case ST_PHASE_REPLY_OWED:
    case ST_PHASE_IN_BODY:
    case ST_PHASE_IN_BDAT:
        return server_owes(s) ? ST_SIDE_SERVER : ST_SIDE_CLIENT;
    default:
        return ST_SIDE_NONE; /* encrypted, closing, closed */
    }
}

st_after st_waiting_after(const st_session *s, st_side silent)
{
    if (silent == ST_SIDE_SERVER)
        return s->phase == ST_PHASE_GREETING_OWED ? ST_AFTER_CONNECT : pending_peek(&s->pending);
    return s->bdat_left > 0 ? ST_AFTER_BDAT : (st_after)s->after;
}

void st_lose_sync(st_session *s)
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

/* The reply answered `verb`: the session moves on. */
static void apply_answer(st_session *s, st_after verb, unsigned code, bool was_synced)
{
    if (verb == ST_AFTER_NONE || (!was_synced && verb == ST_AFTER_UNKNOWN))
        return;
    s->after = (uint8_t)verb;
    if (verb == ST_AFTER_MAIL) {
        s->data_bytes = 0;
    } else if (verb == ST_AFTER_STARTTLS && code == 220 && in_command_dialogue((st_phase)s->phase)) {
        s->tls = true;
        s->phase = ST_PHASE_TLS_HANDSHAKE;
    }
}

/* What some replies say whatever they answer. */
static void apply_code(st_session *s, unsigned code)
{
    bool plain = in_command_dialogue((st_phase)s->phase) || s->phase == ST_PHASE_IN_BODY;

    if (code == 354 && plain) {
        s->phase = ST_PHASE_IN_BODY;
        s->after = ST_AFTER_DATA;
        s->data_bytes = 0;
    } else if (code == 334) {
        s->auth_reply_owed = true;
        s->after = ST_AFTER_AUTH;
    } else if (code == 221) {
        s->goodbye = true;
        if (s->phase != ST_PHASE_CLOSED)
            s->phase = ST_PHASE_CLOSING;
    }
}

static void note_reply(st_session *s, const st_config *cfg, const st_segment *seg, const st_reply *r,
                       bool synced, bool owing, st_after answered, st_note *n)
{
    st_side silent = !synced ? ST_SIDE_NONE : owing ? ST_SIDE_SERVER : ST_SIDE_CLIENT;

    n->findings |= ST_FIND_REPLY;
    n->reply_class = (uint8_t)st_classify_reply(r);
    n->reply_code = (uint16_t)r->code;
    memcpy(n->reply_status, r->status, sizeof(n->reply_status));
    n->reply_text = r->text;
    n->reply_text_len = r->text_len;
    st_note_interval(s, seg, silent, owing ? answered : st_waiting_after(s, ST_SIDE_CLIENT), n);
    /* A shutdown, a refusal or a full server may speak up during a pause
     * of the client's too: only a timeout reply says its wait ran out. */
    if (silent == ST_SIDE_CLIENT && n->has & ST_HAS_IDLE && n->idle_ns >= cfg->min_timeout_ns &&
        n->reply_class == ST_CLASS_TIMEOUT)
        st_note_server_timeout(s, n);
    st_explain_note(s, cfg, seg, ST_GAVE_UP_SERVER,
                    n->has & ST_HAS_SERVER_TIMEOUT ? n->server_timeout_ns : n->has & ST_HAS_IDLE ? n->idle_ns : -1,
                    s->silence.since_ts, n);
    s->ending = ST_END_REPLY;
    s->close.reply_class = n->reply_class;
    s->close.reply_frame = seg->frame;
    s->close.reply_ts = seg->ts_ns;
    s->close.reply_code = (uint16_t)r->code;
}

/* One reply, by its first line; false when the line is no SMTP reply. */
static bool read_reply(st_session *s, const st_config *cfg, const st_segment *seg, unsigned index, st_note *n)
{
    st_reply r;
    bool was_synced = s->synced, owing;
    st_after answered;

    if (!st_reply_parse(seg->replies[index].text, seg->replies[index].len, &r))
        return false;
    if (s->close.reply_frame != 0 && seg->frame != s->close.reply_frame)
        s->close.spoke_after_reply = true; /* the session went on after all */
    if (s->mta == ST_MTA_UNKNOWN)
        s->mta = (uint8_t)st_recognise_mta(&r);
    if (r.code == 220 && masked(r.text, r.text_len, '*', 4))
        s->inspected = true;
    if (!was_synced)
        resync(s, seg->n_replies - index);
    owing = s->phase == ST_PHASE_GREETING_OWED || server_owes(s);
    answered = s->phase == ST_PHASE_GREETING_OWED ? ST_AFTER_CONNECT : pending_peek(&s->pending);
    if (s->close.reply_frame == 0 && st_reply_ends_session(&r, was_synced && !owing))
        note_reply(s, cfg, seg, &r, was_synced, owing, answered, n);
    if (s->phase == ST_PHASE_GREETING_OWED) {
        s->after = ST_AFTER_CONNECT;
        s->phase = ST_PHASE_COMMAND_OWED;
    } else if (owing) {
        apply_answer(s, pending_pop(&s->pending), r.code, was_synced);
    }
    settle(s);
    apply_code(s, r.code);
    return true;
}

/* The first reply line to read: none of a segment sent again (its replies
 * were read the first time), the second when the first continues a reply
 * that the last segment began. */
static unsigned first_new_reply(const st_session *s, const st_segment *seg, uint32_t fresh)
{
    unsigned code;

    if (fresh == 0)
        return seg->n_replies;
    if (s->open_reply != 0 && seg->n_replies > 0 && st_reply_code(seg->replies[0].text, seg->replies[0].len, &code) &&
        code == s->open_reply)
        return 1;
    return 0;
}

bool st_server_words_unreadable(const st_session *s, const st_segment *seg, uint32_t fresh)
{
    st_reply r;
    unsigned first = first_new_reply(s, seg, fresh);

    if (fresh == 0 || s->tls || first == 1)
        return false;
    for (unsigned i = first; i < seg->n_replies; i++) {
        if (st_reply_parse(seg->replies[i].text, seg->replies[i].len, &r))
            return false;
    }
    return true;
}

void st_read_server(st_session *s, const st_config *cfg, const st_segment *seg, const st_frame *f, st_note *n)
{
    bool unreadable = st_server_words_unreadable(s, seg, f->fresh);

    for (unsigned i = first_new_reply(s, seg, f->fresh); i < seg->n_replies; i++)
        (void)read_reply(s, cfg, seg, i, n);
    if (f->fresh > 0)
        s->open_reply = seg->open_reply;
    if (unreadable)
        st_lose_sync(s);
}

/* ---- commands and message bytes ---- */

static void read_commands(st_session *s, const st_segment *seg, uint64_t *command_bytes)
{
    for (unsigned i = 0; i < seg->n_commands; i++) {
        const st_line *line = &seg->commands[i];
        st_after verb = st_command_verb(line->text, line->len);
        uint64_t size;

        *command_bytes += line->len;
        if (masked(line->text, line->len, 'X', 4))
            s->inspected = true;
        if (s->auth_reply_owed) {
            verb = ST_AFTER_AUTH;
            s->auth_reply_owed = false;
        }
        /* Pipelined chunks follow one another: the server waits for all. */
        if (verb == ST_AFTER_BDAT && st_bdat_size(line->text, line->len, &size))
            s->bdat_left = size > UINT64_MAX - s->bdat_left ? UINT64_MAX : s->bdat_left + size;
        pending_push(&s->pending, verb);
    }
}

/* Message bytes: a BDAT chunk's, or the body's up to and including the
 * segment that ends it. */
static void count_message_bytes(st_session *s, const st_segment *seg, uint64_t content, bool in_body)
{
    if (s->bdat_left > 0) {
        uint64_t used = content < s->bdat_left ? content : s->bdat_left;
        s->bdat_left -= used;
        s->data_bytes += used;
    } else if (in_body && seg->n_commands == 0) {
        s->data_bytes += content;
    }
}

void st_read_client(st_session *s, const st_config *cfg, const st_segment *seg, const st_frame *f, st_note *n)
{
    bool in_body = s->phase == ST_PHASE_IN_BODY;
    uint64_t command_bytes = 0;

    if (st_server_closed(s))
        st_on_late_data(s, cfg, seg, f->fresh, n);
    else if (f->expected == ST_SIDE_CLIENT && f->phase == ST_PHASE_COMMAND_OWED && seg->n_commands == 0)
        /* The client owed a command and sent bytes that hold none: a line
         * cut across segments, or commands the SMTP dissector did not see
         * (Wireshark 4.0 after BDAT).  Who must speak is unknown until the
         * next reply. */
        st_lose_sync(s);
    if (seg->eom && in_body) {
        pending_push(&s->pending, ST_AFTER_END_OF_MESSAGE);
        s->phase = ST_PHASE_REPLY_OWED;
    }
    read_commands(s, seg, &command_bytes);
    count_message_bytes(s, seg, f->fresh > command_bytes ? f->fresh - command_bytes : 0, in_body);
    settle(s);
    if (s->phase == ST_PHASE_TLS_HANDSHAKE)
        s->phase = ST_PHASE_ENCRYPTED; /* the client began its handshake */
}
