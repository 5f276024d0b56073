/* fuzz_session.c: libFuzzer target for the core (events in, findings out)
 *
 * The input is a sequence of frame records:
 *   byte 0   bit 0: from the server; bits 1-3: FIN, SYN, RST; bit 4: ACK;
 *            bit 5: the payload is decrypted SMTP (keys given), not TCP's;
 *            bit 6: the capture cut the payload in half
 *   byte 1   time step: low 7 bits x 50 ms; bit 7 set: a step back in time
 *   byte 2   payload length (the payload is the next bytes of the input)
 *   byte 3   sequence number: 0 = next in order, else a signed jump
 *   byte 4   acknowledgement: 0 = all of the other side's bytes, else a jump
 *   byte 5   bit 3: a zero window; bits 4-5: a DNS event of the client
 *            (query, answer, failure) logged before the frame
 * The first input byte sets the gap threshold and (bit 7) a TLS port.
 * Every note is merged and turned into its sentences, explanation and
 * hint, as the glue would, and the session's ending is formatted after
 * each frame.  The session's extension comes from a fixed pool, as a
 * front end's would, and may run out.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/explain.h"
#include "core/sentences.h"
#include "core/capture.h"
#include "core/session.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static unsigned char pool[4][2048];
static unsigned pool_used;

static void *pool_alloc(void *ctx, size_t size)
{
    (void)ctx;
    if (pool_used == sizeof(pool) / sizeof(pool[0]) || size > sizeof(pool[0]))
        return NULL;
    memset(pool[pool_used], 0, sizeof(pool[0]));
    return pool[pool_used++];
}

static void exercise(const st_note *note)
{
    st_note merged = { 0 };
    char message[512];

    st_note_merge(&merged, note);
    st_note_merge(&merged, note);
    for (unsigned bit = 0; bit < ST_FINDING_COUNT; bit++) {
        if (note->findings & (1u << bit)) {
            st_say_message(&merged, (st_finding)(1u << bit), message, sizeof(message));
            (void)st_finding_name((st_finding)(1u << bit));
        }
    }
    st_say_explanation(&merged, message, sizeof(message));
    st_say_hint(&merged, message, sizeof(message));
    (void)st_say_timer(&merged);
}

static void one_frame(st_session *session, const st_config *config, st_segment *seg)
{
    st_note here, earlier;
    uint32_t earlier_frame;
    st_summary summary;
    char text[64];

    st_session_feed(session, config, seg, &here, &earlier, &earlier_frame);
    st_session_summary(session, &summary);
    st_ending_text(&summary, text, sizeof(text));
    (void)st_session_phase(session);
    exercise(&here);
    if (earlier_frame != 0)
        exercise(&earlier);
}

/* One frame from a 6-byte record (side and flags, time step, length,
 * sequence and acknowledgement jumps, window and DNS bits) and its bytes:
 * as payload, or as decrypted bytes inside a record. */
static void make_segment(const uint8_t *r, const uint8_t *bytes, size_t len, int64_t now, uint32_t seq[2],
                         st_segment *seg)
{
    unsigned d;

    seg->from = r[0] & 1 ? ST_SIDE_SERVER : ST_SIDE_CLIENT;
    d = seg->from == ST_SIDE_SERVER ? 1 : 0;
    seg->tcp_flags = (uint8_t)(((r[0] >> 1) & 1 ? ST_TCP_FIN : 0) | ((r[0] >> 2) & 1 ? ST_TCP_SYN : 0) |
                               ((r[0] >> 3) & 1 ? ST_TCP_RST : 0) | ((r[0] >> 4) & 1 ? ST_TCP_ACK : 0));
    seg->window = r[5] & 0x08 ? 0 : 65535;
    seg->client_host = 7;
    seg->ts_ns = now;
    seg->seq = seq[d] + (uint32_t)(int32_t)(int8_t)r[3] * 100u;
    seg->ack = seq[1 - d] + (uint32_t)(int32_t)(int8_t)r[4] * 100u;
    if (r[0] & 0x20) {
        seg->decrypted = bytes;
        seg->decrypted_len = (uint32_t)len;
        seg->len = (uint32_t)len + 17; /* the record around it */
    } else {
        seg->payload = bytes;
        seg->len = (uint32_t)len;
        seg->captured = r[0] & 0x40 ? (uint32_t)len / 2 : (uint32_t)len;
    }
    if (r[3] == 0)
        seq[d] += seg->len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    st_session session;
    st_config config = { 0 };
    static st_dns_log dns;
    uint32_t seq[2] = { 1000, 50000 };
    int64_t now = 1000000000000LL;
    uint32_t frame = 0;
    size_t pos = 1;

    if (size < 1)
        return 0;
    pool_used = 0;
    if (data[0] & 0x80)
        st_session_init_tls(&session);
    else
        st_session_init(&session);
    st_config_defaults(&config, data[0] % 30);
    config.dns = &dns;
    config.alloc = pool_alloc;
    st_dns_log_reset(&dns);
    while (pos + 6 <= size) {
        const uint8_t *r = data + pos;
        st_segment seg = { 0 };
        int64_t step = (int64_t)(r[1] & 0x7f) * 50000000LL;
        size_t len = r[2];

        pos += 6;
        if (len > size - pos)
            len = size - pos;
        now += r[1] & 0x80 ? -step : step;
        if (r[5] & 0x10)
            st_dns_log_query(&dns, 7, (uint16_t)(r[5] & 3), now);
        if (r[5] & 0x20)
            st_dns_log_answer(&dns, 7, (uint16_t)(r[5] & 3), r[5] & 0x40 ? 2u : 0u, now);
        make_segment(r, data + pos, len, now, seq, &seg);
        seg.frame = ++frame;
        pos += len;
        one_frame(&session, &config, &seg);
    }
    return 0;
}
