/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <glib.h>
#include <string.h>

#include "core/reply_class.h"
#include "core/smtp_line.h"

static st_reply parse(const char *line)
{
    st_reply r;
    g_assert_true(st_reply_parse(line, strlen(line), &r));
    return r;
}

static char *text_of(const st_reply *r)
{
    return g_strndup(r->text, r->text_len);
}

static void test_postfix_timeout(void)
{
    st_reply r = parse("421 4.4.2 mx.example.net Error: timeout exceeded\r\n");
    g_autofree char *text = text_of(&r);

    g_assert_cmpuint(r.code, ==, 421);
    g_assert_cmpstr(r.status, ==, "4.4.2");
    g_assert_cmpstr(text, ==, "mx.example.net Error: timeout exceeded");
    g_assert_true(st_reply_ends_session(&r, true));
    g_assert_true(st_reply_ends_session(&r, false));
}

static void test_exim_has_no_status(void)
{
    st_reply r = parse("421 mx.example.com: SMTP command timeout - closing connection");
    g_autofree char *text = text_of(&r);

    g_assert_cmpstr(r.status, ==, "");
    g_assert_cmpstr(text, ==, "mx.example.com: SMTP command timeout - closing connection");
}

static void test_qmail_status_in_text(void)
{
    st_reply r = parse("451 timeout (#4.4.2)\r\n");
    g_autofree char *text = text_of(&r);

    g_assert_cmpuint(r.code, ==, 451);
    g_assert_cmpstr(r.status, ==, "4.4.2");
    g_assert_cmpstr(text, ==, "timeout (#4.4.2)");
    g_assert_true(st_reply_ends_session(&r, true));
}

static void test_other_4xx(void)
{
    st_reply busy = parse("450 4.2.0 <a@b>: Recipient address rejected: Greylisted");
    st_reply ses = parse("421 Timeout waiting for data from client.");
    st_reply filter = parse("451 4.3.0 Error: queue file write error, timeout");

    g_assert_false(st_reply_ends_session(&busy, true));
    g_assert_true(st_reply_ends_session(&ses, false));
    /* "timeout" in a 451 that answers a command is no verdict on the client */
    g_assert_false(st_reply_ends_session(&filter, false));
    g_assert_true(st_reply_ends_session(&filter, true));
    /* nor is a 4.4.2 that answers one: the dialogue goes on */
    st_reply lookup = parse("451 4.4.2 <x@example.com>: upstream lookup failed");
    g_assert_false(st_reply_ends_session(&lookup, false));
    g_assert_true(st_reply_ends_session(&lookup, true));
}

static void test_continuation_and_bare_code(void)
{
    st_reply multi = parse("421-4.7.0 [192.0.2.1] Our system has detected");
    st_reply bare = parse("421");

    g_assert_cmpuint(multi.code, ==, 421);
    g_assert_cmpstr(multi.status, ==, "4.7.0");
    g_assert_cmpuint(bare.code, ==, 421);
    g_assert_cmpuint(bare.text_len, ==, 0);
}

static void test_not_replies(void)
{
    st_reply r;

    g_assert_false(st_reply_parse("42", 2, &r));
    g_assert_false(st_reply_parse("4211 x", 6, &r));
    g_assert_false(st_reply_parse("abc def", 7, &r));
    g_assert_false(st_reply_parse("", 0, &r));
}

static void test_status_lookalikes(void)
{
    st_reply version = parse("220 mx ESMTP 4.96.1 ready");
    st_reply number = parse("250 2.0.0x queued");

    g_assert_cmpstr(version.status, ==, "");
    g_assert_cmpstr(number.status, ==, "");
}

static void test_command_verbs(void)
{
    static const struct { const char *line; st_after verb; } cases[] = {
        { "EHLO client.example.org\r\n", ST_AFTER_EHLO },
        { "helo x", ST_AFTER_HELO },
        { "MAIL FROM:<a@b> SIZE=10\r\n", ST_AFTER_MAIL },
        { "rcpt to:<a@b>", ST_AFTER_RCPT },
        { "DATA\r\n", ST_AFTER_DATA },
        { "STARTTLS\r\n", ST_AFTER_STARTTLS },
        { "BDAT 1000 LAST\r\n", ST_AFTER_BDAT },
        { "AUTH PLAIN AGFsaWNlAHNlY3JldA==\r\n", ST_AFTER_AUTH },
        { "QUIT", ST_AFTER_QUIT },
        { "Subject: hello\r\n", ST_AFTER_UNKNOWN },
        { "DATAX\r\n", ST_AFTER_UNKNOWN },
        { "", ST_AFTER_UNKNOWN },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++)
        g_assert_cmpint(st_command_verb(cases[i].line, strlen(cases[i].line)), ==, cases[i].verb);
    g_assert_cmpstr(st_after_name(ST_AFTER_END_OF_MESSAGE), ==, "END-OF-MESSAGE");
    g_assert_cmpstr(st_after_name(ST_AFTER_DATA), ==, "DATA");
    g_assert_cmpstr(st_after_name((st_after)200), ==, "");
}

static void test_bdat_size(void)
{
    uint64_t size = 0;

    g_assert_true(st_bdat_size("BDAT 1000 LAST\r\n", 16, &size));
    g_assert_cmpuint(size, ==, 1000);
    g_assert_true(st_bdat_size("bdat 0", 6, &size));
    g_assert_cmpuint(size, ==, 0);
    g_assert_false(st_bdat_size("BDAT x", 6, &size));
    g_assert_false(st_bdat_size("BDAT 12x", 8, &size));
    g_assert_false(st_bdat_size("BDAT 99999999999999999999999", 28, &size));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/reply/postfix-timeout", test_postfix_timeout);
    g_test_add_func("/reply/exim-no-status", test_exim_has_no_status);
    g_test_add_func("/reply/qmail-status-in-text", test_qmail_status_in_text);
    g_test_add_func("/reply/other-4xx", test_other_4xx);
    g_test_add_func("/reply/continuation", test_continuation_and_bare_code);
    g_test_add_func("/reply/not-replies", test_not_replies);
    g_test_add_func("/reply/status-lookalikes", test_status_lookalikes);
    g_test_add_func("/command/verbs", test_command_verbs);
    g_test_add_func("/command/bdat-size", test_bdat_size);
    return g_test_run();
}
