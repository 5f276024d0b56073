/* stats.h: Statistics > SMTP Timeout Analysis, and `-z smtp_timeout,tree`
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef SMTP_TIMEOUT_STATS_H
#define SMTP_TIMEOUT_STATS_H

/* Registers the stats tree on the tap "smtp_timeout" (data: an st_note). */
void st_stats_register(void);

#endif
