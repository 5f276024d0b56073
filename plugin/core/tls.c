/* tls.c: TLS records, as a capture shows them without keys
 *
 * The rules:
 * - each side's bytes are records, each behind a 5-byte header (content
 *   type, version, length); bytes that are no record are SMTP in clear
 *   (Exim answers so inside TLS) and go to the SMTP reader;
 * - the handshake moves by the records each side sends: the ClientHello
 *   (22); the server's flight (22; in TLS 1.3 its ChangeCipherSpec, 20, and
 *   encrypted records, 23, follow at once; in TLS 1.2 ServerHelloDone ends
 *   it); the client's key exchange and Finished (TLS 1.3: 20 then 23;
 *   TLS 1.2: 20 then its encrypted Finished); in TLS 1.2 the server's 20
 *   and Finished last;
 * - after it, an application record (23) from the side that owed the next
 *   one makes the other side owe; the server's records before the client's
 *   first one, after STARTTLS, are TLS 1.3 session tickets, no reply;
 * - an alert (21; in TLS 1.3 a record of 19 bytes, 11 with CCM_8, which no
 *   SMTP line can be) is no word: close_notify ends a session cleanly;
 * - server records after the client owed the next one for at least the
 *   minimum timeout answer nothing: the server is giving up, and its close
 *   then ends an encrypted session (closing.c).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <string.h>

#include "tls.h"

#define TLS_HEADER 5
#define TLS_MAX_RECORD (16384 + 2048)

enum { REC_CCS = 20, REC_ALERT = 21, REC_HANDSHAKE = 22, REC_APPLICATION = 23, REC_HEARTBEAT = 24 };
enum { HS_SERVER_HELLO_DONE = 14 };

void tls_begin(st_session *s, const st_config *cfg)
{
    st_session_ext *x = state_ext(s, cfg);

    s->tls = true;
    s->phase = ST_PHASE_TLS_HANDSHAKE;
    if (x != NULL)
        x->stage = ST_TLS_CLIENT_HELLO;
}

st_side tls_expected(const st_session *s)
{
    const st_session_ext *x = s->ext;

    if (x == NULL)
        return ST_SIDE_NONE;
    switch ((st_tls_stage)x->stage) {
    case ST_TLS_CLIENT_HELLO:
    case ST_TLS_CLIENT_FINISHED:
        return ST_SIDE_CLIENT;
    case ST_TLS_SERVER_HELLO:
    case ST_TLS_SERVER_FLIGHT:
    case ST_TLS_SERVER_FINISHED:
        return ST_SIDE_SERVER;
    case ST_TLS_DONE:
        return (st_side)x->owes;
    default:
        return ST_SIDE_NONE;
    }
}

static void handshake_done(st_session *s, st_session_ext *x)
{
    x->stage = ST_TLS_DONE;
    x->owes = (uint8_t)(s->implicit_tls ? ST_SIDE_SERVER : ST_SIDE_CLIENT);
    if (!s->decrypted && s->phase == ST_PHASE_TLS_HANDSHAKE)
        s->phase = ST_PHASE_ENCRYPTED;
}

/* The handshake, one record at a time; hs is the first byte of a handshake
 * record's body (its message type), or 0 when the segment ends first. */
static void handshake_record(st_session *s, st_session_ext *x, st_side from, uint8_t type, uint8_t hs)
{
    bool client = from == ST_SIDE_CLIENT;

    switch ((st_tls_stage)x->stage) {
    case ST_TLS_CLIENT_HELLO:
        if (client && type == REC_HANDSHAKE)
            x->stage = ST_TLS_SERVER_HELLO;
        break;
    case ST_TLS_SERVER_HELLO:
        if (!client && type == REC_HANDSHAKE)
            x->stage = hs == HS_SERVER_HELLO_DONE ? ST_TLS_CLIENT_FINISHED : ST_TLS_SERVER_FLIGHT;
        break;
    case ST_TLS_SERVER_FLIGHT:
        if (!client && (type == REC_CCS || type == REC_APPLICATION)) {
            x->tls13 = true; /* or a resumption: either way the client's Finished is owed */
            x->stage = ST_TLS_CLIENT_FINISHED;
        } else if (!client && hs == HS_SERVER_HELLO_DONE) {
            x->stage = ST_TLS_CLIENT_FINISHED;
        } else if (client) {
            x->stage = ST_TLS_CLIENT_FINISHED; /* the client answered: the flight was whole */
            handshake_record(s, x, from, type, hs);
        }
        break;
    case ST_TLS_CLIENT_FINISHED:
        if (client && type == REC_APPLICATION)
            handshake_done(s, x);
        else if (client && type == REC_CCS && !x->tls13)
            x->stage = ST_TLS_SERVER_FINISHED;
        break;
    case ST_TLS_SERVER_FINISHED:
        if (!client && type == REC_CCS)
            handshake_done(s, x);
        break;
    default:
        break;
    }
}

/* TLS 1.3 hides an alert in an application record; no SMTP line is that
 * short (2 bytes of alert, the inner type and a 16- or 8-byte tag). */
static bool is_alert(const st_session_ext *x, uint8_t type, uint16_t len)
{
    return type == REC_ALERT || (x->tls13 && type == REC_APPLICATION && (len == 19 || len == 11));
}

static void ending_record(st_session *s, const st_config *cfg, st_session_ext *x, const st_segment *seg,
                          uint16_t len)
{
    int64_t idle = state_elapsed(s->silence.since_ts, seg->ts_ns);

    if (x->ending_records == 0) {
        if (!s->synced || !s->silence.start_known || s->silence.since_frame == 0 || idle < cfg->timer_floor_ns)
            return;
        x->ending_frame = seg->frame;
        x->ending_idle_ns = idle;
        state_server_timed_out(s, idle);
    }
    if (x->ending_records < 2)
        x->ending_sizes[x->ending_records] = len;
    if (x->ending_records < UINT8_MAX)
        x->ending_records++;
}

/* An application record (or an alert) after the handshake. */
static void encrypted_record(st_session *s, const st_config *cfg, st_session_ext *x, const st_segment *seg,
                             uint8_t type, uint16_t len, st_words *w)
{
    st_side from = seg->from;

    if (is_alert(x, type, len)) {
        x->records[from == ST_SIDE_SERVER].alerted = true;
        if (from == ST_SIDE_SERVER && x->ending_records > 0)
            ending_record(s, cfg, x, seg, len);
        return;
    }
    w->words = true;
    if (type != REC_APPLICATION || s->decrypted)
        return;
    if (from == ST_SIDE_CLIENT)
        x->client_spoke = true;
    if (from == ST_SIDE_SERVER && !x->client_spoke && !s->implicit_tls)
        return; /* a session ticket */
    if ((st_side)x->owes == from) {
        x->owes = (uint8_t)state_other(from);
    } else if (from == ST_SIDE_SERVER) {
        ending_record(s, cfg, x, seg, len); /* it answers nothing */
    }
}

static void on_record(st_session *s, const st_config *cfg, st_session_ext *x, const st_segment *seg, uint8_t type,
                      uint16_t len, uint8_t hs, st_words *w)
{
    st_records *r = &x->records[seg->from == ST_SIDE_SERVER];

    r->type = type;
    r->last_len = len;
    if (x->stage != ST_TLS_DONE) {
        w->words = true;
        handshake_record(s, x, seg->from, type, hs);
        if (x->stage == ST_TLS_DONE && type == REC_APPLICATION)
            return; /* the client's Finished */
        if (x->stage != ST_TLS_DONE)
            return;
    }
    encrypted_record(s, cfg, x, seg, type, len, w);
}

/* The header of the next record, from the bytes kept and these; false
 * when the segment ends inside it. */
static bool take_header(st_records *r, const uint8_t *data, size_t n, size_t *i, uint8_t *h)
{
    memcpy(h, r->head, r->head_len);
    while (r->head_len < TLS_HEADER && *i < n)
        h[r->head_len++] = data[(*i)++];
    if (r->head_len < TLS_HEADER) {
        memcpy(r->head, h, r->head_len);
        return false;
    }
    r->head_len = 0;
    return true;
}

static bool valid_header(const uint8_t *h, uint16_t *len)
{
    *len = (uint16_t)(h[3] << 8 | h[4]);
    return h[0] >= REC_CCS && h[0] <= REC_HEARTBEAT && h[1] == 3 && *len > 0 && *len <= TLS_MAX_RECORD;
}

void tls_read_records(st_session *s, const st_config *cfg, const st_segment *seg, const uint8_t *data, size_t n,
                     size_t *plain_at, st_words *w)
{
    st_session_ext *x = state_ext(s, cfg);
    st_records *r;
    size_t i = 0;

    *plain_at = x == NULL ? 0 : n;
    if (x == NULL)
        return;
    r = &x->records[seg->from == ST_SIDE_SERVER];
    while (i < n && !r->plain) {
        size_t start = i;
        uint8_t h[TLS_HEADER];
        uint16_t len;

        if (r->left > 0) {
            size_t take = r->left < n - i ? r->left : n - i;
            r->left = (uint16_t)(r->left - take);
            i += take;
            continue;
        }
        if (!take_header(r, data, n, &i, h))
            break;
        if (!valid_header(h, &len)) {
            r->plain = true; /* no TLS record: SMTP in clear from here on */
            *plain_at = start;
            break;
        }
        r->left = len;
        on_record(s, cfg, x, seg, h[0], len, i < n ? data[i] : 0, w);
    }
    if (r->plain && *plain_at == n && i < n)
        *plain_at = i;
}

/* ---- facts for the layers above ---- */

st_tls_stage tls_stage(const st_session *s)
{
    return s->ext != NULL ? (st_tls_stage)s->ext->stage : ST_TLS_NONE;
}

bool tls_server_ended(const st_session *s)
{
    return s->ext != NULL && s->ext->ending_records > 0;
}

bool tls_alerted(const st_session *s)
{
    return s->ext != NULL && (s->ext->records[0].alerted || s->ext->records[1].alerted);
}

st_side tls_owes(const st_session *s)
{
    return s->ext != NULL ? (st_side)s->ext->owes : ST_SIDE_NONE;
}

void tls_ending_note(const st_session *s, st_note *n)
{
    const st_session_ext *x = s->ext;

    n->has |= ST_HAS_IDLE | ST_HAS_SERVER_TIMEOUT | ST_HAS_RECORDS | ST_HAS_REPLY_FRAME;
    n->idle_ns = x->ending_idle_ns;
    n->server_timeout_ns = x->ending_idle_ns;
    n->records = x->ending_records;
    n->record_sizes[0] = x->ending_sizes[0];
    n->record_sizes[1] = x->ending_sizes[1];
    n->closed.reply_frame = x->ending_frame;
}

void tls_stage_note(const st_session *s, st_note *n)
{
    if (s->ext == NULL)
        return;
    n->has |= ST_HAS_TLS_STAGE;
    n->tls_stage = s->ext->stage;
}

/* ---- the run the TCP layer reports ---- */

void tls_keep_stage(st_session *s)
{
    if (s->ext != NULL)
        s->ext->heard_stage = s->ext->stage;
}

void tls_forget_run(st_session *s)
{
    st_session_ext *x = s->ext;

    if (x != NULL && s->tls && x->heard_stage != ST_TLS_NONE && x->heard_stage != x->stage) {
        x->stage = x->heard_stage;
        if (s->phase == ST_PHASE_ENCRYPTED && x->stage != ST_TLS_DONE)
            s->phase = ST_PHASE_TLS_HANDSHAKE;
    }
}
