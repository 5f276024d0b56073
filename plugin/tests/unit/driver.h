/* driver.h: the session core driven as the glue drives it, for unit tests
 *
 * Payloads are the bytes of each side's stream; sequence and
 * acknowledgement numbers follow them.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef SMTP_TIMEOUT_TEST_DRIVER_H
#define SMTP_TIMEOUT_TEST_DRIVER_H

#include <glib.h>
#include <string.h>

#include "core/reply_class.h"
#include "core/sentences.h"
#include "core/capture.h"
#include "core/session.h"

#define S 1000000000LL
#define MS 1000000LL
#define MAX_FRAMES 64
#define EXT_POOL 8

typedef struct {
    st_session session;
    st_config config;
    uint32_t frame;
    uint32_t next_seq[2];
    st_note earlier[MAX_FRAMES + 1];
    /* what the core asks for (st_config.alloc), one session's worth */
    unsigned char ext[EXT_POOL][1024];
    unsigned exts;
} driver;

static inline void *driver_alloc(void *ctx, size_t size)
{
    driver *d = (driver *)ctx;

    g_assert_cmpuint(size, <=, sizeof(d->ext[0]));
    if (d->exts == EXT_POOL)
        return NULL;
    memset(d->ext[d->exts], 0, sizeof(d->ext[0]));
    return d->ext[d->exts++];
}

static inline void driver_init(driver *d)
{
    memset(d, 0, sizeof(*d));
    st_session_init(&d->session);
    st_config_defaults(&d->config, 10);
    d->config.alloc = driver_alloc;
    d->config.alloc_ctx = d;
    d->next_seq[0] = 1000;
    d->next_seq[1] = 50000;
}

/* One segment as the glue hands it to the core: the next bytes of its
 * side's stream, acknowledging all of the other side's. */
static inline st_note feed_segment(driver *d, st_segment *seg)
{
    st_note here, earlier;
    uint32_t earlier_frame;

    st_session_feed(&d->session, &d->config, seg, &here, &earlier, &earlier_frame);
    if (earlier_frame != 0 && earlier_frame <= MAX_FRAMES)
        d->earlier[earlier_frame] = earlier;
    return here;
}

static inline st_note feed_bytes(driver *d, int64_t at, st_side from, const char *payload, size_t len,
                                 uint8_t flags)
{
    st_segment seg = { 0 };

    seg.frame = ++d->frame;
    seg.ts_ns = at;
    seg.from = from;
    seg.seq = d->next_seq[from - 1];
    seg.ack = d->next_seq[from == ST_SIDE_SERVER ? 0 : 1];
    seg.len = (uint32_t)len;
    seg.tcp_flags = flags | ST_TCP_ACK;
    seg.window = 65535;
    seg.payload = (const uint8_t *)payload;
    seg.captured = (uint32_t)len;
    d->next_seq[from - 1] += (uint32_t)len;
    return feed_segment(d, &seg);
}

/* The old shape of the driver: payload as a string; whether its lines are
 * commands or body is now the core's to say, by the phase. */
static inline st_note feed(driver *d, int64_t at, st_side from, const char *payload, uint8_t flags,
                           bool lines_are_commands, bool eom)
{
    (void)lines_are_commands;
    (void)eom;
    return feed_bytes(d, at, from, payload, payload != NULL ? strlen(payload) : 0, flags);
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

    syn.frame = ++d->frame;
    syn.ts_ns = at;
    syn.from = ST_SIDE_CLIENT;
    syn.seq = d->next_seq[0] - 1;
    syn.tcp_flags = ST_TCP_SYN;
    g_assert_cmpuint(feed_segment(d, &syn).findings, ==, 0);
    syn.frame = ++d->frame;
    syn.from = ST_SIDE_SERVER;
    syn.seq = d->next_seq[1] - 1;
    syn.ack = d->next_seq[0];
    syn.tcp_flags = ST_TCP_SYN | ST_TCP_ACK;
    g_assert_cmpuint(feed_segment(d, &syn).findings, ==, 0);
}

/* No finding: what could not be read (ST_FIND_UNREAD) is said, but is no
 * claim about the session; tests that mean it assert it themselves. */
static inline void assert_quiet(st_note n)
{
    g_assert_cmpuint(n.findings & ~(uint32_t)ST_FIND_UNREAD, ==, 0);
}

/* TLS records as a capture without keys shows them: each given by its
 * content type and length, its body filled (the first byte of a
 * handshake record is its message type).  Returns the bytes written. */
static inline size_t tls_records(char *buf, size_t size, const unsigned *types_and_lengths, unsigned n,
                                 unsigned hs_type)
{
    size_t at = 0;

    for (unsigned i = 0; i < n; i++) {
        unsigned type = types_and_lengths[2 * i], len = types_and_lengths[2 * i + 1];
        g_assert_cmpuint(at + 5 + len, <=, size);
        buf[at] = (char)type;
        buf[at + 1] = 3;
        buf[at + 2] = 3;
        buf[at + 3] = (char)(len >> 8);
        buf[at + 4] = (char)(len & 0xff);
        memset(buf + at + 5, 'z', len);
        if (type == 22 && len > 0)
            buf[at + 5] = (char)hs_type;
        at += 5 + len;
    }
    return at;
}

static inline st_note records(driver *d, int64_t at, st_side from, const unsigned *types_and_lengths, unsigned n,
                              unsigned hs_type)
{
    static char buf[16384];
    size_t len = tls_records(buf, sizeof(buf), types_and_lengths, n, hs_type);

    return feed_bytes(d, at, from, buf, len, 0);
}

/* A TLS 1.3 handshake after STARTTLS's 220, at t ms: ClientHello, the
 * server's flight, the client's CCS and Finished. */
static inline void tls13_handshake(driver *d, int64_t t)
{
    static const unsigned hello[] = { 22, 512 };
    static const unsigned flight[] = { 22, 122, 20, 1, 23, 23, 23, 807, 23, 281, 23, 69 };
    static const unsigned finished[] = { 20, 1, 23, 69 };

    g_assert_cmpuint(records(d, t, ST_SIDE_CLIENT, hello, 1, 1).findings, ==, 0);
    g_assert_cmpuint(records(d, t + 1 * MS, ST_SIDE_SERVER, flight, 6, 2).findings, ==, 0);
    g_assert_cmpuint(records(d, t + 2 * MS, ST_SIDE_CLIENT, finished, 2, 0).findings, ==, 0);
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
