/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Every row of the knowledge tables does its job: each server's marks
 * recognise it, each of its timers is matched by its own value and no
 * other server's, each reply class is told by its marks and codes.
 */
#include <glib.h>
#include <string.h>

#include "core/mta.h"
#include "core/reply_class.h"

#define S INT64_C(1000000000)

static st_reply reply_of(const char *line)
{
    st_reply r;

    g_assert_true(st_reply_parse(line, strlen(line), &r));
    return r;
}

/* Each mark of each row, inside an otherwise plain greeting. */
static void test_every_mark_recognises_its_server(void)
{
    for (unsigned m = 1; m < ST_MTA_COUNT; m++) {
        const st_mta_profile *p = st_mta_profile_of((st_mta)m);
        for (const char *const *mark = p->marks; mark != NULL && *mark != NULL; mark++) {
            g_autofree char *line = g_strdup_printf("220 host.example %s here", *mark);
            st_reply r = reply_of(line);
            g_assert_cmpstr(st_mta_name(st_recognise_mta(&r)), ==, p->name);
        }
        if (p->bare_421 != NULL) {
            g_autofree char *line = g_strdup_printf("421 %s", p->bare_421);
            st_reply r = reply_of(line);
            g_assert_cmpstr(st_mta_name(st_recognise_mta(&r)), ==, p->name);
        }
    }
}

static void test_bare_texts_need_their_form(void)
{
    st_reply with_status = reply_of("421 4.4.2 Timeout - closing connection");
    st_reply not_421 = reply_of("451 timeout");

    g_assert_cmpuint(st_recognise_mta(&with_status), ==, ST_MTA_UNKNOWN); /* nodemailer sends none */
    g_assert_cmpuint(st_recognise_mta(&not_421), ==, ST_MTA_UNKNOWN);
}

/* A server's timer is matched at its value and within its tolerance (2 %,
 * at least a second), by its own server only. */
static void test_every_server_timer_matches(void)
{
    for (unsigned m = 0; m < ST_MTA_COUNT; m++) {
        const st_mta_profile *p = st_mta_profile_of((st_mta)m);
        for (unsigned i = 0; i < ST_MTA_TIMERS && p->timers[i].seconds != 0; i++) {
            int64_t at = (int64_t)p->timers[i].seconds * S;
            uint8_t id = st_timer_match(ST_GAVE_UP_SERVER, (st_mta)m, ST_AFTER_DATA, at + S / 2);
            g_assert_cmpuint(id, !=, 0);
            g_assert_cmpstr(st_timer_text(id), ==, p->timers[i].text);
            g_assert_cmpuint(st_timer_is_stress(id), ==, p->timers[i].advice != NULL);
            g_assert_cmpuint(st_timer_match(ST_GAVE_UP_SERVER, (st_mta)m, ST_AFTER_DATA, at * 2 + 7 * S), ==, 0);
        }
    }
    /* Gmail's timer is not known; Postfix's 300 s is no Sendmail default. */
    g_assert_cmpuint(st_timer_match(ST_GAVE_UP_SERVER, ST_MTA_GMAIL, ST_AFTER_DATA, 300 * S), ==, 0);
    g_assert_cmpuint(st_timer_match(ST_GAVE_UP_SERVER, ST_MTA_SENDMAIL, ST_AFTER_DATA, 300 * S), ==, 0);
}

static void test_client_and_middlebox_timers(void)
{
    g_assert_cmpstr(st_timer_text(st_timer_match(ST_GAVE_UP_CLIENT, ST_MTA_POSTFIX, ST_AFTER_DATA, 120 * S)), ==,
                    "Postfix client smtp_data_init_timeout default (120 s)");
    g_assert_cmpstr(st_timer_text(st_timer_match(ST_GAVE_UP_CLIENT, ST_MTA_UNKNOWN, ST_AFTER_END_OF_MESSAGE,
                                                 600 * S)), ==,
                    "Postfix client smtp_data_done_timeout and Exim final_timeout defaults (600 s)");
    g_assert_cmpuint(st_timer_match(ST_GAVE_UP_CLIENT, ST_MTA_UNKNOWN, ST_AFTER_RCPT, 120 * S), ==, 0);
    g_assert_cmpstr(st_timer_text(st_timer_match(ST_GAVE_UP_CLIENT, ST_MTA_UNKNOWN, ST_AFTER_RCPT, 300 * S)), ==,
                    "the usual client command timeout (300 s: Postfix, Exim, Sendmail)");
    g_assert_cmpstr(st_timer_text(st_timer_match(ST_GAVE_UP_MIDDLEBOX, ST_MTA_UNKNOWN, ST_AFTER_NONE, 350 * S)),
                    ==, "AWS Network Load Balancer idle timeout default (350 s)");
    g_assert_cmpuint(st_timer_match(ST_GAVE_UP_MIDDLEBOX, ST_MTA_UNKNOWN, ST_AFTER_NONE, 100 * S), ==, 0);
    g_assert_cmpstr(st_timer_text(0), ==, "");
    g_assert_cmpstr(st_timer_text(255), ==, "");
}

static void test_settings_of_every_server(void)
{
    for (unsigned m = 0; m < ST_MTA_COUNT; m++) {
        const st_mta_profile *p = st_mta_profile_of((st_mta)m);
        /* Every server either names a setting and how to set it, or says
         * why nothing can be raised. */
        g_assert_true((p->setting != NULL && p->set_to != NULL && strstr(p->set_to, "{value}") != NULL) ^
                      (p->fixed != NULL));
        g_assert_true((p->setting_body == NULL) == (p->set_to_body == NULL));
    }
    g_assert_cmpstr(st_client_settings(ST_AFTER_DATA), ==,
                    "Postfix smtp_data_init_timeout, Exim command_timeout, Sendmail confTO_DATAINIT");
    g_assert_cmpstr(st_client_settings(ST_AFTER_HELP), ==,
                    "Postfix smtp_*_timeout, Exim command_timeout, Sendmail confTO_*");
}

/* Each class by its codes as well as by its texts. */
static void test_classes_by_status(void)
{
    static const struct {
        const char *line;
        st_reply_class cls;
    } cases[] = {
        { "421 4.4.2 anything at all", ST_CLASS_TIMEOUT },
        { "451 the link timed out", ST_CLASS_TIMEOUT },
        { "554 the link timed out", ST_CLASS_OTHER },          /* "timed out" counts in a 4xx only */
        { "421 4.4.5 x", ST_CLASS_CAPACITY },
        { "421 4.3.2 x", ST_CLASS_CAPACITY },
        { "421 4.7.9 x", ST_CLASS_POLICY },
        { "550 5.7.1 x", ST_CLASS_POLICY },
        { "421 4.4.2 Connection reset by peer", ST_CLASS_CONNECTION_DROPPED },
        { "421 x: Service not available", ST_CLASS_SHUTDOWN },
        { "421 4.3.0 x", ST_CLASS_OTHER },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        st_reply r = reply_of(cases[i].line);
        g_assert_cmpstr(st_reply_class_name(st_classify_reply(&r)), ==, st_reply_class_name(cases[i].cls));
    }
}

/* One rule for "is a timeout", for the session and the classifier. */
static void test_one_timeout_rule(void)
{
    st_reply dropped = reply_of("421 4.4.2 Connection dropped due to TimedOut");
    st_reply timed_out = reply_of("451 4.4.1 Connection timed out");

    g_assert_true(st_reply_says_timeout(&dropped));
    g_assert_cmpuint(st_classify_reply(&dropped), ==, ST_CLASS_CONNECTION_DROPPED);
    g_assert_true(st_reply_says_timeout(&timed_out));
    g_assert_true(st_reply_ends_session(&timed_out, true));
    g_assert_false(st_reply_ends_session(&timed_out, false));
    g_assert_cmpstr(st_reply_class_hint(ST_CLASS_SHUTDOWN), ==,
                    "The server was shutting down: nothing to fix on the client, which should retry later");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/tables/marks", test_every_mark_recognises_its_server);
    g_test_add_func("/tables/bare-texts", test_bare_texts_need_their_form);
    g_test_add_func("/tables/server-timers", test_every_server_timer_matches);
    g_test_add_func("/tables/client-and-middlebox-timers", test_client_and_middlebox_timers);
    g_test_add_func("/tables/settings", test_settings_of_every_server);
    g_test_add_func("/tables/classes-by-status", test_classes_by_status);
    g_test_add_func("/tables/one-timeout-rule", test_one_timeout_rule);
    return g_test_run();
}
