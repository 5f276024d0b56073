/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <glib.h>
#include <string.h>

#include "core/note.h"
#include "core/sentences.h"

static void test_durations(void)
{
    char buf[32];

    st_format_duration(59953550000LL, buf, sizeof(buf));
    g_assert_cmpstr(buf, ==, "59.954 s");
    st_format_duration(0, buf, sizeof(buf));
    g_assert_cmpstr(buf, ==, "0.000 s");
    st_format_duration(499999, buf, sizeof(buf));
    g_assert_cmpstr(buf, ==, "0.000 s");
    st_format_duration(500000, buf, sizeof(buf));
    g_assert_cmpstr(buf, ==, "0.001 s");
    st_format_duration(-5, buf, sizeof(buf));
    g_assert_cmpstr(buf, ==, "0.000 s");
    st_format_duration(3600LL * 1000000000LL, buf, sizeof(buf));
    g_assert_cmpstr(buf, ==, "3600.000 s");
}

static void test_merge_keeps_both_findings(void)
{
    st_note a = { 0 }, b = { 0 };
    char msg[256];

    a.findings = ST_FIND_GAP;
    a.has = ST_HAS_IDLE;
    a.idle_ns = 12000000000LL;
    a.idle_start_frame = 7;
    a.silent_side = ST_SIDE_CLIENT;
    b.findings = ST_FIND_IDLE_START;
    b.begins.side = ST_SIDE_SERVER;
    b.begins.ns = 30000000000LL;
    b.begins.until_frame = 20;
    st_note_merge(&a, &b);
    g_assert_cmpuint(a.findings, ==, ST_FIND_GAP | ST_FIND_IDLE_START);
    st_say_message(&a, ST_FIND_GAP, msg, sizeof(msg));
    g_assert_cmpstr(msg, ==, "Client silent for 12.000 s, since frame 7");
    st_say_message(&a, ST_FIND_IDLE_START, msg, sizeof(msg));
    g_assert_cmpstr(msg, ==, "Idle interval starts here: the server stayed silent for 30.000 s, until frame 20");
}

static void test_reply_messages(void)
{
    st_note n = { 0 };
    char msg[256];

    n.findings = ST_FIND_REPLY;
    n.reply.code = 421;
    strcpy(n.reply.status, "4.7.0");
    n.has = ST_HAS_AFTER | ST_HAS_IDLE;
    n.after = ST_AFTER_RCPT;
    n.silent_side = ST_SIDE_SERVER;
    n.idle_ns = 10000000;
    st_say_message(&n, ST_FIND_REPLY, msg, sizeof(msg));
    g_assert_cmpstr(msg, ==, "421 4.7.0 in reply to RCPT: server ends the session, not a timeout");

    n.silent_side = ST_SIDE_NONE;
    n.has = ST_HAS_IDLE;
    n.reply.status[0] = '\0';
    st_say_message(&n, ST_FIND_REPLY, msg, sizeof(msg));
    g_assert_cmpstr(msg, ==, "421: server ends the session 0.010 s after the last payload");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/note/durations", test_durations);
    g_test_add_func("/note/merge", test_merge_keeps_both_findings);
    g_test_add_func("/note/reply-messages", test_reply_messages);
    return g_test_run();
}
