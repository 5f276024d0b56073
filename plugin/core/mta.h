/* mta.h: what each server's software looks like and does, as data
 *
 * One row per server (mta.c): how to recognise it from its greeting, EHLO
 * reply and reply texts; its timers and their defaults; the setting to
 * raise and how to write it with a value.  Adding a server means adding
 * a row.  Beside them, the timers of clients and of middleboxes, which the
 * capture cannot tell apart by software.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef SMTP_TIMEOUT_MTA_H
#define SMTP_TIMEOUT_MTA_H

#include <stdbool.h>
#include <stdint.h>

#include "note.h"
#include "smtp_line.h"

typedef enum {
    ST_MTA_UNKNOWN = 0,
    ST_MTA_POSTFIX,
    ST_MTA_EXIM,
    ST_MTA_SENDMAIL,
    ST_MTA_EXCHANGE,
    ST_MTA_GMAIL,
    ST_MTA_QMAIL,
    ST_MTA_HARAKA,
    ST_MTA_SES,
    ST_MTA_NODEMAILER,
    ST_MTA_OPENSMTPD,
    ST_MTA_COUNT
} st_mta;

/* How a setting's value is written: seconds, hh:mm:ss, milliseconds. */
typedef enum { ST_UNITS_SECONDS, ST_UNITS_HMS, ST_UNITS_MS } st_units;

typedef struct {
    const char *text;            /* "Postfix smtpd_timeout default (300 s)" */
    uint16_t    seconds;         /* 0 ends the list */
    /* What to change when a wait matches this default, when it is not the
     * timeout itself (Postfix under stress: its process limit), or NULL. */
    const char *advice;
} st_timer_default;

#define ST_MTA_TIMERS 3

typedef struct {
    const char        *name;           /* the value of smtp_timeout.mta */
    const char *const *marks;          /* texts of its greeting, EHLO reply or replies */
    const char        *bare_421;       /* a whole 421 text only it sends, or NULL */
    st_timer_default   timers[ST_MTA_TIMERS];
    const char        *setting;        /* the server setting that bounds the wait */
    const char        *setting_body;   /* the one for a wait inside the body, if another */
    const char        *set_to;         /* how to set it: "{value}" stands for the value, in `units` */
    const char        *set_to_body;
    const char        *fixed;          /* why nothing can be raised, or NULL */
    const char        *tls_setting;    /* what bounds its wait in a TLS handshake, or NULL */
    st_units           units;
    bool               bare_421_plain; /* bare_421 counts only without an enhanced status code */
} st_mta_profile;

const char *st_mta_name(st_mta mta);
const st_mta_profile *st_mta_profile_of(st_mta mta);

/* The server software a reply's text names or betrays (a greeting, an EHLO
 * reply, a 421), or ST_MTA_UNKNOWN. */
st_mta st_recognise_mta(const st_reply *reply);

/* A known default that the interval matches, as an id (0: none).  Server
 * timers are looked up among the server's own (a known server's other
 * values are its site's settings); client timers by the command waited
 * for; middlebox timers by value alone. */
uint8_t st_timer_match(st_gave_up side, st_mta mta, st_after after, int64_t ns);
const char *st_timer_text(uint8_t id);
bool st_timer_is_stress(uint8_t id);

/* The advice of a server's default timer (st_timer_default.advice), or NULL. */
const char *st_timer_advice(uint8_t id);

/* The client settings that bound its wait for a reply to this command,
 * across the common senders. */
const char *st_client_settings(st_after after);

/* The vendors' own settings for what is fixed on the sender or in the path,
 * not on the server: a sender's connection cache, a firewall's SMTP
 * inspection. */
typedef enum {
    ST_ADVICE_POOL = 0,          /* the sender keeps idle connections (Postfix's connection cache) */
    ST_ADVICE_INSPECTION,        /* a firewall rewrites SMTP (Cisco ASA, PIX) */
    ST_ADVICE_COUNT
} st_vendor_advice;

const char *st_vendor_advice_text(st_vendor_advice which);

#endif
