/* test_findings.c: the findings table
 *
 * Its rows are in bit order, each name and expert info once, with a
 * sentence; the report counts exactly the findings of a session's story.
 * With --dump it prints the table (expert info, severity, group, name,
 * counted, tagged) for tshark.docs, which holds the README's table and
 * Wireshark's registration to it.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <glib.h>
#include <stdio.h>
#include <string.h>

#include "core/findings.h"

static void test_rows_in_bit_order(void)
{
    for (unsigned i = 0; i < ST_FINDING_COUNT; i++) {
        g_assert_cmpuint(st_findings[i].finding, ==, 1u << i);
        g_assert_true(st_finding_row_of(st_findings[i].finding) == &st_findings[i]);
        g_assert_nonnull(st_findings[i].message);
        g_assert_true(g_str_has_prefix(st_findings[i].expert, "smtp_timeout."));
        for (unsigned j = 0; j < i; j++) {
            g_assert_cmpstr(st_findings[i].name, !=, st_findings[j].name);
            g_assert_cmpstr(st_findings[i].expert, !=, st_findings[j].expert);
        }
    }
    g_assert_null(st_finding_row_of((st_finding)(1u << ST_FINDING_COUNT)));
}

/* Counted: what tells a session's story; not: where an interval began, a
 * reset after a normal end, what could not be read. */
static void test_counted_and_warnings(void)
{
    uint32_t all = (1u << ST_FINDING_COUNT) - 1;

    g_assert_cmpuint(st_findings_counted(all), ==,
                     all & ~(uint32_t)(ST_FIND_IDLE_START | ST_FIND_RST_AFTER_END | ST_FIND_UNREAD));
    g_assert_true(st_finding_is_warning(ST_FIND_REPLY));
    g_assert_true(st_finding_is_warning(ST_FIND_CLIENT_GAVE_UP));
    g_assert_false(st_finding_is_warning(ST_FIND_GAP));
    g_assert_false(st_finding_is_warning(ST_FIND_RST_AFTER_END));
    g_assert_cmpstr(st_finding_name(ST_FIND_SILENT_CLOSE), ==, "silent close");
}

static int dump(void)
{
    static const char *const severity[] = { "Chat", "Note", "Warning" };

    for (unsigned i = 0; i < ST_FINDING_COUNT; i++) {
        const st_finding_row *r = &st_findings[i];
        printf("%s\t%s\t%s\t%s\t%d\t%d\n", r->expert, severity[r->severity], r->response_code ? "Response" : "Sequence",
               r->name, r->counts, r->tag != NULL);
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "--dump") == 0)
        return dump();
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/findings/rows_in_bit_order", test_rows_in_bit_order);
    g_test_add_func("/findings/counted_and_warnings", test_counted_and_warnings);
    return g_test_run();
}
