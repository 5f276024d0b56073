/* test_explain.c: causes, known timers, hints per server software, DNS log
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <glib.h>
#include <string.h>

#include "core/explain.h"
#include "core/reply_class.h"
#include "core/sentences.h"

#define S INT64_C(1000000000)

/* A note as the session makes it when the server times out after DATA. */
static st_note server_timeout(st_mta mta, int64_t timeout_ns)
{
    st_note n;

    memset(&n, 0, sizeof(n));
    n.findings = ST_FIND_REPLY;
    n.has = ST_HAS_AFTER | ST_HAS_IDLE | ST_HAS_SERVER_TIMEOUT | ST_HAS_MTA;
    n.after = ST_AFTER_DATA;
    n.silent_side = ST_SIDE_CLIENT;
    n.reply.cls = ST_CLASS_TIMEOUT;
    n.mta = (uint8_t)mta;
    n.idle_ns = n.server_timeout_ns = timeout_ns;
    return n;
}

static st_note explained(st_note n, st_gave_up who, const st_evidence *ev)
{
    st_evidence none;

    memset(&none, 0, sizeof(none));
    st_explain(&n, who, (st_mta)n.mta, n.has & ST_HAS_SERVER_TIMEOUT ? n.server_timeout_ns : n.idle_ns,
               ev != NULL ? ev : &none);
    return n;
}

/* The late data: the client's stall is known, so the hint gives a value. */
static st_note with_stall(st_note n, int64_t stall_ns)
{
    n.findings = ST_FIND_DATA_AFTER_CLOSE;
    n.explain |= ST_EX_STALL;
    n.client_stall_ns = stall_ns;
    return n;
}

static void assert_hint(const st_note *n, const char *expected)
{
    char buf[512];

    st_say_hint(n, buf, sizeof(buf));
    g_assert_cmpstr(buf, ==, expected);
}

static void test_suggested_values(void)
{
    g_assert_cmpuint(st_suggest_timeout_s(90481 * (S / 1000)), ==, 120); /* the article */
    g_assert_cmpuint(st_suggest_timeout_s(5 * S), ==, 10);
    g_assert_cmpuint(st_suggest_timeout_s(48 * S), ==, 60);
    g_assert_cmpuint(st_suggest_timeout_s(400 * S), ==, 540);
    g_assert_cmpuint(st_suggest_timeout_s(1000 * S), ==, 1500);
}

static void test_hint_per_server(void)
{
    static const struct {
        st_mta mta;
        const char *setting;
    } cases[] = {
        { ST_MTA_POSTFIX, "postconf -e smtpd_timeout=300s && postfix reload" },
        { ST_MTA_EXIM,
          "smtp_receive_timeout = 300s in the Exim configuration, then reload Exim (systemctl reload exim4)" },
        { ST_MTA_SENDMAIL,
          "define(`confTO_DATABLOCK', `300s') in sendmail.mc, then rebuild sendmail.cf and restart Sendmail" },
        { ST_MTA_EXCHANGE, "Set-ReceiveConnector <name> -ConnectionInactivityTimeout 00:05:00" },
        { ST_MTA_QMAIL, "echo 300 > /var/qmail/control/timeoutsmtpd" },
        { ST_MTA_HARAKA, "inactivity_timeout=300 in Haraka's config/smtp.ini, then restart Haraka" },
        { ST_MTA_NODEMAILER, "socketTimeout: 300000 in the smtp-server options, then restart the server" },
        { ST_MTA_UNKNOWN, "the server's idle timeout, to 300 s" },
    };

    for (unsigned i = 0; i < G_N_ELEMENTS(cases); i++) {
        st_note n = with_stall(explained(server_timeout(cases[i].mta, 60 * S), ST_GAVE_UP_SERVER, NULL), 90 * S);
        char *expected = g_strdup_printf(
            "Fix the sender first: find what kept it silent after DATA (a milter, a content filter, the "
            "application); as a mitigation, raise the server's timeout above the 90.000 s stall: %s",
            cases[i].setting);
        g_assert_cmpuint(n.cause, ==, ST_CAUSE_CLIENT_IDLE);
        assert_hint(&n, expected);
        g_free(expected);
    }
}

static void test_fixed_timeouts_are_said_so(void)
{
    st_note gmail = explained(server_timeout(ST_MTA_GMAIL, 300 * S), ST_GAVE_UP_SERVER, NULL);
    st_note smtpd = explained(server_timeout(ST_MTA_OPENSMTPD, 300 * S), ST_GAVE_UP_SERVER, NULL);

    assert_hint(&gmail, "Fix the sender first: find what kept it silent after DATA (a milter, a content filter, "
                        "the application); on the server side: nothing: the receiving service's timeout cannot "
                        "be changed");
    g_assert_cmpstr(st_say_timer(&smtpd), ==, "OpenSMTPD's fixed session timeout (300 s)");
}

static void test_postfix_stress(void)
{
    st_note n = explained(server_timeout(ST_MTA_POSTFIX, 10040 * (S / 1000)), ST_GAVE_UP_SERVER, NULL);

    g_assert_cmpstr(st_say_timer(&n), ==, "Postfix smtpd_timeout under stress (10 s)");
    g_assert_true(n.explain & ST_EX_BELOW_RFC);
    assert_hint(&n, "Fix the server first: Postfix is likely in stress mode (a 10 s timeout); raise its process "
                    "limit (default_process_limit, or maxproc of the smtp service in master.cf) rather than "
                    "smtpd_timeout");
}

static void test_known_timers(void)
{
    st_note n;

    n = explained(server_timeout(ST_MTA_POSTFIX, 300040 * (S / 1000)), ST_GAVE_UP_SERVER, NULL);
    g_assert_cmpstr(st_say_timer(&n), ==, "Postfix smtpd_timeout default (300 s)");
    g_assert_false(n.explain & ST_EX_BELOW_RFC);
    n = explained(server_timeout(ST_MTA_POSTFIX, 60 * S), ST_GAVE_UP_SERVER, NULL);
    g_assert_cmpstr(st_say_timer(&n), ==, ""); /* a site's own setting */
    n = explained(server_timeout(ST_MTA_UNKNOWN, 301 * S), ST_GAVE_UP_SERVER, NULL);
    g_assert_cmpstr(st_say_timer(&n), ==,
                    "the usual server default (300 s: Postfix, Exim, Haraka, OpenSMTPD, Exchange Mailbox)");
    n = explained(server_timeout(ST_MTA_EXCHANGE, 60 * S), ST_GAVE_UP_SERVER, NULL);
    g_assert_cmpstr(st_say_timer(&n), ==, "Exchange Edge ConnectionInactivityTimeout default (1 min)");
    n = explained(server_timeout(ST_MTA_QMAIL, 1200 * S), ST_GAVE_UP_SERVER, NULL);
    g_assert_cmpstr(st_say_timer(&n), ==, "qmail timeoutsmtpd default (1200 s)");

    n = server_timeout(ST_MTA_POSTFIX, 0);
    n.has &= ~(uint32_t)ST_HAS_SERVER_TIMEOUT;
    n.findings = ST_FIND_GAP;
    n.silent_side = ST_SIDE_SERVER;
    n.idle_ns = 120 * S;
    n = explained(n, ST_GAVE_UP_CLIENT, NULL);
    g_assert_cmpstr(st_say_timer(&n), ==, "Postfix client smtp_data_init_timeout default (120 s)");
    g_assert_cmpuint(n.cause, ==, ST_CAUSE_SERVER_SLOW);
    n.after = ST_AFTER_END_OF_MESSAGE;
    n.idle_ns = 600 * S;
    n = explained(n, ST_GAVE_UP_CLIENT, NULL);
    g_assert_cmpstr(st_say_timer(&n), ==,
                    "Postfix client smtp_data_done_timeout and Exim final_timeout defaults (600 s)");
    n.idle_ns = 3600 * S;
    n = explained(n, ST_GAVE_UP_CLIENT, NULL);
    g_assert_cmpstr(st_say_timer(&n), ==, "Sendmail client Timeout.datafinal default (1 h)");
    n.after = ST_AFTER_MAIL;
    n.idle_ns = 601 * S;
    n = explained(n, ST_GAVE_UP_CLIENT, NULL);
    g_assert_cmpstr(st_say_timer(&n), ==, "Sendmail client Timeout.mail default (10 min)");
    n.after = ST_AFTER_END_OF_MESSAGE;

    n.silent_side = ST_SIDE_CLIENT;
    n.idle_ns = 350 * S;
    n = explained(n, ST_GAVE_UP_MIDDLEBOX, NULL);
    g_assert_cmpstr(st_say_timer(&n), ==, "AWS Network Load Balancer idle timeout default (350 s)");
    assert_hint(&n, "Fix the network first: raise the idle timeout of the load balancer or firewall between the "
                    "hosts above the SMTP timeouts (over 300 s); it reset a connection idle for 350.000 s");
}

static void test_cause_priority(void)
{
    st_evidence ev;
    st_note base = server_timeout(ST_MTA_POSTFIX, 300 * S);

    memset(&ev, 0, sizeof(ev));
    ev.dns.queries = 3;
    ev.dns.answers = 3;
    ev.dns.slowest_ns = 2 * (S / 1000);
    ev.retrans = 2;
    /* quick answers are no DNS trouble */
    g_assert_cmpuint(explained(base, ST_GAVE_UP_SERVER, &ev).cause, ==, ST_CAUSE_PACKET_LOSS);
    ev.dns.slowest_ns = 5 * S;
    g_assert_cmpuint(explained(base, ST_GAVE_UP_SERVER, &ev).cause, ==, ST_CAUSE_DNS_LOOKUP);
    ev.zero_window_ns = 5 * S;
    g_assert_cmpuint(explained(base, ST_GAVE_UP_SERVER, &ev).cause, ==, ST_CAUSE_ZERO_WINDOW);
    ev.tls = true;
    ev.tls_stage = ST_TLS_CLIENT_FINISHED;
    g_assert_cmpuint(explained(base, ST_GAVE_UP_SERVER, &ev).cause, ==, ST_CAUSE_TLS_STALL);
    /* full-size segments lost explain a handshake that stopped */
    ev.retrans_full = 2;
    g_assert_cmpuint(explained(base, ST_GAVE_UP_SERVER, &ev).cause, ==, ST_CAUSE_MTU_BLACKHOLE);
    /* a completed handshake is never the cause */
    ev.retrans_full = 0;
    ev.tls_stage = ST_TLS_DONE;
    g_assert_cmpuint(explained(base, ST_GAVE_UP_SERVER, &ev).cause, ==, ST_CAUSE_ZERO_WINDOW);
    ev.inspected = true;
    g_assert_cmpuint(explained(base, ST_GAVE_UP_SERVER, &ev).cause, ==, ST_CAUSE_SMTP_INSPECTION);
    memset(&ev, 0, sizeof(ev));
    ev.retrans = 2;
    g_assert_cmpuint(explained(base, ST_GAVE_UP_SERVER, &ev).cause, ==, ST_CAUSE_PACKET_LOSS);
}

static void test_dns_evidence(void)
{
    st_evidence ev;
    st_note n;
    char buf[512];

    memset(&ev, 0, sizeof(ev));
    ev.dns.queries = 12;
    ev.dns.unanswered = 12;
    n = with_stall(explained(server_timeout(ST_MTA_POSTFIX, 59954 * (S / 1000)), ST_GAVE_UP_SERVER, &ev),
                   90481 * (S / 1000));
    st_say_explanation(&n, buf, sizeof(buf));
    g_assert_cmpstr(buf, ==, "The server gave up after 59.954 s, below RFC 5321's 5-minute minimum; cause "
                             "dns-lookup: 12 DNS queries from the client during the silence, none answered");
    assert_hint(&n, "Fix the sender first: it was waiting for DNS (12 queries, none answered); as a mitigation, "
                    "raise the server's timeout above the 90.481 s stall: postconf -e smtpd_timeout=300s && "
                    "postfix reload");

    ev.dns.unanswered = 1;
    ev.dns.failures = 2;
    ev.dns.answers = 9;
    ev.dns.slowest_ns = 8 * S + 250 * (S / 1000);
    n = explained(server_timeout(ST_MTA_POSTFIX, 300 * S), ST_GAVE_UP_SERVER, &ev);
    st_say_explanation(&n, buf, sizeof(buf));
    g_assert_cmpstr(buf, ==, "The server gave up after 300.000 s, matching Postfix smtpd_timeout default (300 s); "
                             "cause dns-lookup: 12 DNS queries from the client during the silence, 1 unanswered, 2 "
                             "failed, 9 answered; the slowest answer after 8.250 s");
}

static void test_refusals_are_no_timeouts(void)
{
    st_note n = server_timeout(ST_MTA_POSTFIX, 0);
    char buf[512];

    n.has = ST_HAS_AFTER | ST_HAS_IDLE | ST_HAS_MTA;
    n.after = ST_AFTER_RCPT;
    n.silent_side = ST_SIDE_SERVER;
    n.idle_ns = 10 * (S / 1000);
    n.reply.cls = ST_CLASS_CAPACITY;
    n = explained(n, ST_GAVE_UP_SERVER, NULL);
    g_assert_cmpuint(n.cause, ==, ST_CAUSE_UNKNOWN);
    st_say_explanation(&n, buf, sizeof(buf));
    g_assert_cmpstr(buf, ==, "The server ended the session with a reply of class capacity; cause unknown: the "
                             "capture does not tell");
}

static void test_dns_log(void)
{
    static st_dns_log log;
    st_dns_counts c;
    uint32_t a = st_dns_host_key("\xc0\x00\x02\x2d", 4), b = st_dns_host_key("\xc0\x00\x02\x2e", 4);

    st_dns_log_reset(&log);
    g_assert_cmpuint(a, !=, b);
    /* answers find the host's queries by ID */
    st_dns_log_query(&log, a, 1, 10 * S);
    st_dns_log_query(&log, a, 2, 15 * S);
    st_dns_log_query(&log, b, 1, 15 * S);
    st_dns_log_answer(&log, b, 1, 0, 15 * S + 1);
    st_dns_log_answer(&log, a, 2, 2, 16 * S);  /* SERVFAIL */
    st_dns_log_query(&log, a, 3, 99 * S);
    c = st_dns_log_count(&log, a, 10 * S, 20 * S);
    g_assert_cmpuint(c.queries, ==, 2);
    g_assert_cmpuint(c.unanswered, ==, 1);
    g_assert_cmpuint(c.failures, ==, 1);
    g_assert_cmpuint(c.answers, ==, 0);
    g_assert_cmpint(c.slowest_ns, ==, 1 * S);
    g_assert_true(st_dns_stalled(&c)); /* a failure */
    /* quick answers, NXDOMAIN too: no trouble */
    st_dns_log_query(&log, a, 4, 30 * S);
    st_dns_log_answer(&log, a, 4, 3, 30 * S + 2 * (S / 1000));
    st_dns_log_query(&log, a, 5, 31 * S);
    st_dns_log_answer(&log, a, 5, 0, 31 * S + 3 * (S / 1000));
    c = st_dns_log_count(&log, a, 29 * S, 40 * S);
    g_assert_cmpuint(c.answers, ==, 2);
    g_assert_false(st_dns_stalled(&c));
    /* answered after a retry (5 s), and after the silence */
    st_dns_log_query(&log, a, 7, 40 * S);
    st_dns_log_answer(&log, a, 7, 0, 44 * S);
    g_assert_false(st_dns_stalled(&(st_dns_counts){ 1, 0, 1, 0, 4 * S }));
    st_dns_log_query(&log, a, 6, 50 * S);
    st_dns_log_answer(&log, a, 6, 0, 58 * S);
    c = st_dns_log_count(&log, a, 45 * S, 60 * S);
    g_assert_cmpint(c.slowest_ns, ==, 8 * S);
    g_assert_true(st_dns_stalled(&c));
    g_assert_cmpuint(st_dns_log_count(&log, a, 45 * S, 55 * S).unanswered, ==, 1);
    /* an answer nobody asked for changes nothing */
    st_dns_log_answer(&log, a, 77, 2, 59 * S);
    g_assert_cmpuint(st_dns_log_count(&log, a, 45 * S, 60 * S).failures, ==, 0);
    /* many lookups in one silence, each answered at once, all paired */
    for (unsigned i = 0; i < 1000; i++) {
        st_dns_log_query(&log, b, (uint16_t)(1000 + i), 100 * S + i * (S / 10));
        st_dns_log_answer(&log, b, (uint16_t)(1000 + i), 0, 100 * S + i * (S / 10) + S / 1000);
    }
    c = st_dns_log_count(&log, b, 100 * S, 400 * S);
    g_assert_cmpuint(c.queries, ==, 1000);
    g_assert_cmpuint(c.answers, ==, 1000);
    g_assert_false(st_dns_stalled(&c));
    /* a full ring forgets the oldest queries, and only those */
    for (unsigned i = 0; i < ST_DNS_LOG_SIZE; i++)
        st_dns_log_query(&log, b, (uint16_t)i, 500 * S);
    g_assert_cmpuint(st_dns_log_count(&log, a, 0, 1000 * S).queries, ==, 0);
    g_assert_cmpuint(st_dns_log_count(&log, b, 0, 1000 * S).queries, ==, ST_DNS_LOG_SIZE);
    g_assert_cmpuint(st_dns_log_count(NULL, b, 0, 1000 * S).queries, ==, 0);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/explain/suggested-values", test_suggested_values);
    g_test_add_func("/explain/hint-per-server", test_hint_per_server);
    g_test_add_func("/explain/fixed-timeouts", test_fixed_timeouts_are_said_so);
    g_test_add_func("/explain/postfix-stress", test_postfix_stress);
    g_test_add_func("/explain/known-timers", test_known_timers);
    g_test_add_func("/explain/cause-priority", test_cause_priority);
    g_test_add_func("/explain/dns-evidence", test_dns_evidence);
    g_test_add_func("/explain/refusals", test_refusals_are_no_timeouts);
    g_test_add_func("/explain/dns-log", test_dns_log);
    return g_test_run();
}
