/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * The session machine's phases, one transition at a time: who owes the
 * next word after each frame of a session.
 */
#include "driver.h"
#include "core/dialogue.h"

static st_phase phase(const driver *d)
{
    return st_session_phase(&d->session);
}

#define assert_phase(d, expected) g_assert_cmpuint(phase(d), ==, (expected))

/* Who owes the next word (the machine's own view, from its internal
 * header). */
static st_side st_expected_side(const driver *d)
{
    return dlg_expected_speaker(&d->session);
}

/* A clean session: greeting, pipelined envelope, body, BDAT, QUIT. */
static void test_plain_dialogue(void)
{
    driver d;

    driver_init(&d);
    assert_phase(&d, ST_PHASE_UNSYNCED);
    handshake(&d, 0);
    assert_phase(&d, ST_PHASE_GREETING_OWED);
    server(&d, 1 * MS, "220 mx ESMTP\r\n");
    assert_phase(&d, ST_PHASE_COMMAND_OWED);
    client(&d, 2 * MS, "EHLO c\r\n");
    assert_phase(&d, ST_PHASE_REPLY_OWED);
    server(&d, 3 * MS, "250-mx\r\n250 PIPELINING\r\n");
    assert_phase(&d, ST_PHASE_COMMAND_OWED);
    client(&d, 4 * MS, "MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\n");
    assert_phase(&d, ST_PHASE_REPLY_OWED);
    server(&d, 5 * MS, "250 Ok\r\n250 Ok\r\n");
    assert_phase(&d, ST_PHASE_REPLY_OWED); /* DATA is still owed its reply */
    server(&d, 6 * MS, "354 go ahead\r\n");
    assert_phase(&d, ST_PHASE_IN_BODY);
    body(&d, 7 * MS, "Subject: x\r\n\r\n", false);
    assert_phase(&d, ST_PHASE_IN_BODY);
    body(&d, 8 * MS, "hi\r\n.\r\n", true);
    assert_phase(&d, ST_PHASE_REPLY_OWED);
    server(&d, 9 * MS, "250 queued\r\n");
    assert_phase(&d, ST_PHASE_COMMAND_OWED);
    client(&d, 10 * MS, "MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nBDAT 6 LAST\r\n");
    assert_phase(&d, ST_PHASE_IN_BDAT);
    body(&d, 11 * MS, "abc", false);
    assert_phase(&d, ST_PHASE_IN_BDAT);
    body(&d, 12 * MS, "def", false);
    assert_phase(&d, ST_PHASE_REPLY_OWED);
    server(&d, 13 * MS, "250 Ok\r\n250 Ok\r\n250 queued\r\n");
    assert_phase(&d, ST_PHASE_COMMAND_OWED);
    client(&d, 14 * MS, "QUIT\r\n");
    assert_phase(&d, ST_PHASE_REPLY_OWED);
    server(&d, 15 * MS, "221 bye\r\n");
    assert_phase(&d, ST_PHASE_CLOSING);
    bare(&d, 16 * MS, ST_SIDE_SERVER, ST_TCP_FIN);
    assert_phase(&d, ST_PHASE_CLOSING);
    bare(&d, 17 * MS, ST_SIDE_CLIENT, ST_TCP_FIN);
    assert_phase(&d, ST_PHASE_CLOSED);
}

/* STARTTLS answered by 220 opens the handshake, whose stages the records
 * move; the client's Finished ends it.  A refused STARTTLS changes nothing. */
static void test_starttls(void)
{
    static const unsigned hello[] = { 22, 512 };
    static const unsigned flight[] = { 22, 122, 20, 1, 23, 23, 23, 807, 23, 281, 23, 69 };
    static const unsigned finished[] = { 20, 1, 23, 69 };
    driver d;

    driver_init(&d);
    greet(&d, "250-mx\r\n250 STARTTLS\r\n");
    client(&d, 4 * MS, "STARTTLS\r\n");
    server(&d, 5 * MS, "454 4.7.0 TLS not available due to local problem\r\n");
    assert_phase(&d, ST_PHASE_COMMAND_OWED);
    client(&d, 6 * MS, "STARTTLS\r\n");
    server(&d, 7 * MS, "220 2.0.0 Ready to start TLS\r\n");
    assert_phase(&d, ST_PHASE_TLS_HANDSHAKE);
    g_assert_cmpuint(st_expected_side(&d), ==, ST_SIDE_CLIENT);
    records(&d, 8 * MS, ST_SIDE_CLIENT, hello, 1, 1);
    assert_phase(&d, ST_PHASE_TLS_HANDSHAKE);
    g_assert_cmpuint(st_expected_side(&d), ==, ST_SIDE_SERVER);
    records(&d, 9 * MS, ST_SIDE_SERVER, flight, 6, 2);
    g_assert_cmpuint(st_expected_side(&d), ==, ST_SIDE_CLIENT);
    records(&d, 10 * MS, ST_SIDE_CLIENT, finished, 2, 0);
    assert_phase(&d, ST_PHASE_ENCRYPTED);
    g_assert_cmpuint(st_expected_side(&d), ==, ST_SIDE_CLIENT); /* its EHLO, inside */
}

/* TLS 1.2: the server's flight ends with ServerHelloDone; the client's
 * ChangeCipherSpec leaves the server's own owed. */
static void test_tls12_stages(void)
{
    static const unsigned hello[] = { 22, 157 };
    static const unsigned flight[] = { 22, 65, 22, 787, 22, 300 };
    static const unsigned done[] = { 22, 4 };
    static const unsigned kex[] = { 22, 37, 20, 1, 22, 40 };
    static const unsigned server_fin[] = { 22, 186, 20, 1, 22, 40 };
    driver d;

    driver_init(&d);
    greet(&d, "250-mx\r\n250 STARTTLS\r\n");
    client(&d, 4 * MS, "STARTTLS\r\n");
    server(&d, 5 * MS, "220 2.0.0 Ready to start TLS\r\n");
    records(&d, 6 * MS, ST_SIDE_CLIENT, hello, 1, 1);
    records(&d, 7 * MS, ST_SIDE_SERVER, flight, 3, 2);
    g_assert_cmpuint(st_expected_side(&d), ==, ST_SIDE_SERVER); /* no ServerHelloDone yet */
    records(&d, 8 * MS, ST_SIDE_SERVER, done, 1, 14);
    g_assert_cmpuint(st_expected_side(&d), ==, ST_SIDE_CLIENT);
    records(&d, 9 * MS, ST_SIDE_CLIENT, kex, 3, 16);
    g_assert_cmpuint(st_expected_side(&d), ==, ST_SIDE_SERVER);
    records(&d, 10 * MS, ST_SIDE_SERVER, server_fin, 3, 4);
    assert_phase(&d, ST_PHASE_ENCRYPTED);
}

/* Bytes that are no SMTP, a cut frame: the phase is kept but not trusted
 * until the next reply that can be read. */
static void test_losing_and_finding_sync(void)
{
    driver d;

    driver_init(&d);
    greet(&d, "250 mx\r\n");
    client(&d, 4 * MS, "MAIL FROM:<a@b>\r\n");
    feed(&d, 5 * MS, ST_SIDE_SERVER, "\x01\x02 noise\r\n", 0, false, false);
    assert_phase(&d, ST_PHASE_UNSYNCED);
    server(&d, 6 * MS, "250 Ok\r\n");
    assert_phase(&d, ST_PHASE_COMMAND_OWED);
    client(&d, 7 * MS, "RCPT TO:<c@d>\r\n");
    feed(&d, 8 * MS, ST_SIDE_CLIENT, "half a comm", 0, false, false);
    assert_phase(&d, ST_PHASE_REPLY_OWED); /* bytes while a reply is owed are no loss of sync */

    /* A command cut across segments: the phase waits for its end. */
    driver_init(&d);
    greet(&d, "250 mx\r\n");
    feed(&d, 4 * MS, ST_SIDE_CLIENT, "MAIL FR", 0, false, false);
    assert_phase(&d, ST_PHASE_COMMAND_OWED);
    client(&d, 5 * MS, "OM:<a@b>\r\n");
    assert_phase(&d, ST_PHASE_REPLY_OWED);
    server(&d, 6 * MS, "250 Ok\r\n");
    assert_phase(&d, ST_PHASE_COMMAND_OWED);

    /* A frame the capture cut: what it held is not known. */
    driver_init(&d);
    greet(&d, "250 mx\r\n");
    {
        st_segment seg = { 0 };
        seg.frame = ++d.frame;
        seg.ts_ns = 4 * MS;
        seg.from = ST_SIDE_CLIENT;
        seg.seq = d.next_seq[0];
        seg.ack = d.next_seq[1];
        seg.len = 40;
        seg.tcp_flags = ST_TCP_ACK;
        seg.payload = (const uint8_t *)"MAIL FROM:<a@b>\r\nRC";
        seg.captured = 20;
        d.next_seq[0] += 40;
        feed_segment(&d, &seg);
    }
    assert_phase(&d, ST_PHASE_UNSYNCED);
    server(&d, 6 * MS, "250 Ok\r\n250 Ok\r\n");
    assert_phase(&d, ST_PHASE_COMMAND_OWED);
}

/* A capture that begins mid-session: the first reply tells the phase,
 * answering the newest commands. */
static void test_mid_session_start(void)
{
    driver d;

    driver_init(&d);
    client(&d, 0, "RCPT TO:<a@b>\r\nDATA\r\n");
    assert_phase(&d, ST_PHASE_UNSYNCED);
    server(&d, 1 * MS, "354 go ahead\r\n");
    assert_phase(&d, ST_PHASE_IN_BODY);
    g_assert_cmpuint(d.session.after, ==, ST_AFTER_DATA);
}

/* The greeting's phase ends with any reply, even one that ends the
 * session; a silent server keeps it. */
static void test_greeting(void)
{
    driver d;
    st_note n;

    driver_init(&d);
    handshake(&d, 0);
    n = server(&d, 1 * MS, "421 4.3.2 All server ports are busy\r\n");
    g_assert_cmpuint(n.silent_side, ==, ST_SIDE_SERVER);
    g_assert_cmpuint(n.after, ==, ST_AFTER_CONNECT);
    assert_phase(&d, ST_PHASE_COMMAND_OWED);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/phase/plain-dialogue", test_plain_dialogue);
    g_test_add_func("/phase/starttls", test_starttls);
    g_test_add_func("/phase/tls12", test_tls12_stages);
    g_test_add_func("/phase/sync", test_losing_and_finding_sync);
    g_test_add_func("/phase/mid-session", test_mid_session_start);
    g_test_add_func("/phase/greeting", test_greeting);
    return g_test_run();
}
