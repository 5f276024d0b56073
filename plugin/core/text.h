/* text.h: case-insensitive searches in reply texts, for the tables
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef SMTP_TIMEOUT_TEXT_H
#define SMTP_TIMEOUT_TEXT_H

#include <stdbool.h>
#include <stddef.h>

/* Whether text holds needle, ignoring ASCII case. */
bool st_text_has(const char *text, size_t len, const char *needle);

/* Whether text holds any of a NULL-terminated list (NULL: none). */
bool st_text_has_any(const char *text, size_t len, const char *const *needles);

/* Whether text is exactly this, ignoring ASCII case. */
bool st_text_is(const char *text, size_t len, const char *exact);

#endif
