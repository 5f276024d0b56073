/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * The session logic on its edges: BDAT chunks, bytes without commands,
 * endings that are no timeouts, captures that begin inside a silence,
 * resets from both ends, garbage.
 */
#include "driver.h"

/* A client segment of BDAT command lines, each followed by its chunk of
 * `x` bytes. */
static st_note chunks(driver *d, int64_t at, const unsigned *sizes, unsigned n_chunks, bool last)
{
    static char payload[8192];
    size_t len = 0;

    for (unsigned i = 0; i < n_chunks; i++) {
        int w = g_snprintf(payload + len, sizeof(payload) - len, "BDAT %u%s\r\n", sizes[i],
                           last && i == n_chunks - 1 ? " LAST" : "");
        len += (size_t)w;
        g_assert_cmpuint(len + sizes[i], <, sizeof(payload));
        memset(payload + len, 'x', sizes[i]);
        len += sizes[i];
    }
    return feed_bytes(d, at, ST_SIDE_CLIENT, payload, len, 0);
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
    st_note n;

    /* A BDAT line and its chunk in one segment, with no line end after the
     * chunk: the core reads both (the SMTP dissector of Wireshark 4.0 saw
     * no command there); the server's late reply is its own silence. */
    driver_init(&d);
    greet(&d, "250-mx\r\n250 CHUNKING\r\n");
    client(&d, 4 * MS, "MAIL FROM:<a@b>\r\n");
    server(&d, 5 * MS, "250 Ok\r\n");
    assert_quiet(body(&d, 6 * MS, "BDAT 10\r\n0123456789", false));
    n = server(&d, 20 * S, "250 2.0.0 Ok: queued\r\n");
    g_assert_cmpuint(n.findings, ==, ST_FIND_GAP);
    g_assert_cmpuint(n.silent_side, ==, ST_SIDE_SERVER);
    g_assert_cmpuint(n.after, ==, ST_AFTER_BDAT);
    g_assert_cmpuint(n.data_bytes, ==, 10);
    assert_quiet(client(&d, 20 * S + 1 * MS, "QUIT\r\n"));
    g_assert_cmpuint(server(&d, 40 * S, "221 Bye\r\n").silent_side, ==, ST_SIDE_SERVER);

    /* A command cut across segments waits for its end: no loss of sync. */
    driver_init(&d);
    greet(&d, "250 mx\r\n");
    assert_quiet(client(&d, 4 * MS, "MAIL FROM:<a@"));
    assert_quiet(client(&d, 5 * MS, "b>\r\n"));
    n = server(&d, 30 * S, "250 Ok\r\n");
    g_assert_cmpuint(n.silent_side, ==, ST_SIDE_SERVER);
    g_assert_cmpuint(n.after, ==, ST_AFTER_MAIL);
}

/* What looks like an ending and is none, or less than it seems. */
static void test_endings_that_are_not_timeouts(void)
{
    driver d;
    st_segment seg = { 0 };
    st_note n;

    /* A shutdown during a pause of the client's: a 421, no timeout. */
    driver_init(&d);
    greet(&d, "250-mx\r\n250 PIPELINING\r\n");
    client(&d, 4 * MS, "MAIL FROM:<a@b>\r\n");
    server(&d, 5 * MS, "250 OK\r\n");
    n = server(&d, 2 * S + 5 * MS, "421 mx: Service not available - closing connection\r\n");
    g_assert_cmpuint(n.findings, ==, ST_FIND_REPLY);
    g_assert_cmpuint(n.reply.cls, ==, ST_CLASS_SHUTDOWN);
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
    assert_quiet(server(&d, 5 * MS, "250-2.1.0 Ok\r\n"));
    /* the rest of the MAIL reply: the RCPT reply is still owed */
    n = server(&d, 20 * S, "250 2.1.0 more\r\n");
    g_assert_cmpuint(n.findings, ==, ST_FIND_GAP);
    g_assert_cmpuint(n.silent_side, ==, ST_SIDE_SERVER);
    g_assert_cmpuint(n.after, ==, ST_AFTER_RCPT);
    seg.frame = ++d.frame;
    seg.ts_ns = 20 * S + 1 * MS;
    seg.from = ST_SIDE_SERVER;
    seg.seq = d.next_seq[1] - 16; /* the last segment, sent again */
    seg.ack = d.next_seq[0];
    seg.len = 16;
    seg.tcp_flags = ST_TCP_ACK;
    seg.window = 65535;
    seg.payload = (const uint8_t *)"421 4.4.2 mx Error: timeout exceeded\r\n";
    seg.captured = 16;
    assert_quiet(feed_segment(&d, &seg));
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

/* A body lost in an MTU black hole: full-size segments sent and sent
 * again, never acknowledged.  The server's 421 acknowledges none of them:
 * it heard nothing after its 354, so the silence it ended began there. */
static void test_body_the_server_never_heard(void)
{
    static char line[1448];
    driver d;
    st_segment again = { 0 };
    st_note n;
    uint32_t body_seq;

    memset(line, 'x', sizeof(line));
    memcpy(line + sizeof(line) - 2, "\r\n", 2);
    driver_init(&d);
    open_transaction(&d, 0);
    body_seq = d.next_seq[0];
    /* The line holds no NUL: it is fed by its length. */
    feed_bytes(&d, 20 * MS, ST_SIDE_CLIENT, line, sizeof(line), 0);
    feed_bytes(&d, 20 * MS, ST_SIDE_CLIENT, line, sizeof(line), 0);
    for (int i = 0; i < 3; i++) {
        again.frame = ++d.frame;
        again.ts_ns = (220 + 400 * i) * MS;
        again.from = ST_SIDE_CLIENT;
        again.seq = body_seq;
        again.ack = d.next_seq[1];
        again.len = sizeof(line);
        again.tcp_flags = ST_TCP_ACK;
        again.payload = (const uint8_t *)line;
        again.captured = sizeof(line);
        assert_quiet(feed_segment(&d, &again));
    }
    d.next_seq[0] = body_seq; /* the server acknowledges none of it */
    n = server(&d, 3016 * MS, "421 4.4.2 mx Error: timeout exceeded\r\n");
    g_assert_cmpuint(n.findings & ST_FIND_REPLY, !=, 0);
    g_assert_cmpint(n.idle_ns, ==, 3 * S);
    g_assert_cmpuint(n.idle_start_frame, ==, 7);
    g_assert_cmpuint(n.silent_side, ==, ST_SIDE_CLIENT);
    g_assert_cmpuint(n.after, ==, ST_AFTER_DATA);
    g_assert_cmpuint(n.data_bytes, ==, 0);
    g_assert_cmpuint(n.cause, ==, ST_CAUSE_MTU_BLACKHOLE);
    g_assert_cmpint(d.earlier[7].begins.ns, ==, 3 * S);

    /* The same body, acknowledged: the server heard it, and its 421 ends
     * a silence that began with the client's last segment. */
    driver_init(&d);
    open_transaction(&d, 0);
    feed_bytes(&d, 20 * MS, ST_SIDE_CLIENT, line, sizeof(line), 0);
    n = server(&d, 3020 * MS, "421 4.4.2 mx Error: timeout exceeded\r\n");
    g_assert_cmpint(n.idle_ns, ==, 3 * S);
    g_assert_cmpuint(n.idle_start_frame, ==, 8);
    g_assert_cmpuint(n.data_bytes, ==, sizeof(line));
}

/* A server that closes right after an error reply ended no wait: the
 * client's QUIT, already on its way, and the reset it draws are how TCP
 * ends (OpenSMTPD refusing pipelining).  Bytes a second later are late. */
static void test_bytes_that_cross_a_close(void)
{
    driver d;

    for (int late = 0; late < 2; late++) {
        int64_t t = (late ? 2000 : 0) * MS;
        st_note n;

        driver_init(&d);
        greet(&d, "250-mx\r\n250 8BITMIME\r\n");
        client(&d, 4 * MS, "MAIL FROM:<a@b>\r\n");
        server(&d, 5 * MS, "250 2.0.0 Ok\r\n");
        client(&d, 6 * MS, "RCPT TO:<c@d>\r\nDATA\r\n");
        assert_quiet(server(&d, 7 * MS, "500 5.5.1 Invalid command: Pipelining not supported\r\n"));
        assert_quiet(bare(&d, 7 * MS, ST_SIDE_SERVER, ST_TCP_FIN));
        n = client(&d, 7 * MS + t + 1, "QUIT\r\n");
        g_assert_cmpuint(n.findings, ==, late ? ST_FIND_DATA_AFTER_CLOSE : 0);
        n = bare(&d, 7 * MS + t + 2, ST_SIDE_SERVER, ST_TCP_RST);
        g_assert_cmpuint(n.findings, ==, late ? ST_FIND_RST_AFTER_CLOSE : 0);
    }
}

/* A client that gave up before the server's 221 ended nothing normally. */
static void test_reply_after_the_client_gave_up(void)
{
    driver d;
    st_note n;

    driver_init(&d);
    open_transaction(&d, 0);
    body(&d, 20 * MS, "Subject: x\r\n\r\nhi\r\n.\r\nQUIT\r\n", true);
    n = bare(&d, 5020 * MS, ST_SIDE_CLIENT, ST_TCP_FIN);
    g_assert_cmpuint(n.findings, ==, ST_FIND_CLIENT_GAVE_UP);
    g_assert_cmpuint(n.data_bytes, ==, 18);
    g_assert_cmpuint(n.explain & ST_EX_DUPLICATE, !=, 0);
    assert_quiet(server(&d, 8020 * MS, "250 2.0.0 Ok: queued\r\n221 2.0.0 Bye\r\n"));
    n = bare(&d, 8020 * MS, ST_SIDE_CLIENT, ST_TCP_RST);
    g_assert_cmpuint(n.findings, ==, ST_FIND_RST_AFTER_CLOSE);
    g_assert_cmpuint(n.closed.frame, ==, 9);
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
     * the glue adds addresses and report bookkeeping (64 bytes), and the
     * whole record must stay within 256 bytes.  What few sessions need (a
     * line cut across segments, TLS records, a sequence hole) comes from
     * the front end once, at most 200 bytes. */
    g_assert_cmpuint(sizeof(st_session), <=, 192);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/session/state-size", test_state_stays_small);
    g_test_add_func("/session/bdat-chunks", test_bdat_chunks);
    g_test_add_func("/session/client-bytes-without-a-command", test_client_bytes_without_a_command);
    g_test_add_func("/session/endings-that-are-not-timeouts", test_endings_that_are_not_timeouts);
    g_test_add_func("/session/capture-beginning-inside-a-silence", test_capture_beginning_inside_a_silence);
    g_test_add_func("/session/client-close-after-its-own-silence", test_client_close_after_its_own_silence);
    g_test_add_func("/session/resets-from-both-ends-at-time-zero", test_resets_from_both_ends_at_time_zero);
    g_test_add_func("/session/garbage", test_garbage_is_quiet);
    g_test_add_func("/session/body-the-server-never-heard", test_body_the_server_never_heard);
    g_test_add_func("/session/bytes-that-cross-a-close", test_bytes_that_cross_a_close);
    g_test_add_func("/session/reply-after-the-client-gave-up", test_reply_after_the_client_gave_up);
    return g_test_run();
}
