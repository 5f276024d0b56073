/* SPDX-License-Identifier: GPL-2.0-or-later
 * Reply classes and server recognition, on the servers' own texts (their
 * sources and manuals, as core/mta.c lists them). */
#include <glib.h>
#include <string.h>

#include "core/mta.h"
#include "core/reply_class.h"

static const struct {
    const char *line;
    const char *class_name;
    const char *mta;
} cases[] = {
    /* Postfix and postscreen */
    { "421 4.4.2 mx.example.net Error: timeout exceeded", "timeout", "postfix" },
    { "421 4.7.0 mx.example.net Error: too many errors", "policy", "unknown" },
    { "421 4.7.0 mx.example.net Error: too many connections from 192.0.2.1", "capacity", "unknown" },
    { "421 4.3.2 All server ports are busy", "capacity", "postfix" },
    { "421 4.3.2 No system resources", "capacity", "unknown" },
    { "421 4.7.1 mx Error: Client certificate not trusted", "policy", "unknown" },
    { "421 4.3.0 mx Server local data error", "other", "unknown" },
    { "421 4.3.5 Server configuration problem - try again later", "other", "unknown" },
    /* Exim */
    { "421 mx.example.com: SMTP command timeout - closing connection", "timeout", "exim" },
    { "421 mx.example.com SMTP incoming data timeout - closing connection.", "timeout", "exim" },
    { "421 mx.example.com: Service not available - closing connection", "shutdown", "unknown" },
    { "421 mx.example.com lost input connection", "connection-dropped", "unknown" },
    { "421 mx.example.com: Too many concurrent SMTP connections; please try again later", "capacity", "unknown" },
    { "421 mx.example.com: Too much load; please try again later", "capacity", "unknown" },
    { "421 too many messages in this connection", "capacity", "unknown" },
    /* Sendmail */
    { "421 4.4.1 mx.example.org Lost input channel from client.example.net", "timeout", "sendmail" },
    { "421 4.4.1 collect: read timeout on connection from client, from=<a@b>", "timeout", "sendmail" },
    { "421 4.7.0 mx.example.org Too many bad commands; closing connection", "policy", "unknown" },
    { "421 4.3.2 Connection rate limit exceeded.", "capacity", "unknown" },
    /* Microsoft Exchange */
    { "421 4.4.1 Connection timed out. Total session duration: 00:05:00.7054661", "timeout", "exchange" },
    { "421 4.4.2 Connection dropped due to SocketError", "connection-dropped", "unknown" },
    { "421 4.3.2 The maximum number of concurrent connections per resource forest has exceeded a limit, "
      "closing transmission channel. PRX8", "capacity", "unknown" },
    /* Gmail */
    { "451 4.4.2 Timeout - closing connection. d9443c01a7336-2 - gsmtp", "timeout", "gmail" },
    { "421 4.4.5 Server busy, try again later. gsmtp", "capacity", "gmail" },
    { "421 4.7.0 TLS required for RCPT domain, closing connection. gsmtp", "policy", "gmail" },
    { "421 4.3.0 Temporary System Problem. Try again later. gsmtp", "other", "gmail" },
    /* qmail */
    { "451 timeout (#4.4.2)", "timeout", "qmail" },
    { "421 out of memory (#4.3.0)", "other", "qmail" },
    /* Haraka */
    { "421 timeout", "timeout", "haraka" },
    { "421 Come back later", "capacity", "unknown" },
    /* Amazon SES */
    { "451 4.4.2 Timeout waiting for data from client.", "timeout", "ses" },
    { "421 Timeout waiting for data from client.", "timeout", "ses" },
    /* nodemailer smtp-server, GMX */
    { "421 Timeout - closing connection", "timeout", "nodemailer" },
    { "421 Server shutting down", "shutdown", "unknown" },
    { "421 gmx.net Service closing transmission channel - command timeout", "timeout", "unknown" },
    /* greetings */
    { "220 mx.example.net ESMTP Postfix (Debian/GNU)", "other", "postfix" },
    { "220 mx.example.com ESMTP Exim 4.96 Sat, 02 Mar 2024 08:00:00 +0000", "other", "exim" },
    { "220 mx.example.org ESMTP Sendmail 8.18.1/8.18.1; Sat, 2 Mar 2024", "other", "sendmail" },
    { "220 AM0PR01.outlook.com Microsoft ESMTP MAIL Service ready at Sat, 2 Mar 2024", "other", "exchange" },
    { "220 mx.google.com ESMTP a1-20020a05 - gsmtp", "other", "gmail" },
    { "220 mx.example.org ESMTP Haraka/3.0.3 ready", "other", "haraka" },
    { "220 email-smtp.amazonaws.com ESMTP SimpleEmailService-d-ABC", "other", "ses" },
    { "220 mx.example.org ESMTP OpenSMTPD", "other", "opensmtpd" },
    { "220 mx.example.org ESMTP", "other", "unknown" },
};

static void test_vendor_texts(void)
{
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        st_reply r;
        g_assert_true(st_reply_parse(cases[i].line, strlen(cases[i].line), &r));
        g_assert_cmpstr(st_reply_class_name(st_classify_reply(&r)), ==, cases[i].class_name);
        g_assert_cmpstr(st_mta_name(st_recognise_mta(&r)), ==, cases[i].mta);
    }
}

static void test_names(void)
{
    g_assert_cmpstr(st_reply_class_name(ST_CLASS_NONE), ==, "");
    g_assert_cmpstr(st_reply_class_name((st_reply_class)99), ==, "");
    g_assert_cmpstr(st_mta_name((st_mta)99), ==, "unknown");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/classify/vendor-texts", test_vendor_texts);
    g_test_add_func("/classify/names", test_names);
    return g_test_run();
}
