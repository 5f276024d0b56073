/* test_capture.c: the capture engine on its own, frames in, rows out
 *
 * Each rule about a capture's sessions, without a front end: which end is
 * the server, attempts that become sessions, are refused or never
 * answered, port reuse, retirement, learnt ports, the clock.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <glib.h>
#include <string.h>

#include "core/capture.h"

#define S 1000000000LL

static const uint8_t client_ip[4] = { 192, 0, 2, 10 }, server_ip[4] = { 198, 51, 100, 25 };

typedef struct {
    st_capture *c;
    uint32_t    frame;
    st_note     here, earlier;
    uint32_t    earlier_frame;
} engine;

/* One frame from the client (to_server) or the server, with flags and text. */
static bool frame(engine *e, int64_t ts, bool to_server, uint16_t client_port, uint16_t server_port, uint8_t flags,
                  uint32_t seq, uint32_t ack, const char *text)
{
    st_tcp_frame f;

    memset(&f, 0, sizeof(f));
    f.frame = ++e->frame;
    f.ts_ns = ts;
    f.addr_len = 4;
    f.src = to_server ? client_ip : server_ip;
    f.dst = to_server ? server_ip : client_ip;
    f.src_port = to_server ? client_port : server_port;
    f.dst_port = to_server ? server_port : client_port;
    f.tcp.seq = seq;
    f.tcp.ack = ack;
    f.tcp.tcp_flags = flags;
    f.tcp.window = 1000;
    f.tcp.payload = (const uint8_t *)text;
    f.tcp.len = f.tcp.captured = text != NULL ? (uint32_t)strlen(text) : 0;
    return st_capture_tcp(e->c, &f, &e->here, &e->earlier, &e->earlier_frame);
}

static engine *engine_new(void)
{
    engine *e = g_new0(engine, 1);
    st_capture_options o;

    st_capture_options_init(&o);
    st_capture_options_standard_ports(&o);
    e->c = st_capture_new(&o);
    return e;
}

static void engine_free(engine *e)
{
    st_capture_free(e->c);
    g_free(e);
}

static void collect_row(const st_row *row, void *out)
{
    g_ptr_array_add((GPtrArray *)out, g_strdup_printf("%s %s %s %s %s", row->cell[ST_COL_SESSION],
                                                      row->cell[ST_COL_CLIENT], row->cell[ST_COL_SERVER],
                                                      row->cell[ST_COL_ENDING], row->cell[ST_COL_FINDINGS]));
}

static char *rows(engine *e)
{
    GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
    char *joined;

    (void)st_capture_rows(e->c, collect_row, out);
    g_ptr_array_add(out, NULL);
    joined = g_strjoinv("\n", (char **)out->pdata);
    g_ptr_array_free(out, TRUE);
    return joined;
}

static void collect_attempt(const st_attempts_row *a, void *out)
{
    g_string_append_printf((GString *)out, "%s %u %u %u %u;", a->server, a->first_frame, a->unanswered, a->refused,
                           a->syns);
}

static char *attempts(engine *e)
{
    GString *out = g_string_new(NULL);

    (void)st_capture_attempts(e->c, collect_attempt, out);
    return g_string_free(out, FALSE);
}

/* A whole session: SYN, SYN-ACK, ACK, 220, QUIT, 221, FINs.  The SYN is
 * in a session only when it reuses the ports of one. */
static void whole_session(engine *e, int64_t t, uint16_t port, bool reused)
{
    g_assert_cmpint(frame(e, t, true, port, 25, ST_TCP_SYN, 100, 0, NULL), ==, reused);
    g_assert_true(frame(e, t + 1, false, port, 25, ST_TCP_SYN | ST_TCP_ACK, 500, 101, NULL));
    g_assert_true(frame(e, t + 2, true, port, 25, ST_TCP_ACK, 101, 501, NULL));
    g_assert_true(frame(e, t + 3, false, port, 25, ST_TCP_ACK, 501, 101, "220 mx ESMTP\r\n"));
    g_assert_true(frame(e, t + 4, true, port, 25, ST_TCP_ACK, 101, 515, "QUIT\r\n"));
    g_assert_true(frame(e, t + 5, false, port, 25, ST_TCP_ACK, 515, 107, "221 Bye\r\n"));
    g_assert_true(frame(e, t + 6, false, port, 25, ST_TCP_ACK | ST_TCP_FIN, 524, 107, NULL));
    g_assert_true(frame(e, t + 7, true, port, 25, ST_TCP_ACK | ST_TCP_FIN, 107, 525, NULL));
}

/* A bare SYN is an attempt; the SYN-ACK makes it a session whose first
 * frame is the SYN. */
static void test_attempt_becomes_session(void)
{
    engine *e = engine_new();
    char *r;

    whole_session(e, 0, 40000, false);
    r = rows(e);
    g_assert_cmpstr(r, ==, "1 192.0.2.10:40000 198.51.100.25:25 ok 0");
    g_free(r);
    r = attempts(e);
    g_assert_cmpstr(r, ==, "");
    g_free(r);
    engine_free(e);
}

/* SYNs sent again and never answered, and one refused: no session, counted. */
static void test_unanswered_and_refused(void)
{
    engine *e = engine_new();
    char *r;

    g_assert_false(frame(e, 0, true, 40001, 25, ST_TCP_SYN, 100, 0, NULL));
    g_assert_false(frame(e, 1 * S, true, 40001, 25, ST_TCP_SYN, 100, 0, NULL));
    g_assert_false(frame(e, 2 * S, true, 40002, 25, ST_TCP_SYN, 100, 0, NULL));
    g_assert_false(frame(e, 2 * S + 1, false, 40002, 25, ST_TCP_RST | ST_TCP_ACK, 0, 101, NULL));
    r = rows(e);
    g_assert_cmpstr(r, ==, "");
    g_free(r);
    r = attempts(e);
    g_assert_cmpstr(r, ==, "198.51.100.25:25 1 1 1 3;");
    g_free(r);
    /* 180 s later the pending one has aged: still counted once. */
    g_assert_false(frame(e, 300 * S, true, 40003, 25, ST_TCP_SYN, 100, 0, NULL));
    r = attempts(e);
    g_assert_cmpstr(r, ==, "198.51.100.25:25 1 2 1 4;");
    g_free(r);
    engine_free(e);
}

/* Two connections on one pair of ports: two rows; and a session that
 * ended is retired after 60 s of capture time, its row kept. */
static void test_reuse_and_retirement(void)
{
    engine *e = engine_new();
    st_capture_counts n;
    char *r;

    whole_session(e, 0, 40010, false);
    whole_session(e, 10 * S, 40010, true);
    st_capture_counts_get(e->c, &n);
    g_assert_cmpuint(n.sessions, ==, 2);
    g_assert_cmpuint(n.open, ==, 1);
    whole_session(e, 100 * S, 40011, false);
    st_capture_counts_get(e->c, &n);
    g_assert_cmpuint(n.sessions, ==, 3);
    g_assert_cmpuint(n.open, ==, 1); /* the second one retired 60 s after its last frame */
    r = rows(e);
    g_assert_cmpstr(r, ==, "1 192.0.2.10:40010 198.51.100.25:25 ok 0\n"
                           "9 192.0.2.10:40010 198.51.100.25:25 ok 0\n"
                           "17 192.0.2.10:40011 198.51.100.25:25 ok 0");
    g_free(r);
    engine_free(e);
}

/* A client's segment to port 25 that begins with a reply's shape: the
 * registered port says who is the server. */
static void test_registered_port_outranks_shape(void)
{
    engine *e = engine_new();
    char *r;

    g_assert_true(frame(e, 0, true, 51000, 25, ST_TCP_ACK, 100, 500, "421 4.4.2 mx Error: timeout exceeded\r\n"));
    g_assert_cmpuint(e->here.findings, ==, 0);
    r = rows(e);
    g_assert_cmpstr(r, ==, "1 192.0.2.10:51000 198.51.100.25:25 open 0");
    g_free(r);
    /* Nothing was learnt: a frame between two unknown ports is not wanted. */
    g_assert_false(st_capture_wants(e->c, 51000, 40000));
    engine_free(e);
}

/* A session that starts with a reply on another port: its port is learnt
 * only once a command was answered. */
static void test_port_learnt_from_a_dialogue(void)
{
    engine *e = engine_new();

    g_assert_true(frame(e, 0, false, 40020, 2525, ST_TCP_ACK, 500, 100, "220 mx ESMTP\r\n"));
    g_assert_false(st_capture_wants(e->c, 40021, 2525));
    g_assert_true(frame(e, 1, true, 40020, 2525, ST_TCP_ACK, 100, 514, "EHLO c\r\n"));
    g_assert_false(st_capture_wants(e->c, 40021, 2525));
    g_assert_true(frame(e, 2, false, 40020, 2525, ST_TCP_ACK, 514, 108, "250 mx\r\n"));
    g_assert_true(st_capture_wants(e->c, 40021, 2525));
    engine_free(e);
}

/* A clock that jumps ten years ahead is counted, and measures nothing. */
static void test_clock_jump(void)
{
    engine *e = engine_new();
    st_capture_counts n;
    int64_t t = 1700000000 * S, later = t + 10 * 365 * 86400 * S;

    g_assert_false(frame(e, t, true, 40030, 25, ST_TCP_SYN, 100, 0, NULL));
    g_assert_true(frame(e, t + 1, false, 40030, 25, ST_TCP_SYN | ST_TCP_ACK, 500, 101, NULL));
    g_assert_true(frame(e, t + 2, false, 40030, 25, ST_TCP_ACK, 501, 101, "220 mx ESMTP Postfix\r\n"));
    g_assert_true(frame(e, later, false, 40030, 25, ST_TCP_ACK, 523, 101,
                        "421 4.4.2 mx Error: timeout exceeded\r\n"));
    g_assert_cmpuint(e->here.findings, ==, ST_FIND_REPLY | ST_FIND_UNREAD);
    g_assert_cmpuint(e->here.unread, ==, 1u << ST_UNREAD_CLOCK);
    g_assert_cmpuint(e->here.has & (ST_HAS_IDLE | ST_HAS_SERVER_TIMEOUT), ==, 0);
    st_capture_counts_get(e->c, &n);
    g_assert_cmpuint(n.clock_jumps, ==, 1);
    engine_free(e);
}

static void collect_unread(const st_row *row, void *out)
{
    g_string_append_printf((GString *)out, "%s %s;", row->cell[ST_COL_SESSION], row->cell[ST_COL_UNREAD]);
}

/* Server bytes that are no SMTP reply: said once, at the lowest severity,
 * counted in the row. */
static void test_unread_said_once(void)
{
    engine *e = engine_new();
    GString *unread = g_string_new(NULL);

    g_assert_true(frame(e, 0, false, 40040, 25, ST_TCP_ACK, 500, 100, "220 mx ESMTP\r\n"));
    g_assert_true(frame(e, 1, false, 40040, 25, ST_TCP_ACK, 514, 100, "\x01\x02 binary noise\r\n"));
    g_assert_cmpuint(e->here.findings, ==, ST_FIND_UNREAD);
    g_assert_cmpuint(e->here.unread, ==, 1u << ST_UNREAD_NOT_SMTP);
    g_assert_true(frame(e, 2, false, 40040, 25, ST_TCP_ACK, 534, 100, "\x03 more noise\r\n"));
    g_assert_cmpuint(e->here.findings, ==, 0);
    (void)st_capture_rows(e->c, collect_unread, unread);
    g_assert_cmpstr(unread->str, ==, "1 1;");
    g_string_free(unread, TRUE);
    engine_free(e);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/capture/attempt_becomes_session", test_attempt_becomes_session);
    g_test_add_func("/capture/unanswered_and_refused", test_unanswered_and_refused);
    g_test_add_func("/capture/reuse_and_retirement", test_reuse_and_retirement);
    g_test_add_func("/capture/registered_port_outranks_shape", test_registered_port_outranks_shape);
    g_test_add_func("/capture/port_learnt_from_a_dialogue", test_port_learnt_from_a_dialogue);
    g_test_add_func("/capture/clock_jump", test_clock_jump);
    g_test_add_func("/capture/unread_said_once", test_unread_said_once);
    return g_test_run();
}
