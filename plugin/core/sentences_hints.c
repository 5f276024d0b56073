/* sentences_hints.c: the words of smtp-timeout's hints: the side to fix
 * first and the setting to change, in the setting's own words and units
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "sentences.h"

#include <glib.h>
#include <string.h>

#include "explain.h"
#include "mta.h"
#include "reply_class.h"

/* ---- the hint ---- */

/* A value in the setting's own units. */
static void format_value(st_units units, unsigned secs, char *buf, size_t size)
{
    if (units == ST_UNITS_HMS)
        g_snprintf(buf, (gulong)size, "%02u:%02u:%02u", secs / 3600, secs / 60 % 60, secs % 60);
    else if (units == ST_UNITS_MS)
        g_snprintf(buf, (gulong)size, "%u000", secs);
    else
        g_snprintf(buf, (gulong)size, "%u", secs);
}

/* The table's way to set a value, with "{value}" filled in. */
static void fill_in(const char *template, const char *value, char *buf, size_t size)
{
    const char *at = strstr(template, "{value}");

    if (at == NULL) {
        g_strlcpy(buf, template, size);
        return;
    }
    g_snprintf(buf, (gulong)size, "%.*s%s%s", (int)(at - template), template, value, at + strlen("{value}"));
}

/* The server's setting by name, or how to set it to secs (> 0). */
static void server_setting(const st_note *n, const st_advice *a, unsigned secs, char *buf, size_t size)
{
    const st_mta_profile *p = st_mta_profile_of((st_mta)n->mta);
    const char *name = a->in_body && p->setting_body != NULL ? p->setting_body : p->setting;
    const char *set_to = a->in_body && p->set_to_body != NULL ? p->set_to_body : p->set_to;
    char value[32];

    if (p->fixed != NULL) {
        g_strlcpy(buf, p->fixed, size);
    } else if (secs > 0) {
        format_value(p->units, secs, value, sizeof(value));
        fill_in(set_to, value, buf, size);
    } else {
        g_strlcpy(buf, name, size);
    }
}

/* What to raise on the server meanwhile, as the end of the hint. */
static void raise_clause(const st_note *n, const st_advice *a, char *buf, size_t size)
{
    char setting[160], t[32];

    buf[0] = '\0';
    switch (a->raise) {
    case ST_RAISE_FIXED:
        server_setting(n, a, 0, setting, sizeof(setting));
        g_snprintf(buf, (gulong)size, "; on the server side: %s", setting);
        break;
    case ST_RAISE_TO_VALUE:
        st_format_duration(n->client_stall_ns, t, sizeof(t));
        server_setting(n, a, a->value_s, setting, sizeof(setting));
        g_snprintf(buf, (gulong)size, "; as a mitigation, raise the server's timeout above the %s stall: %s", t,
                   setting);
        break;
    case ST_RAISE_ABOVE_STALL:
        server_setting(n, a, 0, setting, sizeof(setting));
        g_snprintf(buf, (gulong)size, "; as a mitigation, raise %s above the client's stall", setting);
        break;
    case ST_RAISE_FROM_TIMED:
        st_format_duration(n->timed_ns, t, sizeof(t));
        server_setting(n, a, 0, setting, sizeof(setting));
        g_snprintf(buf, (gulong)size, "; as a mitigation, raise %s (%s here) above the client's stall", setting, t);
        break;
    default:
        break;
    }
}

static const char *tls_setting(st_mta mta)
{
    const st_mta_profile *p = st_mta_profile_of(mta);

    return p->tls_setting != NULL ? p->tls_setting : st_mta_profile_of(ST_MTA_UNKNOWN)->tls_setting;
}

static void hint_dns(const st_note *n, const char *rest, char *buf, size_t size)
{
    char summary[128];
    bool failed = n->evidence.dns.unanswered == 0 && n->evidence.dns.failed > 0 &&
                  n->evidence.dns.slowest_ns < ST_DNS_SLOW_NS;

    st_dns_summary(n, summary, sizeof(summary));
    g_snprintf(buf, (gulong)size, "Fix the sender first: %s (%u %s, %s)%s",
               failed ? "its DNS lookups failed" : "it was waiting for DNS", n->evidence.dns.queries,
               n->evidence.dns.queries == 1 ? "query" : "queries", summary, rest);
}

/* The hints that need figures of the note. */
static void hint_with_figures(const st_note *n, const st_advice *a, const char *after, const char *rest,
                              char *buf, size_t size)
{
    char t[32];

    switch (a->fix) {
    case ST_FIX_MIDDLEBOX:
        st_format_duration(n->timed_ns, t, sizeof(t));
        g_snprintf(buf, (gulong)size, "Fix the network first: raise the idle timeout of the load balancer or firewall "
                   "between the hosts above the SMTP timeouts (over 300 s); it reset a connection idle for %s", t);
        break;
    case ST_FIX_SENDER_DNS:
        hint_dns(n, rest, buf, size);
        break;
    case ST_FIX_SENDER_POOL: /* idle by design: no server setting to raise */
        if (n->explain & ST_EX_UNTIMED)
            g_strlcpy(t, "the server's", sizeof(t));
        else
            st_format_duration(n->timed_ns, t, sizeof(t));
        g_snprintf(buf, (gulong)size, "Fix the sender first: it kept its connection idle between messages longer "
                   "than the server's timeout (%s here), as a connection pool or cache does; keep idle connections "
                   "for less (%s), or check them with NOOP before reuse", t, st_vendor_advice_text(ST_ADVICE_POOL));
        break;
    case ST_FIX_SENDER:
        g_snprintf(buf, (gulong)size, "Fix the sender first: find what kept it silent%s (a milter, a content "
                   "filter, the application)%s", after, rest);
        break;
    case ST_FIX_SENDER_UNTIMED:
        g_snprintf(buf, (gulong)size, "Fix the sender first: the server's wait for it ran out%s; find what kept "
                   "it silent (a milter, a content filter, the application)%s", after, rest);
        break;
    case ST_FIX_SERVER_READING:
        st_format_duration(n->evidence.window.closed_ns, t, sizeof(t));
        g_snprintf(buf, (gulong)size, "Fix the server first: it stopped reading (zero window for %s); check its "
                   "load, disk and content filters", t);
        break;
    case ST_FIX_PATH_LOSS:
        g_snprintf(buf, (gulong)size, "Fix the network path first: %u segments were sent again during the silence",
                   n->evidence.loss.resent);
        break;
    case ST_FIX_TLS:
        g_snprintf(buf, (gulong)size, "Fix the TLS negotiation first: check TLS versions and ciphers on both sides, "
                   "and the path MTU (large certificate flights); %s bounds the server's wait",
                   tls_setting((st_mta)n->mta));
        break;
    case ST_FIX_SERVER_SLOW:
        st_format_duration(n->idle_ns, t, sizeof(t));
        g_snprintf(buf, (gulong)size, "Fix the server first: it did not answer%s for %s (look at its milters, "
                   "policy services and content filters); the client's timer: %s", after, t,
                   st_client_settings((st_after)n->after));
        break;
    default:
        buf[0] = '\0';
        break;
    }
}

/* The hints that are the same words every time. */
static const char *fixed_hint(const st_note *n, st_fix fix)
{
    switch (fix) {
    case ST_FIX_SERVER_STRESS: /* the matched default's own advice, a row of mta.c */
        return st_timer_advice(n->timer);
    case ST_FIX_PATH_MTU:
        return "Fix the network path first: full-size segments do not get through (an MTU black hole); allow ICMP "
               "fragmentation-needed on the path or clamp the TCP MSS";

    case ST_FIX_BY_CLASS:
        return st_reply_class_hint((st_reply_class)n->reply.cls);
    default:
        return NULL;
    }
}

void st_say_hint(const st_note *n, char *buf, size_t size)
{
    st_advice a;
    char rest[256], after[48] = "";
    const char *words;

    buf[0] = '\0';
    st_advise(n, &a);
    if (a.fix == ST_FIX_NONE)
        return;
    /* Late data knows the state the server gave up in, without the field. */
    if (n->after != ST_AFTER_NONE)
        g_snprintf(after, sizeof(after), " after %s", st_after_name((st_after)n->after));
    if (a.fix == ST_FIX_INSPECTION) {
        g_snprintf(buf, (gulong)size, "Turn off SMTP inspection on the firewall first (%s): it masks the banner "
                   "and rewrites commands", st_vendor_advice_text(ST_ADVICE_INSPECTION));
        return;
    }
    words = fixed_hint(n, a.fix);
    if (words != NULL) {
        g_strlcpy(buf, words, size);
        return;
    }
    raise_clause(n, &a, rest, sizeof(rest));
    hint_with_figures(n, &a, after, rest, buf, size);
}
