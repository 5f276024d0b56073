/* driver.h: the session core driven as the glue drives it, for unit tests
 *
 * Payloads are split into command and reply lines here the way the SMTP
 * dissector splits them; sequence numbers follow the payloads.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef SMTP_TIMEOUT_TEST_DRIVER_H
#define SMTP_TIMEOUT_TEST_DRIVER_H

#include <glib.h>
#include <string.h>

#include "core/reply_class.h"
#include "core/sentences.h"
#include "core/session.h"

#define S 1000000000LL
#define MS 1000000LL
#define MAX_LINES 256
#define MAX_FRAMES 64

typedef struct {
    st_session session;
    st_config config;
    uint32_t frame;
    uint32_t next_seq[2];
    st_note earlier[MAX_FRAMES + 1];
    st_line lines[MAX_LINES];
} driver;

static inline void driver_init(driver *d)
{
    memset(d, 0, sizeof(*d));
    st_session_init(&d->session);
    d->config.gap_threshold_ns = 10 * S;
    d->config.min_timeout_ns = 1 * S;
    d->next_seq[0] = 1000;
    d->next_seq[1] = 50000;
}

static inline st_note feed(driver *d, int64_t at, st_side from, const char *payload, uint8_t flags, bool lines_are_commands,
                    bool eom)
{
    st_segment seg = { 0 };
    st_note here, earlier;
    uint32_t earlier_frame;
    size_t len = payload != NULL ? strlen(payload) : 0;
    unsigned n = 0;
    bool first_of_reply = true;

    seg.frame = ++d->frame;
    seg.ts_ns = at;
    seg.from = from;
    seg.seq = d->next_seq[from - 1];
    seg.len = (uint32_t)len;
    seg.tcp_flags = flags | ST_TCP_ACK;
    seg.window = 65535;
    d->next_seq[from - 1] += (uint32_t)len;
    for (size_t i = 0; i < len && n < MAX_LINES && (lines_are_commands || from == ST_SIDE_SERVER);) {
        const char *end = strstr(payload + i, "\r\n");
        size_t line_len = end != NULL ? (size_t)(end - (payload + i)) + 2 : len - i;
        bool final = from == ST_SIDE_CLIENT || line_len < 4 || payload[i + 3] != '-';
        if (from == ST_SIDE_CLIENT || first_of_reply) {
            d->lines[n].text = payload + i;
            d->lines[n].len = line_len;
            n++;
        }
        first_of_reply = final;
        i += line_len;
    }
    if (from == ST_SIDE_SERVER) {
        seg.replies = d->lines;
        seg.n_replies = n;
    } else {
        seg.commands = d->lines;
        seg.n_commands = n;
    }
    seg.eom = eom;
    st_session_feed(&d->session, &d->config, &seg, &here, &earlier, &earlier_frame);
    if (earlier_frame != 0 && earlier_frame <= MAX_FRAMES)
        d->earlier[earlier_frame] = earlier;
    return here;
}

static inline st_note server(driver *d, int64_t at, const char *replies)
{
    return feed(d, at, ST_SIDE_SERVER, replies, 0, false, false);
}

static inline st_note client(driver *d, int64_t at, const char *commands)
{
    return feed(d, at, ST_SIDE_CLIENT, commands, 0, true, false);
}

static inline st_note body(driver *d, int64_t at, const char *text, bool eom)
{
    return feed(d, at, ST_SIDE_CLIENT, text, 0, false, eom);
}

static inline st_note bare(driver *d, int64_t at, st_side from, uint8_t flags)
{
    return feed(d, at, from, NULL, flags, false, false);
}

static inline void handshake(driver *d, int64_t at)
{
    st_segment syn = { 0 };
    st_note here, earlier;
    uint32_t earlier_frame;

    syn.frame = ++d->frame;
    syn.ts_ns = at;
    syn.from = ST_SIDE_CLIENT;
    syn.seq = d->next_seq[0] - 1;
    syn.tcp_flags = ST_TCP_SYN;
    st_session_feed(&d->session, &d->config, &syn, &here, &earlier, &earlier_frame);
    g_assert_cmpuint(here.findings, ==, 0);
    syn.frame = ++d->frame;
    syn.from = ST_SIDE_SERVER;
    syn.seq = d->next_seq[1] - 1;
    syn.tcp_flags = ST_TCP_SYN | ST_TCP_ACK;
    st_session_feed(&d->session, &d->config, &syn, &here, &earlier, &earlier_frame);
    g_assert_cmpuint(here.findings, ==, 0);
}

static inline void assert_quiet(st_note n)
{
    g_assert_cmpuint(n.findings, ==, 0);
}

/* Handshake, greeting, EHLO and its reply, within the first 3 ms. */
static inline void greet(driver *d, const char *ehlo_reply)
{
    handshake(d, 0);
    assert_quiet(server(d, 1 * MS, "220 mx\r\n"));
    assert_quiet(client(d, 2 * MS, "EHLO c\r\n"));
    assert_quiet(server(d, 3 * MS, ehlo_reply));
}

/* Up to and including the 354 of a pipelined transaction. */
static inline void open_transaction(driver *d, int64_t t0)
{
    handshake(d, t0);
    assert_quiet(server(d, t0 + 10 * MS, "220 mx ESMTP\r\n"));
    assert_quiet(client(d, t0 + 12 * MS, "EHLO c\r\n"));
    assert_quiet(server(d, t0 + 13 * MS, "250-mx\r\n250-PIPELINING\r\n250 8BITMIME\r\n"));
    assert_quiet(client(d, t0 + 14 * MS, "MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\n"));
    assert_quiet(server(d, t0 + 16 * MS, "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n354 End data\r\n"));
}

#endif
