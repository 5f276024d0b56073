/* fuzz_session.c: libFuzzer target for the core (events in, findings out)
 *
 * The input is a sequence of frame records:
 *   byte 0   bit 0: from the server; bits 1-3: FIN, SYN, RST; bit 4: ACK;
 *            bit 5: end of message; bit 6: truncated
 *   byte 1   time step: low 7 bits x 50 ms; bit 7 set: a step back in time
 *   byte 2-3 TCP payload length (little endian)
 *   byte 4   sequence number: 0 = next in order, else a signed jump
 *   byte 5   number of SMTP lines (low 3 bits), each a length byte and text;
 *            bit 3: a zero window; bits 4-5: a DNS event of the client
 *            (query, answer, failure) logged before the frame
 * The first input byte sets the gap threshold.  Every note is merged and
 * turned into its sentences, explanation and hint, as the glue would, and
 * the session's ending is formatted after each frame.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/explain.h"
#include "core/sentences.h"
#include "core/session.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void exercise(const st_note *note)
{
    st_note merged = { 0 };
    char message[512];

    st_note_merge(&merged, note);
    st_note_merge(&merged, note);
    for (unsigned bit = 0; bit < ST_FINDING_COUNT; bit++) {
        if (note->findings & (1u << bit)) {
            st_note_message(&merged, (st_finding)(1u << bit), message, sizeof(message));
            (void)st_finding_name((st_finding)(1u << bit));
        }
    }
    st_note_explanation(&merged, message, sizeof(message));
    st_note_hint(&merged, message, sizeof(message));
    (void)st_note_timer(&merged);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    st_session session;
    st_summary summary;
    st_config config;
    static st_dns_log dns;
    st_line lines[8];
    char text[8][256];
    uint32_t seq[2] = { 1000, 50000 };
    int64_t now = 1000000000000LL;
    uint32_t frame = 0;
    size_t pos = 1;

    if (size < 1)
        return 0;
    st_session_init(&session);
    config.gap_threshold_ns = (int64_t)(data[0] % 30) * 1000000000LL;
    config.min_timeout_ns = 1000000000LL;
    config.dns = &dns;
    st_dns_log_reset(&dns);
    while (pos + 6 <= size) {
        const uint8_t *r = data + pos;
        st_segment seg = { 0 };
        st_note here, earlier;
        uint32_t earlier_frame;
        unsigned n = r[5] & 7;
        int64_t step = (int64_t)(r[1] & 0x7f) * 50000000LL;
        unsigned d;

        pos += 6;
        seg.from = r[0] & 1 ? ST_SIDE_SERVER : ST_SIDE_CLIENT;
        d = seg.from == ST_SIDE_SERVER ? 1 : 0;
        seg.tcp_flags = (uint8_t)(((r[0] >> 1) & 1 ? ST_TCP_FIN : 0) | ((r[0] >> 2) & 1 ? ST_TCP_SYN : 0) |
                                  ((r[0] >> 3) & 1 ? ST_TCP_RST : 0) | ((r[0] >> 4) & 1 ? ST_TCP_ACK : 0));
        seg.eom = r[0] & 0x20;
        seg.window = r[5] & 0x08 ? 0 : 65535;
        seg.open_reply = r[5] & 0x80 ? 250 : 0;
        seg.client_host = 7;
        seg.truncated = r[0] & 0x40;
        now += r[1] & 0x80 ? -step : step;
        if (r[5] & 0x10)
            st_dns_log_query(&dns, 7, (uint16_t)(r[5] & 3), now);
        if (r[5] & 0x20)
            st_dns_log_answer(&dns, 7, (uint16_t)(r[5] & 3), r[5] & 0x40 ? 2u : 0u, now);
        seg.ts_ns = now;
        seg.frame = ++frame;
        seg.len = (uint32_t)r[2] | (uint32_t)r[3] << 8;
        seg.seq = seq[d] + (uint32_t)(int32_t)(int8_t)r[4] * 100u;
        if (r[4] == 0)
            seq[d] += seg.len;
        unsigned got = 0;
        while (got < n && pos < size) {
            size_t len = data[pos++];
            if (len > size - pos)
                len = size - pos;
            memcpy(text[got], data + pos, len);
            lines[got].text = text[got];
            lines[got].len = len;
            pos += len;
            got++;
        }
        n = got;
        if (seg.from == ST_SIDE_SERVER) {
            seg.replies = lines;
            seg.n_replies = n;
        } else {
            seg.commands = lines;
            seg.n_commands = n;
        }
        st_session_feed(&session, &config, &seg, &here, &earlier, &earlier_frame);
        st_session_summary(&session, &summary);
        st_ending_text(&summary, text[0], sizeof(text[0]));
        (void)st_session_phase(&session);
        exercise(&here);
        if (earlier_frame != 0)
            exercise(&earlier);
    }
    return 0;
}
