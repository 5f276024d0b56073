/* test_layers.c: each layer of the session machine on its own
 *
 * Without the dispatcher: the TCP layer holds bytes after a hole and
 * releases them; the lines layer carries a line across segments and says
 * when one is lost; the TLS layer follows a handshake by its records and
 * puts its stage back for a run never heard; the dialogue answers commands
 * with replies.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <glib.h>
#include <string.h>

#include "core/capture.h"
#include "core/endings.h"
#include "core/tcp.h"

static st_session_ext pool;

static void *one_ext(void *ctx, size_t size)
{
    (void)ctx;
    g_assert_cmpuint(size, ==, sizeof(pool));
    memset(&pool, 0, sizeof(pool));
    return &pool;
}

static void setup(st_session *s, st_config *cfg, bool with_ext)
{
    st_session_init(s);
    st_config_defaults(cfg, 10);
    cfg->alloc = with_ext ? one_ext : NULL;
}

static st_segment segment(st_side from, uint32_t seq, const char *text)
{
    st_segment seg;

    memset(&seg, 0, sizeof(seg));
    seg.from = from;
    seg.seq = seq;
    seg.tcp_flags = ST_TCP_ACK;
    seg.payload = (const uint8_t *)text;
    seg.len = seg.captured = (uint32_t)strlen(text);
    return seg;
}

/* A segment after a hole is held; the one that fills the hole releases it. */
static void test_tcp_hole_and_release(void)
{
    st_session s;
    st_config cfg;
    st_frame f;
    st_segment first = segment(ST_SIDE_CLIENT, 1000, "EHLO a\r\n"), later = segment(ST_SIDE_CLIENT, 1016, "QUIT\r\n");
    st_segment fill = segment(ST_SIDE_CLIENT, 1008, "NOOP\r\n\r\n");

    setup(&s, &cfg, true);
    memset(&f, 0, sizeof(f));
    tcp_track(&s, &cfg, &first, &f);
    g_assert_cmpuint(f.fresh, ==, 8);
    g_assert_true(f.run_began);
    memset(&f, 0, sizeof(f));
    tcp_track(&s, &cfg, &later, &f);
    g_assert_cmpuint(f.fresh, ==, 0);            /* held: 8 bytes missing before it */
    g_assert_cmpuint(s.silence.hole, ==, 8);
    memset(&f, 0, sizeof(f));
    tcp_track(&s, &cfg, &fill, &f);
    g_assert_cmpuint(f.fresh, ==, 8);
    g_assert_cmpuint(f.released, ==, 6);         /* the held "QUIT\r\n" comes in order */
    g_assert_false(f.released_lost);
    g_assert_cmpuint(s.dir[0].next_seq, ==, 1022);
}

/* A line cut across segments is carried; without room to keep it, lost. */
static void test_lines_carry_and_loss(void)
{
    st_session s;
    st_config cfg;
    st_text_line line;
    char buf[ST_LINE_MAX];
    size_t pos = 0;
    bool lost = false;
    const uint8_t a[] = "250-mx.exa", b[] = "mple.net\r\n";

    setup(&s, &cfg, true);
    g_assert_false(lines_next(&s, &cfg, ST_SIDE_SERVER, a, 10, &pos, false, buf, &line, &lost));
    g_assert_true(lines_carried(&s, ST_SIDE_SERVER));
    pos = 0;
    g_assert_true(lines_next(&s, &cfg, ST_SIDE_SERVER, b, 10, &pos, false, buf, &line, &lost));
    g_assert_cmpuint(line.len, ==, 18);
    g_assert_cmpint(memcmp(line.text, "250-mx.example.net", 18), ==, 0);
    g_assert_false(lost);

    setup(&s, &cfg, false);
    pos = 0;
    g_assert_false(lines_next(&s, &cfg, ST_SIDE_SERVER, a, 10, &pos, false, buf, &line, &lost));
    g_assert_true(lost);
    g_assert_cmpuint(s.unread_now, ==, 1u << ST_UNREAD_LINE_LOST);
}

/* A ClientHello makes the server owe its flight; a run never heard puts
 * the stage back. */
static void test_tls_stage_and_forgotten_run(void)
{
    static const uint8_t hello[] = { 0x16, 0x03, 0x01, 0x00, 0x04, 0x01, 0x00, 0x00, 0x00 };
    static const uint8_t server_hello[] = { 0x16, 0x03, 0x03, 0x00, 0x04, 0x02, 0x00, 0x00, 0x00 };
    st_session s;
    st_config cfg;
    st_segment seg;
    st_words w;
    size_t plain_at;

    setup(&s, &cfg, true);
    st_session_init_tls(&s);
    tls_begin(&s, &cfg);
    g_assert_cmpuint(tls_stage(&s), ==, ST_TLS_CLIENT_HELLO);
    g_assert_cmpuint(tls_expected(&s), ==, ST_SIDE_CLIENT);
    memset(&seg, 0, sizeof(seg));
    seg.from = ST_SIDE_CLIENT;
    memset(&w, 0, sizeof(w));
    tls_keep_stage(&s);
    tls_read_records(&s, &cfg, &seg, hello, sizeof(hello), &plain_at, &w);
    g_assert_cmpuint(tls_stage(&s), ==, ST_TLS_SERVER_HELLO);
    g_assert_cmpuint(tls_expected(&s), ==, ST_SIDE_SERVER);
    seg.from = ST_SIDE_SERVER;
    tls_keep_stage(&s);
    tls_read_records(&s, &cfg, &seg, server_hello, sizeof(server_hello), &plain_at, &w);
    g_assert_cmpuint(tls_stage(&s), !=, ST_TLS_SERVER_HELLO);
    tls_forget_run(&s); /* the server's flight was never heard: it still owes it */
    g_assert_cmpuint(tls_stage(&s), ==, ST_TLS_SERVER_HELLO);
    g_assert_false(tls_alerted(&s));
}

/* Replies answer commands, and move who owes the next word. */
static void test_dialogue_alone(void)
{
    st_session s;
    st_config cfg;
    st_segment seg;
    st_words w;
    st_note n;
    const char *greeting = "220 mx ESMTP Postfix\r\n", *ehlo = "EHLO c\r\n", *reply = "250 mx\r\n";

    setup(&s, &cfg, true);
    s.synced = true;
    s.phase = ST_PHASE_GREETING_OWED;
    memset(&seg, 0, sizeof(seg));
    memset(&w, 0, sizeof(w));
    st_note_clear(&n);
    g_assert_cmpuint(dlg_expected_speaker(&s), ==, ST_SIDE_SERVER);
    dlg_read_server(&s, &cfg, &seg, (const uint8_t *)greeting, strlen(greeting), false, &w, &n);
    g_assert_cmpuint(dlg_expected_speaker(&s), ==, ST_SIDE_CLIENT);
    g_assert_cmpuint(s.mta, ==, ST_MTA_POSTFIX);
    dlg_read_client(&s, &cfg, (const uint8_t *)ehlo, strlen(ehlo), false, NULL, &w);
    g_assert_cmpuint(w.commands, ==, 1);
    g_assert_cmpuint(dlg_expected_speaker(&s), ==, ST_SIDE_SERVER);
    g_assert_cmpuint(dlg_waiting_after(&s, ST_SIDE_SERVER), ==, ST_AFTER_EHLO);
    dlg_read_server(&s, &cfg, &seg, (const uint8_t *)reply, strlen(reply), false, &w, &n);
    g_assert_cmpuint(st_session_phase(&s), ==, ST_PHASE_COMMAND_OWED);
    g_assert_cmpuint(n.findings, ==, 0);
    g_assert_false(end_server_closed(&s));
}

/* One writer of the ending, by its table: the server's own ending stands
 * over a client's giving up; a client's giving up ends only an open one. */
static void test_endings_table(void)
{
    st_session s;

    st_session_init(&s);
    state_end(&s, ST_END_CLIENT_GAVE_UP);
    g_assert_cmpuint(s.ending, ==, ST_END_CLIENT_GAVE_UP);
    state_end(&s, ST_END_REPLY);
    g_assert_cmpuint(s.ending, ==, ST_END_REPLY);
    state_end(&s, ST_END_CLIENT_GAVE_UP);
    g_assert_cmpuint(s.ending, ==, ST_END_REPLY);
    state_end(&s, ST_END_MIDDLEBOX);
    g_assert_cmpuint(s.ending, ==, ST_END_MIDDLEBOX);
    state_end(&s, ST_END_COUNT);
    g_assert_cmpuint(s.ending, ==, ST_END_MIDDLEBOX);
    s.silence.since_ts = 5;
    s.silence.since_frame = 7;
    state_server_timed_out(&s, 300);
    g_assert_cmpint(s.timeout_ns, ==, 300);
    g_assert_cmpint(s.timeout_start_ts, ==, 5);
    g_assert_cmpuint(s.timeout_start_frame, ==, 7);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/layers/tcp_hole_and_release", test_tcp_hole_and_release);
    g_test_add_func("/layers/lines_carry_and_loss", test_lines_carry_and_loss);
    g_test_add_func("/layers/tls_stage_and_forgotten_run", test_tls_stage_and_forgotten_run);
    g_test_add_func("/layers/dialogue_alone", test_dialogue_alone);
    g_test_add_func("/layers/endings_table", test_endings_table);
    return g_test_run();
}
