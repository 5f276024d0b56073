# SPDX-License-Identifier: GPL-2.0-or-later
"""Healthy sessions give no finding at all, in one pass and in two."""

from stharness import TsharkCase, main

HEALTHY = ["clean.pcap", "out-of-order.pcap"]


class Clean(TsharkCase):
    def test_plugin_is_the_one_under_test(self):
        # Without it, "no finding" would prove nothing.
        self.assert_plugin_loaded()
        self.assertIn("smtp_timeout.idle", self.tshark("-G", "fields"))

    def test_no_finding_one_pass(self):
        for name in HEALTHY:
            self.assertEqual(self.messages(self.capture(name)), {}, name)

    def test_no_finding_two_pass(self):
        for name in HEALTHY:
            self.assertEqual(self.messages(self.capture(name), two_pass=True), {}, name)

    def test_no_finding_even_with_a_one_second_threshold(self):
        for name in HEALTHY:
            self.assertEqual(self.messages(self.capture(name), "-o", "smtp_timeout.gap_threshold:1"), {}, name)

    def test_no_expert_info_of_ours(self):
        out = self.tshark("-2", "-q", "-r", self.capture("clean.pcap"), "-z", "expert")
        self.assertNotIn("SMTP-Timeout", out)
        # ...while TCP's own expert infos are there: the run did analyse.
        self.assertIn("Connection finish (FIN)", out)

    def test_clean_sessions_merged_with_a_timeout_add_nothing(self):
        merged = self.derive("merged.pcap", [self.MERGECAP, "-w", "{out}", self.capture("clean.pcap"),
                                             self.capture("article.pcap")])
        # mergecap orders by time: the 2013 article session comes first.
        self.assertEqual(sorted(self.messages(merged)), [865, 1207, 1208])


if __name__ == "__main__":
    main()
