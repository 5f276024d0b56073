/* test_community_id.c: the Community ID of flows, against known values
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <glib.h>

#include "core/community_id.h"

/* The article's flow, as Wireshark's communityid dissector gives it; both
 * directions, and the ports alone deciding for equal addresses. */
static void test_known_flows(void)
{
    static const uint8_t client[4] = { 192, 0, 2, 45 }, server[4] = { 198, 51, 100, 25 };
    static const uint8_t host[4] = { 127, 0, 0, 1 };
    char a[ST_COMMUNITY_ID_MAX], b[ST_COMMUNITY_ID_MAX];

    st_community_id(client, server, 4, 46281, 25, 6, 0, a, sizeof(a));
    g_assert_cmpstr(a, ==, "1:N+va64JdjnyybqSVlmH6L2+empg=");
    st_community_id(server, client, 4, 25, 46281, 6, 0, b, sizeof(b));
    g_assert_cmpstr(a, ==, b);
    st_community_id(host, host, 4, 40000, 25, 6, 0, a, sizeof(a));
    st_community_id(host, host, 4, 25, 40000, 6, 0, b, sizeof(b));
    g_assert_cmpstr(a, ==, b);
    st_community_id(client, server, 4, 46281, 25, 6, 1, b, sizeof(b));
    g_assert_cmpstr(b, !=, "1:N+va64JdjnyybqSVlmH6L2+empg=");
}

static void test_bad_lengths(void)
{
    static const uint8_t addr[16] = { 0 };
    char out[ST_COMMUNITY_ID_MAX] = "x";

    st_community_id(addr, addr, 5, 1, 2, 6, 0, out, sizeof(out));
    g_assert_cmpstr(out, ==, "");
    st_community_id(addr, addr, 16, 1, 2, 6, 0, out, 8);
    g_assert_cmpstr(out, ==, "");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/community-id/known-flows", test_known_flows);
    g_test_add_func("/community-id/bad-lengths", test_bad_lengths);
    return g_test_run();
}
