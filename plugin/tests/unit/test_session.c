/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * The session logic driven directly, as the glue would drive it, without
 * libwireshark: payloads are split into command and reply lines here the
 * way the SMTP dissector splits them.
 */
#include <glib.h>
#include <string.h>

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

static void driver_init(driver *d)
{
    memset(d, 0, sizeof(*d));
    st_session_init(&d->session);
    d->config.gap_threshold_ns = 10 * S;
    d->config.min_timeout_ns = 1 * S;
    d->next_seq[0] = 1000;
    d->next_seq[1] = 50000;
}

static st_note feed(driver *d, int64_t at, st_side from, const char *payload, uint8_t flags, bool lines_are_commands,
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

static st_note server(driver *d, int64_t at, const char *replies)
{
    return feed(d, at, ST_SIDE_SERVER, replies, 0, false, false);
}

static st_note client(driver *d, int64_t at, const char *commands)
{
    return feed(d, at, ST_SIDE_CLIENT, commands, 0, true, false);
}

static st_note body(driver *d, int64_t at, const char *text, bool eom)
{
    return feed(d, at, ST_SIDE_CLIENT, text, 0, false, eom);
}

static st_note bare(driver *d, int64_t at, st_side from, uint8_t flags)
{
    return feed(d, at, from, NULL, flags, false, false);
}

static void handshake(driver *d, int64_t at)
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

static void assert_quiet(st_note n)
{
    g_assert_cmpuint(n.findings, ==, 0);
}

/* Handshake, greeting, EHLO and its reply, within the first 3 ms. */
static void greet(driver *d, const char *ehlo_reply)
{
    handshake(d, 0);
    assert_quiet(server(d, 1 * MS, "220 mx\r\n"));
    assert_quiet(client(d, 2 * MS, "EHLO c\r\n"));
    assert_quiet(server(d, 3 * MS, ehlo_reply));
}

/* Up to and including the 354 of a pipelined transaction. */
static void open_transaction(driver *d, int64_t t0)
{
    handshake(d, t0);
    assert_quiet(server(d, t0 + 10 * MS, "220 mx ESMTP\r\n"));
    assert_quiet(client(d, t0 + 12 * MS, "EHLO c\r\n"));
    assert_quiet(server(d, t0 + 13 * MS, "250-mx\r\n250-PIPELINING\r\n250 8BITMIME\r\n"));
    assert_quiet(client(d, t0 + 14 * MS, "MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\n"));
    assert_quiet(server(d, t0 + 16 * MS, "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n354 End data\r\n"));
}

static void test_article_story(void)
{
    driver d;
    int64_t t354;
    st_note n;
    uint32_t f354, f421, ffin;

    driver_init(&d);
    open_transaction(&d, 0);
    f354 = d.frame;
    t354 = 16 * MS;
    assert_quiet(bare(&d, t354 + 1 * MS, ST_SIDE_CLIENT, 0));
    n = server(&d, t354 + 59953550000LL, "421 4.4.2 mx Error: timeout exceeded\r\n");
    f421 = d.frame;
    g_assert_cmpuint(n.findings, ==, ST_FIND_GAP | ST_FIND_REPLY);
    g_assert_cmpint(n.idle_ns, ==, 59953550000LL);
    g_assert_cmpint(n.server_timeout_ns, ==, 59953550000LL);
    g_assert_cmpuint(n.idle_start_frame, ==, f354);
    g_assert_cmpuint(n.after, ==, ST_AFTER_DATA);
    g_assert_true(n.has & ST_HAS_DATA_BYTES);
    g_assert_cmpuint(n.data_bytes, ==, 0);
    g_assert_cmpuint(n.silent_side, ==, ST_SIDE_CLIENT);
    g_assert_cmpstr(n.reply_status, ==, "4.4.2");
    g_assert_cmpuint(d.earlier[f354].findings, ==, ST_FIND_IDLE_START);
    g_assert_cmpuint(d.earlier[f354].silence_end_frame, ==, f421);

    assert_quiet(bare(&d, t354 + 59953891000LL, ST_SIDE_SERVER, ST_TCP_FIN));
    ffin = d.frame;
    assert_quiet(bare(&d, t354 + 59954043000LL, ST_SIDE_CLIENT, 0));
    n = body(&d, t354 + 90480894000LL, "Subject: late\r\n", false);
    g_assert_cmpuint(n.findings, ==, ST_FIND_DATA_AFTER_CLOSE);
    g_assert_cmpuint(n.late_bytes, ==, 15);
    g_assert_cmpuint(n.close_frame, ==, ffin);
    g_assert_cmpuint(n.reply_frame, ==, f421);
    g_assert_cmpint(n.client_stall_ns, ==, 90480894000LL);
    g_assert_cmpint(n.exceeded_by_ns, ==, 90480894000LL - 59953550000LL);
    g_assert_cmpint(n.since_close_ns, ==, 90480894000LL - 59953891000LL);
    n = bare(&d, t354 + 90480922000LL, ST_SIDE_SERVER, ST_TCP_RST);
    g_assert_cmpuint(n.findings, ==, ST_FIND_RST_AFTER_CLOSE);
    g_assert_cmpuint(n.rst_from, ==, ST_SIDE_SERVER);
    g_assert_cmpint(n.since_close_ns, ==, 90480922000LL - 59953891000LL);
    /* A second reset adds nothing: the story is told. */
    assert_quiet(bare(&d, t354 + 91 * S, ST_SIDE_SERVER, ST_TCP_RST));
}

static void test_clean_session_is_quiet(void)
{
    driver d;

    driver_init(&d);
    open_transaction(&d, 0);
    assert_quiet(body(&d, 20 * MS, "Subject: x\r\n\r\nhello\r\n", false));
    assert_quiet(body(&d, 21 * MS, ".\r\n", true));
    assert_quiet(server(&d, 50 * MS, "250 2.0.0 Ok: queued\r\n"));
    assert_quiet(client(&d, 51 * MS, "QUIT\r\n"));
    assert_quiet(server(&d, 52 * MS, "221 2.0.0 Bye\r\n"));
    assert_quiet(bare(&d, 53 * MS, ST_SIDE_SERVER, ST_TCP_FIN));
    /* a slow client FIN is no finding; a reset after QUIT only a chat */
    assert_quiet(bare(&d, 30 * S, ST_SIDE_CLIENT, ST_TCP_FIN));
    {
        st_note n = bare(&d, 30 * S + 1, ST_SIDE_SERVER, ST_TCP_RST);
        char msg[256];
        g_assert_cmpuint(n.findings, ==, ST_FIND_RST_AFTER_END);
        st_note_message(&n, ST_FIND_RST_AFTER_END, msg, sizeof(msg));
        g_assert_cmpstr(msg, ==, "Server reset the connection 29.947 s after the close in frame 13: a normal ending");
    }
}

static void test_reset_after_quit_without_fin(void)
{
    driver d;
    st_note n;
    char msg[256];

    driver_init(&d);
    greet(&d, "250 mx\r\n");
    client(&d, 4 * MS, "QUIT\r\n");
    server(&d, 5 * MS, "221 Bye\r\n");
    n = bare(&d, 6 * MS, ST_SIDE_CLIENT, ST_TCP_RST);
    g_assert_cmpuint(n.findings, ==, ST_FIND_RST_AFTER_END);
    st_note_message(&n, ST_FIND_RST_AFTER_END, msg, sizeof(msg));
    g_assert_cmpstr(msg, ==, "Client reset the connection after QUIT and 221: a normal ending");
}

static void test_long_pipeline_keeps_count(void)
{
    driver d;
    GString *commands = g_string_new("MAIL FROM:<a@b>\r\n");
    GString *replies = g_string_new("250 2.1.0 Ok\r\n");
    st_note n;

    driver_init(&d);
    greet(&d, "250 PIPELINING\r\n");
    for (int i = 0; i < 100; i++) {
        g_string_append_printf(commands, "RCPT TO:<r%d@b>\r\n", i);
        g_string_append(replies, "250 2.1.5 Ok\r\n");
    }
    g_string_append(commands, "DATA\r\n");
    g_string_append(replies, "354 go ahead\r\n");
    assert_quiet(client(&d, 4 * MS, commands->str));
    assert_quiet(server(&d, 5 * MS, replies->str));
    n = body(&d, 20 * S, "Subject: x\r\n", false);
    g_assert_cmpuint(n.findings, ==, ST_FIND_GAP);
    g_assert_cmpuint(n.silent_side, ==, ST_SIDE_CLIENT);
    g_assert_cmpuint(n.after, ==, ST_AFTER_DATA);
    g_string_free(commands, TRUE);
    g_string_free(replies, TRUE);
}

static void test_capture_starting_mid_body(void)
{
    driver d;
    st_note n;

    driver_init(&d);
    /* Without the DATA command, the dissector takes body lines for commands. */
    assert_quiet(client(&d, 0, "Subject: x\r\nFrom: a@b\r\n\r\nData is here\r\n"));
    assert_quiet(client(&d, 1 * MS, ".\r\n"));
    assert_quiet(server(&d, 30 * MS, "250 2.0.0 Ok: queued\r\n"));
    n = client(&d, 20 * S, "QUIT\r\n");
    g_assert_cmpuint(n.findings, ==, ST_FIND_GAP);
    g_assert_cmpuint(n.silent_side, ==, ST_SIDE_CLIENT);
    g_assert_false(n.has & ST_HAS_AFTER);
}

static void test_unknown_start_reports_nothing_before_sync(void)
{
    driver d;

    driver_init(&d);
    assert_quiet(client(&d, 0, "RCPT TO:<a@b>\r\n"));
    assert_quiet(client(&d, 40 * S, "RCPT TO:<c@d>\r\n"));
}

static void test_time_going_backwards(void)
{
    driver d;
    st_note n;

    driver_init(&d);
    open_transaction(&d, 100 * S);
    assert_quiet(body(&d, 50 * S, "Subject: x\r\n", false));
    n = server(&d, 40 * S, "421 4.4.2 mx Error: timeout exceeded\r\n");
    g_assert_cmpuint(n.findings, ==, ST_FIND_REPLY);
    g_assert_cmpint(n.idle_ns, ==, 0);
    g_assert_false(n.has & ST_HAS_SERVER_TIMEOUT);
}

static void test_port_reuse_starts_afresh(void)
{
    driver d;
    st_note n;

    driver_init(&d);
    open_transaction(&d, 0);
    server(&d, 300 * S, "421 4.4.2 mx Error: timeout exceeded\r\n");
    bare(&d, 300 * S + 1, ST_SIDE_SERVER, ST_TCP_FIN);
    bare(&d, 300 * S + 2, ST_SIDE_CLIENT, ST_TCP_FIN);
    d.next_seq[0] = 7000;
    d.next_seq[1] = 90000;
    handshake(&d, 400 * S);
    assert_quiet(server(&d, 400 * S + 5 * MS, "220 mx\r\n"));
    n = client(&d, 415 * S, "EHLO c\r\n");
    g_assert_cmpuint(n.findings, ==, ST_FIND_GAP);
    g_assert_cmpuint(n.after, ==, ST_AFTER_CONNECT);
    g_assert_cmpint(n.idle_ns, ==, 15 * S - 5 * MS);
}

static void test_retransmitted_fin_keeps_first_close(void)
{
    driver d;
    st_note n;
    uint32_t first_fin;

    driver_init(&d);
    open_transaction(&d, 0);
    server(&d, 60 * S, "421 4.4.2 mx Error: timeout exceeded\r\n");
    bare(&d, 60 * S + 100, ST_SIDE_SERVER, ST_TCP_FIN);
    first_fin = d.frame;
    d.next_seq[1] -= 0;
    assert_quiet(bare(&d, 61 * S, ST_SIDE_SERVER, ST_TCP_FIN));
    n = bare(&d, 70 * S, ST_SIDE_CLIENT, ST_TCP_RST);
    g_assert_cmpuint(n.findings, ==, ST_FIND_RST_AFTER_CLOSE);
    g_assert_cmpuint(n.close_frame, ==, first_fin);
    g_assert_cmpuint(n.rst_from, ==, ST_SIDE_CLIENT);
}

static void test_keepalive_and_retransmission_are_not_activity(void)
{
    driver d;
    st_segment seg = { 0 };
    st_note here, earlier;
    uint32_t earlier_frame;
    st_note n;

    driver_init(&d);
    open_transaction(&d, 0);
    /* a keep-alive: one old byte */
    seg.frame = ++d.frame;
    seg.ts_ns = 30 * S;
    seg.from = ST_SIDE_CLIENT;
    seg.seq = d.next_seq[0] - 1;
    seg.len = 1;
    seg.tcp_flags = ST_TCP_ACK;
    st_session_feed(&d.session, &d.config, &seg, &here, &earlier, &earlier_frame);
    assert_quiet(here);
    /* a retransmitted 354 */
    seg.frame = ++d.frame;
    seg.from = ST_SIDE_SERVER;
    seg.seq = d.next_seq[1] - 14;
    seg.len = 14;
    st_session_feed(&d.session, &d.config, &seg, &here, &earlier, &earlier_frame);
    assert_quiet(here);
    n = server(&d, 300 * S + 16 * MS, "421 4.4.2 mx Error: timeout exceeded\r\n");
    g_assert_cmpint(n.idle_ns, ==, 300 * S);
}

static void test_starttls_without_handshake(void)
{
    driver d;
    st_note n;

    driver_init(&d);
    greet(&d, "250-mx\r\n250 STARTTLS\r\n");
    client(&d, 4 * MS, "STARTTLS\r\n");
    server(&d, 5 * MS, "220 2.0.0 Ready to start TLS\r\n");
    n = bare(&d, 3 * S + 5 * MS, ST_SIDE_SERVER, ST_TCP_FIN);
    g_assert_cmpuint(n.findings, ==, ST_FIND_SILENT_CLOSE);
    g_assert_cmpuint(n.after, ==, ST_AFTER_STARTTLS);
    g_assert_cmpint(n.server_timeout_ns, ==, 3 * S);
}

static void test_tls_session_close_is_no_silent_close(void)
{
    driver d;

    driver_init(&d);
    handshake(&d, 0);
    server(&d, 1 * MS, "220 mx\r\n");
    client(&d, 2 * MS, "STARTTLS\r\n");
    server(&d, 3 * MS, "220 go ahead\r\n");
    assert_quiet(body(&d, 4 * MS, "\x16\x03\x01 client hello", false));
    assert_quiet(feed(&d, 5 * MS, ST_SIDE_SERVER, "\x16\x03\x03 server hello", 0, false, false));
    assert_quiet(bare(&d, 600 * S, ST_SIDE_SERVER, ST_TCP_FIN));
}

static void test_server_silence(void)
{
    driver d;
    st_note n;

    driver_init(&d);
    handshake(&d, 0);
    n = server(&d, 20 * S, "220 mx\r\n");
    g_assert_cmpuint(n.findings, ==, ST_FIND_GAP);
    g_assert_cmpuint(n.silent_side, ==, ST_SIDE_SERVER);
    g_assert_cmpuint(n.after, ==, ST_AFTER_CONNECT);
    g_assert_cmpint(n.idle_ns, ==, 20 * S);
    client(&d, 21 * S, "EHLO c\r\n");
    n = server(&d, 35 * S, "250 mx\r\n");
    g_assert_cmpuint(n.silent_side, ==, ST_SIDE_SERVER);
    g_assert_cmpuint(n.after, ==, ST_AFTER_EHLO);
}

static void test_421_answering_a_command(void)
{
    driver d;
    st_note n;

    driver_init(&d);
    greet(&d, "250 mx\r\n");
    client(&d, 4 * MS, "RCPT TO:<a@b>\r\n");
    n = server(&d, 5 * MS, "421 4.7.0 mx Error: too many errors\r\n");
    g_assert_cmpuint(n.findings, ==, ST_FIND_REPLY);
    g_assert_cmpuint(n.after, ==, ST_AFTER_RCPT);
    g_assert_cmpuint(n.silent_side, ==, ST_SIDE_SERVER);
    g_assert_false(n.has & ST_HAS_SERVER_TIMEOUT);
}

static void test_auth_continuation_and_bdat(void)
{
    driver d;
    st_note n;

    driver_init(&d);
    handshake(&d, 0);
    server(&d, 1 * MS, "220 mx\r\n");
    client(&d, 2 * MS, "AUTH LOGIN\r\n");
    server(&d, 3 * MS, "334 VXNlcm5hbWU6\r\n");
    n = client(&d, 15 * S, "YWxpY2U=\r\n");
    g_assert_cmpuint(n.findings, ==, ST_FIND_GAP);
    g_assert_cmpuint(n.after, ==, ST_AFTER_AUTH);
    server(&d, 15 * S + 1 * MS, "235 2.7.0 Authentication successful\r\n");
    client(&d, 15 * S + 2 * MS, "MAIL FROM:<a@b>\r\n");
    server(&d, 15 * S + 3 * MS, "250 Ok\r\n");
    /* BDAT: the chunk follows its command line; 500 of 1000 bytes arrive */
    client(&d, 15 * S + 4 * MS, "BDAT 1000 LAST\r\n");
    body(&d, 15 * S + 5 * MS, "x", false);
    n = server(&d, 315 * S, "421 4.4.2 mx Error: timeout exceeded\r\n");
    g_assert_cmpuint(n.silent_side, ==, ST_SIDE_CLIENT);
    g_assert_cmpuint(n.after, ==, ST_AFTER_BDAT);
    g_assert_cmpuint(n.data_bytes, ==, 1);
    g_assert_true(n.has & ST_HAS_SERVER_TIMEOUT);
}

/* A client segment of BDAT command lines, each followed by its chunk of
 * `x` bytes, as the SMTP dissector of 4.2+ splits it. */
static st_note chunks(driver *d, int64_t at, const unsigned *sizes, unsigned n_chunks, bool last)
{
    static char payload[8192];
    st_segment seg = { 0 };
    st_line lines[8];
    st_note here, earlier;
    uint32_t earlier_frame;
    size_t len = 0;

    g_assert_cmpuint(n_chunks, <=, G_N_ELEMENTS(lines));
    for (unsigned i = 0; i < n_chunks; i++) {
        int w = g_snprintf(payload + len, sizeof(payload) - len, "BDAT %u%s\r\n", sizes[i],
                           last && i == n_chunks - 1 ? " LAST" : "");
        lines[i].text = payload + len;
        lines[i].len = (size_t)w;
        len += (size_t)w;
        g_assert_cmpuint(len + sizes[i], <, sizeof(payload));
        memset(payload + len, 'x', sizes[i]);
        len += sizes[i];
    }
    seg.frame = ++d->frame;
    seg.ts_ns = at;
    seg.from = ST_SIDE_CLIENT;
    seg.seq = d->next_seq[0];
    seg.len = (uint32_t)len;
    seg.tcp_flags = ST_TCP_ACK;
    seg.window = 65535;
    seg.commands = lines;
    seg.n_commands = n_chunks;
    d->next_seq[0] += (uint32_t)len;
    st_session_feed(&d->session, &d->config, &seg, &here, &earlier, &earlier_frame);
    return here;
}

static void test_bdat_chunks(void)
{
    static const unsigned two[] = { 1000, 500 };
    static const unsigned first[] = { 1000 }, last[] = { 0 };
    driver d;
    st_note n;

    /* Two chunks pipelined in one segment, all their bytes in: the server
     * owes both replies, and is the silent side when they come late. */
    driver_init(&d);
    greet(&d, "250-mx\r\n250 CHUNKING\r\n");
    client(&d, 4 * MS, "MAIL FROM:<a@b>\r\n");
    server(&d, 5 * MS, "250 Ok\r\n");
    client(&d, 6 * MS, "RCPT TO:<c@d>\r\n");
    server(&d, 7 * MS, "250 Ok\r\n");
    assert_quiet(chunks(&d, 8 * MS, two, 2, true));
    n = server(&d, 30 * S, "250 2.0.0 Ok\r\n250 2.0.0 Ok: queued as 1A2B\r\n");
    g_assert_cmpuint(n.findings, ==, ST_FIND_GAP);
    g_assert_cmpuint(n.silent_side, ==, ST_SIDE_SERVER);
    g_assert_cmpuint(n.after, ==, ST_AFTER_BDAT);
    g_assert_cmpuint(n.data_bytes, ==, 1500);
    g_assert_cmpint(n.idle_ns, ==, 30 * S - 8 * MS);

    /* A chunk answered, then the client pauses before its last one. */
    driver_init(&d);
    greet(&d, "250-mx\r\n250 CHUNKING\r\n");
    client(&d, 4 * MS, "MAIL FROM:<a@b>\r\n");
    server(&d, 5 * MS, "250 Ok\r\n");
    client(&d, 6 * MS, "RCPT TO:<c@d>\r\n");
    server(&d, 7 * MS, "250 Ok\r\n");
    assert_quiet(chunks(&d, 8 * MS, first, 1, false));
    assert_quiet(server(&d, 9 * MS, "250 2.0.0 1000 bytes received\r\n"));
    n = chunks(&d, 20 * S, last, 1, true);
    g_assert_cmpuint(n.findings, ==, ST_FIND_GAP);
    g_assert_cmpuint(n.silent_side, ==, ST_SIDE_CLIENT);
    g_assert_cmpuint(n.after, ==, ST_AFTER_BDAT);
    g_assert_cmpuint(n.data_bytes, ==, 1000);
    /* BDAT 0 LAST has no bytes to wait for: the server owes its reply. */
    n = server(&d, 45 * S, "250 2.0.0 Ok: queued as 3C4D\r\n");
    g_assert_cmpuint(n.silent_side, ==, ST_SIDE_SERVER);
    g_assert_cmpuint(n.after, ==, ST_AFTER_BDAT);
}

static void test_client_bytes_without_a_command(void)
{
    driver d;

    /* The client owed a command; its bytes hold none the dissector saw
     * (Wireshark 4.0 and pipelined BDAT): the server's late reply is no
     * proof that the client was silent. */
    driver_init(&d);
    greet(&d, "250-mx\r\n250 CHUNKING\r\n");
    client(&d, 4 * MS, "MAIL FROM:<a@b>\r\n");
    server(&d, 5 * MS, "250 Ok\r\n");
    assert_quiet(body(&d, 6 * MS, "BDAT 10\r\n0123456789", false));
    assert_quiet(server(&d, 20 * S, "250 2.0.0 Ok: queued\r\n"));
    /* The reply put the session back in step. */
    assert_quiet(client(&d, 20 * S + 1 * MS, "QUIT\r\n"));
    g_assert_cmpuint(server(&d, 40 * S, "221 Bye\r\n").silent_side, ==, ST_SIDE_SERVER);
}

/* What looks like an ending and is none, or less than it seems. */
static void test_endings_that_are_not_timeouts(void)
{
    driver d;
    st_segment seg = { 0 };
    st_note n, here, earlier;
    uint32_t earlier_frame;

    /* A shutdown during a pause of the client's: a 421, no timeout. */
    driver_init(&d);
    greet(&d, "250-mx\r\n250 PIPELINING\r\n");
    client(&d, 4 * MS, "MAIL FROM:<a@b>\r\n");
    server(&d, 5 * MS, "250 OK\r\n");
    n = server(&d, 2 * S + 5 * MS, "421 mx: Service not available - closing connection\r\n");
    g_assert_cmpuint(n.findings, ==, ST_FIND_REPLY);
    g_assert_cmpuint(n.reply_class, ==, ST_CLASS_SHUTDOWN);
    g_assert_false(n.has & ST_HAS_SERVER_TIMEOUT);
    g_assert_cmpuint(d.earlier[6].findings, ==, 0);

    /* A 451 4.4.2 to a RCPT is an error the dialogue survives. */
    driver_init(&d);
    greet(&d, "250-mx\r\n250 PIPELINING\r\n");
    client(&d, 4 * MS, "MAIL FROM:<a@b>\r\n");
    server(&d, 5 * MS, "250 OK\r\n");
    client(&d, 6 * MS, "RCPT TO:<x@y>\r\n");
    assert_quiet(server(&d, 7 * MS, "451 4.4.2 <x@y>: upstream lookup failed\r\n"));
    assert_quiet(client(&d, 8 * MS, "RCPT TO:<z@y>\r\n"));

    /* A reply split across segments is one reply; a reply sent again is
     * read once. */
    driver_init(&d);
    greet(&d, "250-mx\r\n250 PIPELINING\r\n");
    client(&d, 4 * MS, "MAIL FROM:<a@b>\r\nRCPT TO:<x@y>\r\n");
    seg.frame = ++d.frame;
    seg.ts_ns = 5 * MS;
    seg.from = ST_SIDE_SERVER;
    seg.seq = d.next_seq[1];
    seg.len = 12;
    seg.tcp_flags = ST_TCP_ACK;
    seg.window = 65535;
    seg.replies = &(st_line){ "250-2.1.0 Ok", 12 };
    seg.n_replies = 1;
    seg.open_reply = 250;
    d.next_seq[1] += 12;
    st_session_feed(&d.session, &d.config, &seg, &here, &earlier, &earlier_frame);
    assert_quiet(here);
    /* the rest of the MAIL reply: the RCPT reply is still owed */
    n = server(&d, 20 * S, "250 2.1.0 more\r\n");
    g_assert_cmpuint(n.findings, ==, ST_FIND_GAP);
    g_assert_cmpuint(n.silent_side, ==, ST_SIDE_SERVER);
    g_assert_cmpuint(n.after, ==, ST_AFTER_RCPT);
    seg.frame = ++d.frame;
    seg.ts_ns = 20 * S + 1 * MS;
    seg.seq = d.next_seq[1] - 16; /* the last segment, sent again */
    seg.len = 16;
    seg.replies = &(st_line){ "421 4.4.2 mx Error: timeout exceeded", 36 };
    seg.open_reply = 0;
    st_session_feed(&d.session, &d.config, &seg, &here, &earlier, &earlier_frame);
    assert_quiet(here);
    n = server(&d, 50 * S, "250 2.1.5 Ok\r\n");
    g_assert_cmpuint(n.silent_side, ==, ST_SIDE_SERVER);
    g_assert_cmpuint(n.after, ==, ST_AFTER_RCPT);
}

/* A capture that begins inside a silence shows no start of it: no figure
 * is claimed for it. */
static void test_capture_beginning_inside_a_silence(void)
{
    driver d;
    st_note n;

    driver_init(&d);
    assert_quiet(feed(&d, 0, ST_SIDE_CLIENT, "x", 0, false, false)); /* a keep-alive, first */
    n = server(&d, 30 * S, "421 4.4.2 mx Error: timeout exceeded\r\n");
    g_assert_cmpuint(n.findings, ==, ST_FIND_REPLY);
    g_assert_false(n.has & (ST_HAS_IDLE | ST_HAS_SERVER_TIMEOUT));
    g_assert_true(n.explain & ST_EX_UNTIMED);
    g_assert_cmpuint(n.timer, ==, 0);
}

/* A client that closes its own idle session gave up on nothing; one that
 * stops in the middle of its body did. */
static void test_client_close_after_its_own_silence(void)
{
    driver d;
    st_note n;

    driver_init(&d);
    open_transaction(&d, 0);
    body(&d, 20 * MS, "Subject: x\r\n\r\nhi\r\n.\r\n", true);
    server(&d, 30 * MS, "250 2.0.0 Ok\r\n");
    n = bare(&d, 30 * S, ST_SIDE_CLIENT, ST_TCP_FIN);
    g_assert_cmpuint(n.findings, ==, ST_FIND_GAP);
    g_assert_false(n.has & ST_HAS_EXPLANATION);

    driver_init(&d);
    open_transaction(&d, 0);
    body(&d, 20 * MS, "Subject: x\r\n", false);
    n = bare(&d, 180 * S, ST_SIDE_CLIENT, ST_TCP_FIN);
    g_assert_cmpuint(n.gave_up, ==, ST_GAVE_UP_CLIENT);
}

/* Resets reaching both ends are told apart at any time stamp, zero too. */
static void test_resets_from_both_ends_at_time_zero(void)
{
    driver d;
    st_note n;

    driver_init(&d);
    handshake(&d, -100 * S);
    server(&d, -100 * S + 1 * MS, "220 mx\r\n");
    client(&d, -100 * S + 2 * MS, "EHLO c\r\n");
    server(&d, -100 * S + 3 * MS, "250 mx\r\n");
    n = bare(&d, 0, ST_SIDE_CLIENT, ST_TCP_RST);
    g_assert_cmpuint(n.gave_up, ==, ST_GAVE_UP_CLIENT);
    n = bare(&d, 1 * MS, ST_SIDE_SERVER, ST_TCP_RST);
    g_assert_cmpuint(n.gave_up, ==, ST_GAVE_UP_MIDDLEBOX);
    g_assert_true(n.explain & ST_EX_BOTH_RESET);
}

static void test_garbage_is_quiet(void)
{
    driver d;

    driver_init(&d);
    handshake(&d, 0);
    assert_quiet(feed(&d, 1 * MS, ST_SIDE_SERVER, "\x01\x02garbage\r\n", 0, false, false));
    assert_quiet(client(&d, 2 * MS, "\xff\xfe\r\nGET / HTTP/1.1\r\n"));
    assert_quiet(feed(&d, 3 * MS, ST_SIDE_SERVER, "HTTP/1.1 400 Bad Request\r\n", 0, false, false));
}

static void test_state_stays_small(void)
{
    /* What one session costs, whatever it sends (README: bounded memory):
     * the glue adds addresses and report bookkeeping, and the whole record
     * must stay within 256 bytes. */
    g_assert_cmpuint(sizeof(st_session), <=, 176);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/session/state-size", test_state_stays_small);
    g_test_add_func("/session/article-story", test_article_story);
    g_test_add_func("/session/clean-is-quiet", test_clean_session_is_quiet);
    g_test_add_func("/session/reset-after-quit", test_reset_after_quit_without_fin);
    g_test_add_func("/session/long-pipeline", test_long_pipeline_keeps_count);
    g_test_add_func("/session/mid-body-start", test_capture_starting_mid_body);
    g_test_add_func("/session/unsynced-is-quiet", test_unknown_start_reports_nothing_before_sync);
    g_test_add_func("/session/time-backwards", test_time_going_backwards);
    g_test_add_func("/session/port-reuse", test_port_reuse_starts_afresh);
    g_test_add_func("/session/retransmitted-fin", test_retransmitted_fin_keeps_first_close);
    g_test_add_func("/session/keepalive-retransmission", test_keepalive_and_retransmission_are_not_activity);
    g_test_add_func("/session/starttls-no-handshake", test_starttls_without_handshake);
    g_test_add_func("/session/tls-close", test_tls_session_close_is_no_silent_close);
    g_test_add_func("/session/server-silence", test_server_silence);
    g_test_add_func("/session/421-answer", test_421_answering_a_command);
    g_test_add_func("/session/auth-bdat", test_auth_continuation_and_bdat);
    g_test_add_func("/session/bdat-chunks", test_bdat_chunks);
    g_test_add_func("/session/client-bytes-without-a-command", test_client_bytes_without_a_command);
    g_test_add_func("/session/endings-that-are-not-timeouts", test_endings_that_are_not_timeouts);
    g_test_add_func("/session/capture-beginning-inside-a-silence", test_capture_beginning_inside_a_silence);
    g_test_add_func("/session/client-close-after-its-own-silence", test_client_close_after_its_own_silence);
    g_test_add_func("/session/resets-from-both-ends-at-time-zero", test_resets_from_both_ends_at_time_zero);
    g_test_add_func("/session/garbage", test_garbage_is_quiet);
    return g_test_run();
}
