/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * TLS as the core sees it without keys (records only) and with them (the
 * front end's decrypted bytes): the handshake's stages, the encrypted
 * close, clean shutdowns, session tickets, Exim's clear text inside TLS,
 * implicit TLS, broken records.
 */
#include "driver.h"

static const unsigned ehlo[] = { 23, 48 }, ehlo_reply[] = { 23, 174 }, envelope[] = { 23, 117 };
static const unsigned replies[] = { 23, 80 }, notify[] = { 23, 19 };
static const unsigned body_rec[] = { 23, 1041 }, quit[] = { 23, 23 }, bye[] = { 23, 32 };

/* Up to the 354 of a transaction inside TLS 1.3, without keys. */
static void to_354(driver *d)
{
    greet(d, "250-mx.example.net ESMTP Postfix\r\n250 STARTTLS\r\n");
    client(d, 4 * MS, "STARTTLS\r\n");
    server(d, 5 * MS, "220 2.0.0 Ready to start TLS\r\n");
    tls13_handshake(d, 6 * MS);
    assert_quiet(records(d, 9 * MS, ST_SIDE_CLIENT, ehlo, 1, 0));
    assert_quiet(records(d, 10 * MS, ST_SIDE_SERVER, ehlo_reply, 1, 0));
    assert_quiet(records(d, 11 * MS, ST_SIDE_CLIENT, envelope, 1, 0));
    assert_quiet(records(d, 12 * MS, ST_SIDE_SERVER, replies, 1, 0));
}

static void test_encrypted_close(void)
{
    static const unsigned ending[] = { 23, 73, 23, 19 };
    driver d;
    st_note n;
    char msg[256];

    driver_init(&d);
    to_354(&d);
    n = records(&d, 300 * S + 12 * MS, ST_SIDE_SERVER, ending, 2, 0);
    g_assert_cmpuint(n.findings, ==, ST_FIND_GAP);
    g_assert_cmpuint(n.silent_side, ==, ST_SIDE_CLIENT);
    g_assert_false(n.has & ST_HAS_AFTER); /* without keys the command is not known */
    st_say_message(&n, ST_FIND_GAP, msg, sizeof(msg));
    g_assert_cmpstr(msg, ==, "Client silent for 300.000 s inside TLS, since frame 14");
    n = bare(&d, 300 * S + 13 * MS, ST_SIDE_SERVER, ST_TCP_FIN);
    g_assert_cmpuint(n.findings, ==, ST_FIND_ENCRYPTED_CLOSE);
    g_assert_cmpuint(n.records, ==, 2);
    g_assert_cmpuint(n.record_sizes[0], ==, 73);
    g_assert_cmpuint(n.record_sizes[1], ==, 19);
    g_assert_cmpint(n.server_timeout_ns, ==, 300 * S);
    g_assert_cmpuint(n.gave_up, ==, ST_GAVE_UP_SERVER);
    g_assert_cmpuint(n.cause, ==, ST_CAUSE_CLIENT_IDLE);
    g_assert_true(n.has & ST_HAS_ENCRYPTED && n.opaque);
    st_say_message(&n, ST_FIND_ENCRYPTED_CLOSE, msg, sizeof(msg));
    g_assert_cmpstr(msg, ==, "Server sent 2 TLS records (73 and 19 bytes) after 300.000 s of client silence, then "
                             "closed: it gave up on the encrypted session");
    /* the client's body, 30 s later, and the server's reset */
    n = records(&d, 330 * S + 12 * MS, ST_SIDE_CLIENT, body_rec, 1, 0);
    g_assert_cmpuint(n.findings, ==, ST_FIND_DATA_AFTER_CLOSE);
    g_assert_cmpint(n.client_stall_ns, ==, 330 * S);
    g_assert_cmpint(n.exceeded_by_ns, ==, 30 * S);
    g_assert_false(n.has & ST_HAS_AFTER);
    g_assert_cmpuint(bare(&d, 330 * S + 13 * MS, ST_SIDE_SERVER, ST_TCP_RST).findings, ==, ST_FIND_RST_AFTER_CLOSE);
}

/* QUIT, 221 and close_notify in each order, FINs and resets: normal ends. */
static void test_clean_shutdowns(void)
{
    driver d;
    st_note n;
    char msg[256];

    for (int order = 0; order < 3; order++) {
        driver_init(&d);
        to_354(&d);
        assert_quiet(records(&d, 13 * MS, ST_SIDE_CLIENT, body_rec, 1, 0));
        assert_quiet(records(&d, 14 * MS, ST_SIDE_SERVER, replies, 1, 0));
        assert_quiet(records(&d, 15 * MS, ST_SIDE_CLIENT, quit, 1, 0));
        assert_quiet(records(&d, 16 * MS, ST_SIDE_SERVER, bye, 1, 0));
        assert_quiet(records(&d, 17 * MS, ST_SIDE_SERVER, notify, 1, 0));
        if (order == 0) {
            /* the server closes first, the client's close_notify comes after */
            assert_quiet(bare(&d, 18 * MS, ST_SIDE_SERVER, ST_TCP_FIN));
            assert_quiet(records(&d, 19 * MS, ST_SIDE_CLIENT, notify, 1, 0));
            assert_quiet(bare(&d, 20 * MS, ST_SIDE_CLIENT, ST_TCP_FIN));
        } else if (order == 1) {
            /* the client resets after the server's close_notify */
            n = bare(&d, 18 * MS, ST_SIDE_CLIENT, ST_TCP_RST);
            g_assert_cmpuint(n.findings, ==, ST_FIND_RST_AFTER_END);
            st_say_message(&n, ST_FIND_RST_AFTER_END, msg, sizeof(msg));
            g_assert_cmpstr(msg, ==, "Client reset the connection after the TLS close_notify: a normal ending");
        } else {
            assert_quiet(records(&d, 18 * MS, ST_SIDE_CLIENT, notify, 1, 0));
            assert_quiet(bare(&d, 19 * MS, ST_SIDE_CLIENT, ST_TCP_FIN));
            assert_quiet(bare(&d, 20 * MS, ST_SIDE_SERVER, ST_TCP_FIN));
        }
        {
            st_summary sum;
            st_session_summary(&d.session, &sum);
            g_assert_cmpuint(sum.ending, ==, ST_END_OK);
            g_assert_true(sum.encrypted);
        }
    }
    /* no close_notify at all: the client's reset right after the 221 */
    driver_init(&d);
    to_354(&d);
    records(&d, 13 * MS, ST_SIDE_CLIENT, quit, 1, 0);
    records(&d, 14 * MS, ST_SIDE_SERVER, bye, 1, 0);
    n = bare(&d, 15 * MS, ST_SIDE_CLIENT, ST_TCP_RST);
    g_assert_cmpuint(n.findings, ==, ST_FIND_RST_AFTER_END);
    st_say_message(&n, ST_FIND_RST_AFTER_END, msg, sizeof(msg));
    g_assert_cmpstr(msg, ==, "Client reset the connection right after the server's last TLS record: a normal "
                             "ending, as far as the records tell");
}

/* TLS 1.3 session tickets right after the handshake answer nothing: the
 * client still owes its EHLO. */
static void test_tickets_are_no_reply(void)
{
    static const unsigned ticket[] = { 23, 250 };
    driver d;
    st_note n;

    driver_init(&d);
    greet(&d, "250-mx\r\n250 STARTTLS\r\n");
    client(&d, 4 * MS, "STARTTLS\r\n");
    server(&d, 5 * MS, "220 2.0.0 Ready to start TLS\r\n");
    tls13_handshake(&d, 6 * MS);
    assert_quiet(records(&d, 9 * MS, ST_SIDE_SERVER, ticket, 1, 0));
    n = records(&d, 20 * S, ST_SIDE_CLIENT, ehlo, 1, 0);
    g_assert_cmpuint(n.findings, ==, ST_FIND_GAP);
    g_assert_cmpuint(n.silent_side, ==, ST_SIDE_CLIENT);
}

/* Exim answers its timeout in clear text inside TLS: a reply all the same. */
static void test_clear_reply_inside_tls(void)
{
    driver d;
    st_note n;
    char msg[256];

    driver_init(&d);
    to_354(&d);
    n = server(&d, 3 * S + 12 * MS, "421 mx.example.net SMTP incoming data timeout - closing connection.\r\n");
    g_assert_cmpuint(n.findings, ==, ST_FIND_REPLY);
    g_assert_cmpuint(n.reply.cls, ==, ST_CLASS_TIMEOUT);
    g_assert_true(n.has & ST_HAS_SERVER_TIMEOUT);
    st_say_message(&n, ST_FIND_REPLY, msg, sizeof(msg));
    g_assert_cmpstr(msg, ==, "421 inside TLS: server gave up after 3.000 s of client silence");
}

/* The server closes during the handshake: who owed the next flight. */
static void test_handshake_closes(void)
{
    static const unsigned hello[] = { 22, 512 };
    driver d;
    st_note n;
    char msg[256];

    /* the ClientHello never answered */
    driver_init(&d);
    greet(&d, "250-mx\r\n250 STARTTLS\r\n");
    client(&d, 4 * MS, "STARTTLS\r\n");
    server(&d, 5 * MS, "220 2.0.0 Ready to start TLS\r\n");
    records(&d, 6 * MS, ST_SIDE_CLIENT, hello, 1, 1);
    n = bare(&d, 4 * S + 6 * MS, ST_SIDE_SERVER, ST_TCP_FIN);
    g_assert_cmpuint(n.findings, ==, ST_FIND_SILENT_CLOSE);
    g_assert_cmpuint(n.silent_side, ==, ST_SIDE_SERVER);
    g_assert_cmpuint(n.tls_stage, ==, ST_TLS_SERVER_HELLO);
    g_assert_cmpuint(n.cause, ==, ST_CAUSE_TLS_STALL);
    st_say_message(&n, ST_FIND_SILENT_CLOSE, msg, sizeof(msg));
    g_assert_cmpstr(msg, ==, "Server closed the connection during the TLS handshake (server-hello) after STARTTLS, "
                             "4.000 s after the client's last record: its own flight never came");
    /* a client that gives up on a server flight that never came */
    driver_init(&d);
    greet(&d, "250-mx\r\n250 STARTTLS\r\n");
    client(&d, 4 * MS, "STARTTLS\r\n");
    server(&d, 5 * MS, "220 2.0.0 Ready to start TLS\r\n");
    records(&d, 6 * MS, ST_SIDE_CLIENT, hello, 1, 1);
    n = bare(&d, 20 * S + 6 * MS, ST_SIDE_CLIENT, ST_TCP_FIN);
    g_assert_cmpuint(n.findings, ==, ST_FIND_GAP | ST_FIND_CLIENT_GAVE_UP);
    g_assert_cmpuint(n.gave_up, ==, ST_GAVE_UP_CLIENT);
    g_assert_cmpuint(n.silent_side, ==, ST_SIDE_SERVER);
    g_assert_cmpuint(n.cause, ==, ST_CAUSE_TLS_STALL);
    st_say_message(&n, ST_FIND_CLIENT_GAVE_UP, msg, sizeof(msg));
    g_assert_cmpstr(msg, ==, "Client closed the connection after 20.000 s waiting for the server's TLS flight "
                             "(server-hello): it gave up");
}

/* TLS from the first byte: the client owes its ClientHello, the greeting
 * comes inside. */
static void test_implicit_tls(void)
{
    static const unsigned hello[] = { 22, 512 };
    static const unsigned flight[] = { 22, 122, 20, 1, 23, 23, 23, 807, 23, 281, 23, 69 };
    static const unsigned finished[] = { 20, 1, 23, 69 };
    static const unsigned greeting[] = { 23, 250, 23, 57 };
    driver d;
    st_note n;

    driver_init(&d);
    st_session_init_tls(&d.session);
    handshake(&d, 0);
    records(&d, 1 * MS, ST_SIDE_CLIENT, hello, 1, 1);
    records(&d, 2 * MS, ST_SIDE_SERVER, flight, 6, 2);
    records(&d, 3 * MS, ST_SIDE_CLIENT, finished, 2, 0);
    g_assert_cmpuint(st_session_phase(&d.session), ==, ST_PHASE_ENCRYPTED);
    n = records(&d, 15 * S, ST_SIDE_SERVER, greeting, 2, 0); /* ticket and 220 */
    g_assert_cmpuint(n.silent_side, ==, ST_SIDE_SERVER);
    n = records(&d, 40 * S, ST_SIDE_CLIENT, ehlo, 1, 0);
    g_assert_cmpuint(n.silent_side, ==, ST_SIDE_CLIENT);
}

/* With keys: the decrypted bytes restart the SMTP dialogue inside TLS. */
static void test_decrypted_dialogue(void)
{
    static const char r421[] = "421 4.4.2 mx Error: timeout exceeded\r\n";
    static const char r354[] = "354 End data with <CR><LF>.<CR><LF>\r\n";
    static const char data_cmd[] = "MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\n";
    static const char ok2[] = "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n";
    driver d;
    st_segment seg = { 0 };
    st_note n;

    driver_init(&d);
    greet(&d, "250-mx\r\n250 STARTTLS\r\n");
    client(&d, 4 * MS, "STARTTLS\r\n");
    server(&d, 5 * MS, "220 2.0.0 Ready to start TLS\r\n");
    tls13_handshake(&d, 6 * MS);
    const char *said[] = { "EHLO c\r\n", "250 mx\r\n", data_cmd, ok2, r354, r421 };
    const st_side from[] = { ST_SIDE_CLIENT, ST_SIDE_SERVER, ST_SIDE_CLIENT, ST_SIDE_SERVER, ST_SIDE_SERVER,
                             ST_SIDE_SERVER };
    const int64_t at[] = { 9 * MS, 10 * MS, 11 * MS, 12 * MS, 13 * MS, 60 * S + 13 * MS };
    for (unsigned i = 0; i < 6; i++) {
        static char buf[512];
        size_t len = strlen(said[i]);
        unsigned rec[] = { 23, (unsigned)len + 17 };
        size_t wire = tls_records(buf, sizeof(buf), rec, 1, 0);
        seg.frame = ++d.frame;
        seg.ts_ns = at[i];
        seg.from = from[i];
        seg.seq = d.next_seq[from[i] - 1];
        seg.ack = d.next_seq[from[i] == ST_SIDE_SERVER ? 0 : 1];
        seg.len = (uint32_t)wire;
        seg.tcp_flags = ST_TCP_ACK;
        seg.payload = (const uint8_t *)buf;
        seg.captured = (uint32_t)wire;
        seg.decrypted = (const uint8_t *)said[i];
        seg.decrypted_len = (uint32_t)len;
        d.next_seq[from[i] - 1] += (uint32_t)wire;
        n = feed_segment(&d, &seg);
    }
    g_assert_cmpuint(n.findings, ==, ST_FIND_GAP | ST_FIND_REPLY);
    g_assert_cmpuint(n.after, ==, ST_AFTER_DATA);
    g_assert_cmpuint(n.data_bytes, ==, 0);
    g_assert_true(n.has & ST_HAS_SERVER_TIMEOUT);
    g_assert_true(n.has & ST_HAS_ENCRYPTED);
    g_assert_false(n.opaque);
}

/* Bytes that are no records inside TLS: read as clear text, claim nothing. */
static void test_broken_records(void)
{
    driver d;

    driver_init(&d);
    greet(&d, "250-mx\r\n250 STARTTLS\r\n");
    client(&d, 4 * MS, "STARTTLS\r\n");
    server(&d, 5 * MS, "220 2.0.0 Ready to start TLS\r\n");
    assert_quiet(feed_bytes(&d, 6 * MS, ST_SIDE_CLIENT, "\x16\x03\x01\xff\xff", 5, 0)); /* too long a record */
    assert_quiet(feed_bytes(&d, 7 * MS, ST_SIDE_SERVER, "\x99\x98garbage\x00\x01", 11, 0));
    assert_quiet(feed_bytes(&d, 60 * S, ST_SIDE_SERVER, "\x17\x03\x03\x00\x05zzzzz", 10, 0));
    assert_quiet(bare(&d, 61 * S, ST_SIDE_SERVER, ST_TCP_FIN));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/tls/encrypted-close", test_encrypted_close);
    g_test_add_func("/tls/clean-shutdowns", test_clean_shutdowns);
    g_test_add_func("/tls/tickets", test_tickets_are_no_reply);
    g_test_add_func("/tls/clear-reply-inside", test_clear_reply_inside_tls);
    g_test_add_func("/tls/handshake-closes", test_handshake_closes);
    g_test_add_func("/tls/implicit", test_implicit_tls);
    g_test_add_func("/tls/decrypted", test_decrypted_dialogue);
    g_test_add_func("/tls/broken-records", test_broken_records);
    return g_test_run();
}
