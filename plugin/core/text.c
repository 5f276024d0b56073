/* text.c: case-insensitive searches in reply texts, for the tables
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "text.h"

#include <string.h>

#include <glib.h>

/* Every reply of a session whose server is not yet known is searched for
 * every mark of the tables: the first character is compared before the
 * rest. */
bool st_text_has(const char *text, size_t len, const char *needle)
{
    size_t n = strlen(needle);
    char first = g_ascii_tolower(needle[0]);

    for (size_t i = 0; i + n <= len; i++) {
        if (g_ascii_tolower(text[i]) == first && g_ascii_strncasecmp(text + i, needle, n) == 0)
            return true;
    }
    return false;
}

bool st_text_has_any(const char *text, size_t len, const char *const *needles)
{
    for (; needles != NULL && *needles != NULL; needles++) {
        if (st_text_has(text, len, *needles))
            return true;
    }
    return false;
}

bool st_text_is(const char *text, size_t len, const char *exact)
{
    return len == strlen(exact) && g_ascii_strncasecmp(text, exact, len) == 0;
}
