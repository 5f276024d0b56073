/* report.h: the sessions of a capture, for `-z smtp_timeout,sessions`
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef SMTP_TIMEOUT_REPORT_H
#define SMTP_TIMEOUT_REPORT_H

#include "core/capture.h"

/* The engine of the file being read (NULL between files). */
typedef const st_capture *(*st_capture_get)(void);

/* Registers `-z smtp_timeout,sessions[,csv]`, whose rows the engine makes. */
void st_report_register(st_capture_get get);

#endif
