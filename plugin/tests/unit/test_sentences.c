/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * The sentence module on each fact: every finding's message and Info tag,
 * every advice (the side to fix first, what to raise meanwhile), every
 * ending of the report, every explanation form.  The decisions come from explain.c; here only the words are
 * checked, one per fact.
 */
#include <glib.h>
#include <string.h>

#include "core/explain.h"
#include "core/reply_class.h"
#include "core/sentences.h"

#define S INT64_C(1000000000)

static st_note explained(st_cause cause, st_gave_up who, st_mta mta)
{
    st_note n;

    memset(&n, 0, sizeof(n));
    n.findings = ST_FIND_GAP;
    n.has = ST_HAS_AFTER | ST_HAS_IDLE | ST_HAS_EXPLANATION;
    n.after = ST_AFTER_DATA;
    n.silent_side = ST_SIDE_CLIENT;
    n.idle_ns = n.timed_ns = 42 * S;
    n.cause = (uint8_t)cause;
    n.gave_up = (uint8_t)who;
    n.mta = (uint8_t)mta;
    return n;
}

static void assert_hint(const st_note *n, st_fix fix, const char *expected)
{
    st_advice a;
    char buf[512];

    st_advise(n, &a);
    g_assert_cmpuint(a.fix, ==, fix);
    st_say_hint(n, buf, sizeof(buf));
    g_assert_cmpstr(buf, ==, expected);
}

static void test_each_fix(void)
{
    st_note n = explained(ST_CAUSE_MTU_BLACKHOLE, ST_GAVE_UP_CLIENT, ST_MTA_UNKNOWN);

    assert_hint(&n, ST_FIX_PATH_MTU, "Fix the network path first: full-size segments do not get through (an MTU "
                "black hole); allow ICMP fragmentation-needed on the path or clamp the TCP MSS");
    n = explained(ST_CAUSE_TLS_STALL, ST_GAVE_UP_SERVER, ST_MTA_POSTFIX);
    assert_hint(&n, ST_FIX_TLS, "Fix the TLS negotiation first: check TLS versions and ciphers on both sides, and "
                "the path MTU (large certificate flights); Postfix smtpd_starttls_timeout bounds the server's wait");
    n = explained(ST_CAUSE_SMTP_INSPECTION, ST_GAVE_UP_SERVER, ST_MTA_UNKNOWN);
    assert_hint(&n, ST_FIX_INSPECTION, "Turn off SMTP inspection on the firewall first (Cisco ASA: no inspect esmtp, "
                "PIX: no fixup protocol smtp 25): it masks the banner and rewrites commands");
    n = explained(ST_CAUSE_PACKET_LOSS, ST_GAVE_UP_CLIENT, ST_MTA_UNKNOWN);
    n.evidence.loss.resent = 3;
    assert_hint(&n, ST_FIX_PATH_LOSS, "Fix the network path first: 3 segments were sent again during the silence");
    n = explained(ST_CAUSE_ZERO_WINDOW, ST_GAVE_UP_CLIENT, ST_MTA_UNKNOWN);
    n.evidence.window.closed_ns = 170 * S;
    assert_hint(&n, ST_FIX_SERVER_READING, "Fix the server first: it stopped reading (zero window for 170.000 s); "
                "check its load, disk and content filters");
    n = explained(ST_CAUSE_SERVER_SLOW, ST_GAVE_UP_CLIENT, ST_MTA_UNKNOWN);
    n.after = ST_AFTER_END_OF_MESSAGE;
    assert_hint(&n, ST_FIX_SERVER_SLOW, "Fix the server first: it did not answer after END-OF-MESSAGE for 42.000 s "
                "(look at its milters, policy services and content filters); the client's timer: Postfix "
                "smtp_data_done_timeout, Exim final_timeout, Sendmail confTO_DATAFINAL");
    n = explained(ST_CAUSE_UNKNOWN, ST_GAVE_UP_MIDDLEBOX, ST_MTA_UNKNOWN);
    assert_hint(&n, ST_FIX_MIDDLEBOX, "Fix the network first: raise the idle timeout of the load balancer or firewall "
                "between the hosts above the SMTP timeouts (over 300 s); it reset a connection idle for 42.000 s");
    n = explained(ST_CAUSE_CLIENT_IDLE, ST_GAVE_UP_SERVER, ST_MTA_UNKNOWN);
    n.explain = ST_EX_POOLED;
    assert_hint(&n, ST_FIX_SENDER_POOL, "Fix the sender first: it kept its connection idle between messages longer "
                "than the server's timeout (42.000 s here), as a connection pool or cache does; keep idle "
                "connections for less (Postfix: smtp_connection_cache_time_limit, within "
                "connection_cache_ttl_limit), or check them with NOOP before reuse");
    n = explained(ST_CAUSE_UNKNOWN, ST_GAVE_UP_SERVER, ST_MTA_UNKNOWN);
    n.reply.cls = ST_CLASS_CAPACITY;
    assert_hint(&n, ST_FIX_BY_CLASS, st_reply_class_hint(ST_CLASS_CAPACITY));
    n.reply.cls = ST_CLASS_NONE;
    assert_hint(&n, ST_FIX_NONE, "");
    n.reply.cls = ST_CLASS_TIMEOUT;
    assert_hint(&n, ST_FIX_SENDER_UNTIMED, "Fix the sender first: the server's wait for it ran out after DATA; find "
                "what kept it silent (a milter, a content filter, the application); as a mitigation, raise the "
                "server's idle timeout (42.000 s here) above the client's stall");
    n.has &= ~(uint32_t)ST_HAS_EXPLANATION;
    assert_hint(&n, ST_FIX_NONE, "");
}

/* What to raise on the server, for each way the capture shows the wait. */
static void test_each_raise(void)
{
    st_note n = explained(ST_CAUSE_CLIENT_IDLE, ST_GAVE_UP_SERVER, ST_MTA_EXIM);
    const char *head = "Fix the sender first: find what kept it silent after DATA (a milter, a content filter, the "
                       "application)";
    g_autofree char *timed = g_strconcat(head, "; as a mitigation, raise Exim smtp_receive_timeout (42.000 s here) "
                                         "above the client's stall", NULL);
    g_autofree char *untimed = g_strconcat(head, "; as a mitigation, raise Exim smtp_receive_timeout above the "
                                           "client's stall", NULL);
    g_autofree char *to_value = g_strconcat(head, "; as a mitigation, raise the server's timeout above the 50.000 s "
                                            "stall: smtp_receive_timeout = 300s in the Exim configuration, then reload Exim (systemctl reload exim4)", NULL);
    g_autofree char *fixed = g_strconcat(head, "; on the server side: nothing: OpenSMTPD's 300 s timeout is fixed "
                                         "at build time", NULL);

    assert_hint(&n, ST_FIX_SENDER, timed);
    n.explain = ST_EX_UNTIMED;
    assert_hint(&n, ST_FIX_SENDER, untimed);
    n.explain = ST_EX_STALL;
    n.client_stall_ns = 50 * S;
    assert_hint(&n, ST_FIX_SENDER, to_value);
    n.client_stall_ns = 2 * 86400 * S; /* no timeout is worth a stall of days */
    assert_hint(&n, ST_FIX_SENDER, head);
    n = explained(ST_CAUSE_CLIENT_IDLE, ST_GAVE_UP_SERVER, ST_MTA_OPENSMTPD);
    assert_hint(&n, ST_FIX_SENDER, fixed);
    n.gave_up = ST_GAVE_UP_CLIENT; /* nothing to raise on a server that did not give up */
    assert_hint(&n, ST_FIX_SENDER, head);
}

/* The article's session (testdata/article.pcap): the client silent for
 * 59.954 s after DATA from frame 93, the 421 and FIN in frames 865 and 866,
 * the late body 30.527 s after the close, the server's RST. */
static st_note article(st_finding finding)
{
    st_note n;

    memset(&n, 0, sizeof(n));
    n.findings = finding;
    n.has = ST_HAS_AFTER | ST_HAS_DATA_BYTES | ST_HAS_IDLE | ST_HAS_IDLE_START;
    n.after = ST_AFTER_DATA;
    n.silent_side = ST_SIDE_CLIENT;
    n.idle_ns = 59953550000;
    n.idle_start_frame = 93;
    n.reply.code = 421;
    g_strlcpy(n.reply.status, "4.4.2", sizeof(n.reply.status));
    n.closed.frame = 866;
    n.closed.since_ns = 30527000000;
    n.rst_from = ST_SIDE_SERVER;
    return n;
}

static void assert_words(const st_note *n, st_finding finding, const char *message, const char *tag)
{
    char buf[512];

    st_say_message(n, finding, buf, sizeof(buf));
    g_assert_cmpstr(buf, ==, message);
    st_say_tag(n, finding, buf, sizeof(buf));
    g_assert_cmpstr(buf, ==, tag);
}

/* Each finding's expert-info message and Info-column tag. */
static void test_each_finding(void)
{
    st_note n = article(ST_FIND_GAP);

    assert_words(&n, ST_FIND_GAP,
                 "Client silent for 59.954 s after DATA (0 bytes), since frame 93",
                 "[SMTP gap: client silent 59.954 s after DATA]");
    n = article(ST_FIND_REPLY);
    n.has |= ST_HAS_SERVER_TIMEOUT | ST_HAS_REPLY_FRAME;
    n.server_timeout_ns = 59953550000;
    n.closed.reply_frame = 865;
    n.reply.cls = ST_CLASS_TIMEOUT;
    assert_words(&n, ST_FIND_REPLY,
                 "421 4.4.2 after DATA (0 bytes): server gave up after 59.954 s of client silence",
                 "[SMTP timeout: client silent 59.954 s after DATA]");
    n = article(ST_FIND_SILENT_CLOSE);
    n.has |= ST_HAS_SERVER_TIMEOUT;
    n.server_timeout_ns = 59953550000;
    assert_words(&n, ST_FIND_SILENT_CLOSE,
                 "Server closed the connection without a reply after DATA (0 bytes): it gave up after "
                 "59.954 s of client silence",
                 "[SMTP timeout: client silent 59.954 s after DATA, server closed]");
    n = article(ST_FIND_DATA_AFTER_CLOSE);
    n.has |= ST_HAS_CLIENT_STALL | ST_HAS_EXCEEDED_BY | ST_HAS_SERVER_TIMEOUT;
    n.late_bytes = 1448;
    n.client_stall_ns = 90481000000;
    n.exceeded_by_ns = 30527000000;
    n.server_timeout_ns = 59953550000;
    assert_words(&n, ST_FIND_DATA_AFTER_CLOSE,
                 "Client sent 1448 bytes 30.527 s after the server closed (frame 866): it stalled "
                 "90.481 s, 30.527 s past the server's 59.954 s timeout", "[Data 30.527 s after close]");
    n = article(ST_FIND_RST_AFTER_CLOSE);
    n.has |= ST_HAS_REPLY_FRAME;
    n.closed.reply_frame = 865;
    assert_words(&n, ST_FIND_RST_AFTER_CLOSE,
                 "Server reset the connection 30.527 s after the close in frame 866 (421 reply in frame 865)",
                 "[RST after close]");
    n = article(ST_FIND_IDLE_START);
    n.begins.side = ST_SIDE_CLIENT;
    n.begins.ns = 59953550000;
    n.begins.until_frame = 865;
    assert_words(&n, ST_FIND_IDLE_START,
                 "Idle interval starts here: the client stayed silent for 59.954 s, until frame 865",
                 "[SMTP idle 59.954 s from here]");
    n = article(ST_FIND_RST_AFTER_END);
    n.has = ST_HAS_CLOSE_FRAME;
    n.rst_from = ST_SIDE_CLIENT;
    n.closed.since_ns = 1000000;
    assert_words(&n, ST_FIND_RST_AFTER_END,
                 "Client reset the connection 0.001 s after the close in frame 866: a normal ending",
                 "[RST after a normal end]");
    n = article(ST_FIND_ENCRYPTED_CLOSE);
    n.has = ST_HAS_IDLE | ST_HAS_ENCRYPTED | ST_HAS_RECORDS;
    n.opaque = true;
    n.records = 2;
    n.record_sizes[0] = 73;
    n.record_sizes[1] = 19;
    assert_words(&n, ST_FIND_ENCRYPTED_CLOSE,
                 "Server sent 2 TLS records (73 and 19 bytes) after 59.954 s of client silence, then "
                 "closed: it gave up on the encrypted session",
                 "[SMTP timeout: client silent 59.954 s inside TLS, server closed]");
    n = article(ST_FIND_CLIENT_GAVE_UP);
    n.has = ST_HAS_AFTER | ST_HAS_IDLE;
    n.after = ST_AFTER_CONNECT;
    n.silent_side = ST_SIDE_SERVER;
    n.idle_ns = 5014000000;
    n.rst_from = ST_SIDE_NONE;
    assert_words(&n, ST_FIND_CLIENT_GAVE_UP,
                 "Client closed the connection after 5.014 s waiting for the server's greeting: it gave up",
                 "[Client gave up after 5.014 s]");
}

/* The evidence of each cause, in the form without a side that gave up. */
static void test_each_cause_evidence(void)
{
    static const struct {
        st_cause cause;
        uint8_t  tls_stage;      /* with ST_HAS_TLS_STAGE when not ST_TLS_NONE */
        uint8_t  ev_side;
        uint16_t ev_count;
        uint32_t ev_bytes;
        uint8_t  explain;
        const char *text;
    } cases[] = {
        { ST_CAUSE_MTU_BLACKHOLE, ST_TLS_NONE, ST_SIDE_CLIENT, 0, 2896, 0,
          "Cause mtu-blackhole: 2896 bytes of the client's segments never arrived, and its peer never "
          "acknowledged them" },
        { ST_CAUSE_MTU_BLACKHOLE, ST_TLS_NONE, ST_SIDE_SERVER, 4, 0, 0,
          "Cause mtu-blackhole: full-size server segments sent again 4 times and never answered" },
        { ST_CAUSE_ZERO_WINDOW, ST_TLS_NONE, ST_SIDE_NONE, 0, 0, 0,
          "Cause zero-window: the server advertised a zero window for 170.000 s" },
        { ST_CAUSE_PACKET_LOSS, ST_TLS_NONE, ST_SIDE_NONE, 3, 0, 0,
          "Cause packet-loss: 3 segments sent again during the silence" },
        { ST_CAUSE_TLS_STALL, ST_TLS_NONE, ST_SIDE_NONE, 0, 0, 0,
          "Cause tls-stall: the TLS handshake after STARTTLS did not complete" },
        { ST_CAUSE_TLS_STALL, ST_TLS_CLIENT_HELLO, ST_SIDE_NONE, 0, 0, 0,
          "Cause tls-stall: the TLS handshake did not complete: the client's ClientHello never came" },
        { ST_CAUSE_TLS_STALL, ST_TLS_SERVER_HELLO, ST_SIDE_NONE, 0, 0, 0,
          "Cause tls-stall: the TLS handshake did not complete: the server's first flight never came" },
        { ST_CAUSE_TLS_STALL, ST_TLS_SERVER_FLIGHT, ST_SIDE_NONE, 0, 0, 0,
          "Cause tls-stall: the TLS handshake did not complete: the rest of the server's flight never came" },
        { ST_CAUSE_TLS_STALL, ST_TLS_CLIENT_FINISHED, ST_SIDE_NONE, 0, 0, 0,
          "Cause tls-stall: the TLS handshake did not complete: the client's key exchange and Finished never "
          "came" },
        { ST_CAUSE_TLS_STALL, ST_TLS_SERVER_FINISHED, ST_SIDE_NONE, 0, 0, 0,
          "Cause tls-stall: the TLS handshake did not complete: the server's Finished never came" },
        { ST_CAUSE_SMTP_INSPECTION, ST_TLS_NONE, ST_SIDE_NONE, 0, 0, 0,
          "Cause smtp-inspection: a masked banner or XXXX commands: a firewall rewrites SMTP" },
        { ST_CAUSE_CLIENT_IDLE, ST_TLS_NONE, ST_SIDE_NONE, 0, 0, ST_EX_POOLED,
          "Cause client-idle: the client left a pooled connection idle" },
        { ST_CAUSE_SERVER_SLOW, ST_TLS_NONE, ST_SIDE_NONE, 0, 0, 0,
          "Cause server-slow: the server did not answer" },
    };
    char buf[512];

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        st_note n = explained(cases[i].cause, ST_GAVE_UP_NONE, ST_MTA_UNKNOWN);
        n.after = ST_AFTER_EHLO;
        if (cases[i].tls_stage != ST_TLS_NONE)
            n.has |= ST_HAS_TLS_STAGE;
        n.tls_stage = cases[i].tls_stage;
        if (cases[i].cause == ST_CAUSE_ZERO_WINDOW) {
            n.evidence.window.closed_ns = 170 * S;
        } else {
            n.evidence.loss.side = cases[i].ev_side;
            n.evidence.loss.resent = cases[i].ev_count;
            n.evidence.loss.hole_bytes = cases[i].ev_bytes;
        }
        n.explain = cases[i].explain;
        st_say_explanation(&n, buf, sizeof(buf));
        g_assert_cmpstr(buf, ==, cases[i].text);
    }
}

static void test_each_ending(void)
{
    static const struct {
        st_ending ending;
        const char *text;
    } cases[] = {
        { ST_END_OPEN, "open" },           { ST_END_OK, "ok" },
        { ST_END_SILENT_CLOSE, "silent close" }, { ST_END_CLIENT_GAVE_UP, "client gave up" },
        { ST_END_MIDDLEBOX, "middlebox reset" }, { ST_END_RESET, "reset" },
        { ST_END_ENCRYPTED_TIMEOUT, "encrypted timeout" },
    };
    st_summary s;
    char buf[64];

    memset(&s, 0, sizeof(s));
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        s.ending = cases[i].ending;
        st_ending_text(&s, buf, sizeof(buf));
        g_assert_cmpstr(buf, ==, cases[i].text);
    }
    s.ending = ST_END_REPLY;
    s.reply_code = 421;
    s.reply_class = ST_CLASS_TIMEOUT;
    st_ending_text(&s, buf, sizeof(buf));
    g_assert_cmpstr(buf, ==, "421 timeout");
}

static void test_explanation_forms(void)
{
    st_note n = explained(ST_CAUSE_CLIENT_IDLE, ST_GAVE_UP_NONE, ST_MTA_UNKNOWN);
    char buf[512];

    st_say_explanation(&n, buf, sizeof(buf));
    g_assert_cmpstr(buf, ==, "Cause client-idle: the client was silent with nothing else on the wire");
    n.gave_up = ST_GAVE_UP_SERVER;
    n.explain = ST_EX_UNTIMED;
    st_say_explanation(&n, buf, sizeof(buf));
    g_assert_cmpstr(buf, ==, "The server gave up (the capture begins too late to show after how long); cause "
                             "client-idle: the client was silent with nothing else on the wire");
    n = explained(ST_CAUSE_UNKNOWN, ST_GAVE_UP_SERVER, ST_MTA_UNKNOWN);
    n.findings = ST_FIND_REPLY;
    n.reply.cls = ST_CLASS_POLICY;
    st_say_explanation(&n, buf, sizeof(buf));
    g_assert_cmpstr(buf, ==, "The server ended the session with a reply of class policy; cause unknown: the capture "
                             "does not tell");
    n = explained(ST_CAUSE_DNS_LOOKUP, ST_GAVE_UP_SERVER, ST_MTA_UNKNOWN);
    n.evidence.dns.queries = 2;
    n.evidence.dns.failed = 1;
    n.evidence.dns.unanswered = 1;
    n.evidence.dns.slowest_ns = 3 * S;
    st_say_explanation(&n, buf, sizeof(buf));
    g_assert_cmpstr(buf, ==, "The server gave up after 42.000 s; cause dns-lookup: 2 DNS queries from the client "
                             "during the silence, 1 unanswered, 1 failed; the slowest answer after 3.000 s");
    n = explained(ST_CAUSE_UNKNOWN, ST_GAVE_UP_MIDDLEBOX, ST_MTA_UNKNOWN);
    n.explain = ST_EX_BOTH_RESET;
    st_say_explanation(&n, buf, sizeof(buf));
    g_assert_cmpstr(buf, ==, "The middlebox gave up after 42.000 s, resets reached both ends; cause unknown: the "
                             "capture does not tell");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/sentences/each-fix", test_each_fix);
    g_test_add_func("/sentences/each-raise", test_each_raise);
    g_test_add_func("/sentences/each-finding", test_each_finding);
    g_test_add_func("/sentences/each-cause-evidence", test_each_cause_evidence);
    g_test_add_func("/sentences/each-ending", test_each_ending);
    g_test_add_func("/sentences/explanation-forms", test_explanation_forms);
    return g_test_run();
}
