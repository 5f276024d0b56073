/* mta.c: what each server's software looks like and does, as data
 *
 * Texts, timers and settings are the servers' own, as their sources and
 * manuals give them: Postfix smtpd.c and postconf(5), Exim smtp_in.c,
 * receive.c and its specification, Sendmail srvrsmtp.c, collect.c and the
 * operations guide, OpenSMTPD smtp_session.c, qmail-smtpd.c, Haraka's
 * connection.js, Microsoft's Set-ReceiveConnector page, Google's list of
 * Gmail SMTP errors.  Rows are searched in order: the first server whose
 * mark a reply holds is the one.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "mta.h"

#include "text.h"

#define LIST(...) ((const char *const[]){ __VA_ARGS__, NULL })
#define NS_PER_S INT64_C(1000000000)

static const st_mta_profile profiles[ST_MTA_COUNT] = {
    [ST_MTA_UNKNOWN] = {
        .name = "unknown",
        .timers = { { "the usual server default (300 s: Postfix, Exim, Haraka, OpenSMTPD, Exchange Mailbox)", 300 } },
        .setting = "the server's idle timeout",
        .set_to = "the server's idle timeout, to {value} s",
        .tls_setting = "the server's TLS handshake timeout (Postfix smtpd_starttls_timeout, Exim smtp_receive_timeout)",
    },
    [ST_MTA_POSTFIX] = {
        .name = "postfix",
        .marks = LIST("ESMTP Postfix", "Error: timeout exceeded", "All server ports are busy"),
        .timers = { { "Postfix smtpd_timeout default (300 s)", 300 },
                    { "Postfix smtpd_timeout under stress (10 s)", 10,
                      "Fix the server first: Postfix is likely in stress mode (a 10 s timeout); raise its process "
                      "limit (default_process_limit, or maxproc of the smtp service in master.cf) rather than "
                      "smtpd_timeout" } },
        .setting = "Postfix smtpd_timeout",
        .set_to = "postconf -e smtpd_timeout={value}s && postfix reload",
        .tls_setting = "Postfix smtpd_starttls_timeout",
    },
    [ST_MTA_EXIM] = {
        .name = "exim",
        .marks = LIST("ESMTP Exim", "SMTP command timeout - closing connection", "SMTP incoming data timeout"),
        .timers = { { "Exim smtp_receive_timeout default (5 min)", 300 } },
        .setting = "Exim smtp_receive_timeout",
        .set_to = "smtp_receive_timeout = {value}s in the Exim configuration, then reload Exim "
                  "(systemctl reload exim4)",
        .tls_setting = "Exim smtp_receive_timeout",
    },
    [ST_MTA_SENDMAIL] = {
        .name = "sendmail",
        .marks = LIST("Sendmail", "Lost input channel", "collect: read timeout"),
        .timers = { { "Sendmail Timeout.datablock/command default (1 h)", 3600 } },
        .setting = "Sendmail confTO_COMMAND",
        .setting_body = "Sendmail confTO_DATABLOCK",
        .set_to = "define(`confTO_COMMAND', `{value}s') in sendmail.mc, then rebuild sendmail.cf and restart Sendmail",
        .set_to_body = "define(`confTO_DATABLOCK', `{value}s') in sendmail.mc, then rebuild sendmail.cf and restart "
                       "Sendmail",
        .tls_setting = "Sendmail confTO_STARTTLS",
    },
    [ST_MTA_EXCHANGE] = {
        .name = "exchange",
        .marks = LIST("Microsoft ESMTP MAIL Service", "Microsoft Exchange", "outlook.com", "Total session duration"),
        .timers = { { "Exchange Edge ConnectionInactivityTimeout default (1 min)", 60 },
                    { "Exchange Mailbox ConnectionInactivityTimeout default (5 min)", 300 } },
        .setting = "Exchange Set-ReceiveConnector -ConnectionInactivityTimeout",
        .set_to = "Set-ReceiveConnector <name> -ConnectionInactivityTimeout {value}",
        .units = ST_UNITS_HMS,
    },
    [ST_MTA_GMAIL] = {
        .name = "gmail",
        .marks = LIST("mx.google.com", " gsmtp"),
        .fixed = "nothing: the receiving service's timeout cannot be changed",
    },
    [ST_MTA_QMAIL] = {
        .name = "qmail",
        .marks = LIST("qmail", "(#4."),
        .timers = { { "qmail timeoutsmtpd default (1200 s)", 1200 } },
        .setting = "qmail control/timeoutsmtpd",
        .set_to = "echo {value} > /var/qmail/control/timeoutsmtpd",
    },
    [ST_MTA_HARAKA] = {
        .name = "haraka",
        .marks = LIST("Haraka"),
        .bare_421 = "timeout",
        .timers = { { "Haraka inactivity_timeout default (300 s)", 300 } },
        .setting = "Haraka inactivity_timeout in config/smtp.ini",
        .set_to = "inactivity_timeout={value} in Haraka's config/smtp.ini, then restart Haraka",
    },
    [ST_MTA_SES] = {
        .name = "ses",
        .marks = LIST("amazonses.com", "SimpleEmailService", "Timeout waiting for data from client"),
        .fixed = "nothing: the receiving service's timeout cannot be changed",
    },
    [ST_MTA_NODEMAILER] = {
        .name = "nodemailer",
        .bare_421 = "Timeout - closing connection",
        .bare_421_plain = true,
        .setting = "the smtp-server socketTimeout option",
        .set_to = "socketTimeout: {value} in the smtp-server options, then restart the server",
        .units = ST_UNITS_MS,
    },
    [ST_MTA_OPENSMTPD] = {
        .name = "opensmtpd",
        .marks = LIST("OpenSMTPD"),
        .timers = { { "OpenSMTPD's fixed session timeout (300 s)", 300 } },
        .fixed = "nothing: OpenSMTPD's 300 s timeout is fixed at build time",
    },
};

const char *st_mta_name(st_mta mta)
{
    return (unsigned)mta < ST_MTA_COUNT ? profiles[mta].name : profiles[ST_MTA_UNKNOWN].name;
}

const st_mta_profile *st_mta_profile_of(st_mta mta)
{
    return &profiles[(unsigned)mta < ST_MTA_COUNT ? mta : ST_MTA_UNKNOWN];
}

st_mta st_recognise_mta(const st_reply *r)
{
    for (unsigned m = 1; m < ST_MTA_COUNT; m++) {
        if (st_text_has_any(r->text, r->text_len, profiles[m].marks))
            return (st_mta)m;
    }
    /* Two servers are known by a bare timeout reply alone. */
    for (unsigned m = 1; m < ST_MTA_COUNT; m++) {
        const st_mta_profile *p = &profiles[m];
        if (p->bare_421 != NULL && r->code == 421 && (!p->bare_421_plain || r->status[0] == '\0') &&
            st_text_is(r->text, r->text_len, p->bare_421))
            return (st_mta)m;
    }
    return ST_MTA_UNKNOWN;
}

/* ---- timers ---- */

typedef struct {
    const char *text;
    uint16_t    seconds;
    uint8_t     after;      /* the command waited for; ST_AFTER_NONE: any */
} side_timer;

static const side_timer client_timers[] = {
    { "Postfix client smtp_data_init_timeout default (120 s)", 120, ST_AFTER_DATA },
    { "Postfix client smtp_data_xfer_timeout default (180 s)", 180, ST_AFTER_DATA },
    { "Postfix client smtp_data_done_timeout and Exim final_timeout defaults (600 s)", 600, ST_AFTER_END_OF_MESSAGE },
    { "Sendmail client Timeout.datafinal default (1 h)", 3600, ST_AFTER_END_OF_MESSAGE },
    { "Sendmail client Timeout.mail default (10 min)", 600, ST_AFTER_MAIL },
    { "Sendmail client Timeout.rcpt default (1 h)", 3600, ST_AFTER_RCPT },
    { "the usual client command timeout (300 s: Postfix, Exim, Sendmail)", 300, ST_AFTER_NONE },
};

static const side_timer middlebox_timers[] = {
    { "Azure Load Balancer idle timeout default (4 min)", 240, ST_AFTER_NONE },
    { "AWS Network Load Balancer idle timeout default (350 s)", 350, ST_AFTER_NONE },
    { "a firewall's TCP idle timeout (1 h)", 3600, ST_AFTER_NONE },
};

#define N_CLIENT (sizeof(client_timers) / sizeof(client_timers[0]))
#define N_MIDDLEBOX (sizeof(middlebox_timers) / sizeof(middlebox_timers[0]))
/* Ids: 1 + ST_MTA_TIMERS * mta + index for servers, then clients, then middleboxes. */
#define CLIENT_BASE (1 + ST_MTA_TIMERS * ST_MTA_COUNT)
#define MIDDLEBOX_BASE (CLIENT_BASE + N_CLIENT)

/* Timers fire late by scheduling and delayed ACKs, never early by much. */
static bool near(int64_t ns, unsigned seconds)
{
    int64_t t = (int64_t)seconds * NS_PER_S;
    int64_t tolerance = t / 50 > NS_PER_S ? t / 50 : NS_PER_S;

    return ns >= t - tolerance && ns <= t + tolerance;
}

static uint8_t match_side(const side_timer *list, size_t n, unsigned base, st_after after, int64_t ns)
{
    for (size_t i = 0; i < n; i++) {
        if ((list[i].after == ST_AFTER_NONE || list[i].after == after) && near(ns, list[i].seconds))
            return (uint8_t)(base + i);
    }
    return 0;
}

uint8_t st_timer_match(st_gave_up side, st_mta mta, st_after after, int64_t ns)
{
    const st_mta_profile *p = st_mta_profile_of(mta);

    switch (side) {
    case ST_GAVE_UP_SERVER:
        for (unsigned i = 0; i < ST_MTA_TIMERS && p->timers[i].seconds != 0; i++) {
            if (near(ns, p->timers[i].seconds))
                return (uint8_t)(1 + ST_MTA_TIMERS * (unsigned)(p - profiles) + i);
        }
        return 0;
    case ST_GAVE_UP_CLIENT:
        return match_side(client_timers, N_CLIENT, CLIENT_BASE, after, ns);
    case ST_GAVE_UP_MIDDLEBOX:
        return match_side(middlebox_timers, N_MIDDLEBOX, MIDDLEBOX_BASE, after, ns);
    default:
        return 0;
    }
}

static const st_timer_default *server_timer(uint8_t id)
{
    unsigned at = (unsigned)id - 1;

    if (id == 0 || id >= CLIENT_BASE || profiles[at / ST_MTA_TIMERS].timers[at % ST_MTA_TIMERS].seconds == 0)
        return NULL;
    return &profiles[at / ST_MTA_TIMERS].timers[at % ST_MTA_TIMERS];
}

const char *st_timer_text(uint8_t id)
{
    const st_timer_default *t = server_timer(id);

    if (t != NULL)
        return t->text;
    if (id >= CLIENT_BASE && id < MIDDLEBOX_BASE)
        return client_timers[id - CLIENT_BASE].text;
    if (id >= MIDDLEBOX_BASE && id < MIDDLEBOX_BASE + N_MIDDLEBOX)
        return middlebox_timers[id - MIDDLEBOX_BASE].text;
    return "";
}

bool st_timer_is_stress(uint8_t id)
{
    return st_timer_advice(id) != NULL;
}

const char *st_timer_advice(uint8_t id)
{
    const st_timer_default *t = server_timer(id);

    return t != NULL ? t->advice : NULL;
}

const char *st_client_settings(st_after after)
{
    static const struct {
        uint8_t     after;
        const char *text;
    } rows[] = {
        { ST_AFTER_CONNECT, "Postfix smtp_helo_timeout, Exim command_timeout, Sendmail confTO_INITIAL" },
        { ST_AFTER_DATA, "Postfix smtp_data_init_timeout, Exim command_timeout, Sendmail confTO_DATAINIT" },
        { ST_AFTER_END_OF_MESSAGE, "Postfix smtp_data_done_timeout, Exim final_timeout, Sendmail confTO_DATAFINAL" },
        { ST_AFTER_MAIL, "Postfix smtp_mail_timeout, Exim command_timeout, Sendmail confTO_MAIL" },
        { ST_AFTER_RCPT, "Postfix smtp_rcpt_timeout, Exim command_timeout, Sendmail confTO_RCPT" },
    };

    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        if (rows[i].after == after)
            return rows[i].text;
    }
    return "Postfix smtp_*_timeout, Exim command_timeout, Sendmail confTO_*";
}

static const char *const vendor_advice[ST_ADVICE_COUNT] = {
    [ST_ADVICE_POOL] = "Postfix: smtp_connection_cache_time_limit, within connection_cache_ttl_limit",
    [ST_ADVICE_INSPECTION] = "Cisco ASA: no inspect esmtp, PIX: no fixup protocol smtp 25",
};

const char *st_vendor_advice_text(st_vendor_advice which)
{
    return (unsigned)which < ST_ADVICE_COUNT ? vendor_advice[which] : "";
}
