/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * The session logic driven directly, as the glue would drive it, without
 * libwireshark: whole stories (the article, clean sessions, TLS, servers
 * that stay silent) and the bounds of the record.
 */
#include "driver.h"

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
    g_assert_cmpstr(n.reply.status, ==, "4.4.2");
    g_assert_cmpuint(d.earlier[f354].findings, ==, ST_FIND_IDLE_START);
    g_assert_cmpuint(d.earlier[f354].begins.until_frame, ==, f421);

    assert_quiet(bare(&d, t354 + 59953891000LL, ST_SIDE_SERVER, ST_TCP_FIN));
    ffin = d.frame;
    assert_quiet(bare(&d, t354 + 59954043000LL, ST_SIDE_CLIENT, 0));
    n = body(&d, t354 + 90480894000LL, "Subject: late\r\n", false);
    g_assert_cmpuint(n.findings, ==, ST_FIND_DATA_AFTER_CLOSE);
    g_assert_cmpuint(n.late_bytes, ==, 15);
    g_assert_cmpuint(n.closed.frame, ==, ffin);
    g_assert_cmpuint(n.closed.reply_frame, ==, f421);
    g_assert_cmpint(n.client_stall_ns, ==, 90480894000LL);
    g_assert_cmpint(n.exceeded_by_ns, ==, 90480894000LL - 59953550000LL);
    g_assert_cmpint(n.closed.since_ns, ==, 90480894000LL - 59953891000LL);
    n = bare(&d, t354 + 90480922000LL, ST_SIDE_SERVER, ST_TCP_RST);
    g_assert_cmpuint(n.findings, ==, ST_FIND_RST_AFTER_CLOSE);
    g_assert_cmpuint(n.rst_from, ==, ST_SIDE_SERVER);
    g_assert_cmpint(n.closed.since_ns, ==, 90480922000LL - 59953891000LL);
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
        st_say_message(&n, ST_FIND_RST_AFTER_END, msg, sizeof(msg));
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
    st_say_message(&n, ST_FIND_RST_AFTER_END, msg, sizeof(msg));
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
    g_assert_cmpuint(n.closed.frame, ==, first_fin);
    g_assert_cmpuint(n.rst_from, ==, ST_SIDE_CLIENT);
}

static void test_keepalive_and_retransmission_are_not_activity(void)
{
    driver d;
    st_segment seg = { 0 };
    st_note n;

    driver_init(&d);
    open_transaction(&d, 0);
    /* a keep-alive: one old byte */
    seg.frame = ++d.frame;
    seg.ts_ns = 30 * S;
    seg.from = ST_SIDE_CLIENT;
    seg.seq = d.next_seq[0] - 1;
    seg.ack = d.next_seq[1];
    seg.len = 1;
    seg.tcp_flags = ST_TCP_ACK;
    seg.payload = (const uint8_t *)"\n";
    seg.captured = 1;
    assert_quiet(feed_segment(&d, &seg));
    /* a retransmitted 354 */
    seg.frame = ++d.frame;
    seg.from = ST_SIDE_SERVER;
    seg.seq = d.next_seq[1] - 14;
    seg.ack = d.next_seq[0];
    seg.len = 14;
    seg.payload = (const uint8_t *)"354 End data\r\n";
    seg.captured = 14;
    assert_quiet(feed_segment(&d, &seg));
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

/* Inside TLS without keys, the side that owes the next record is the one
 * that did not send the last: the server that closes 600 s after the
 * client's record owed it an answer, and closed no silent client. */
static void test_tls_session_close_is_no_silent_close(void)
{
    static const unsigned ehlo[] = { 23, 40 };
    driver d;
    st_note n;

    driver_init(&d);
    handshake(&d, 0);
    server(&d, 1 * MS, "220 mx\r\n");
    client(&d, 2 * MS, "STARTTLS\r\n");
    server(&d, 3 * MS, "220 go ahead\r\n");
    tls13_handshake(&d, 4 * MS);
    assert_quiet(records(&d, 7 * MS, ST_SIDE_CLIENT, ehlo, 1, 0));
    n = bare(&d, 600 * S, ST_SIDE_SERVER, ST_TCP_FIN);
    g_assert_cmpuint(n.findings, ==, ST_FIND_GAP);
    g_assert_cmpuint(n.silent_side, ==, ST_SIDE_SERVER);
    g_assert_true(n.has & ST_HAS_ENCRYPTED);
    g_assert_true(n.opaque);
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

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
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
    return g_test_run();
}
