# SPDX-License-Identifier: GPL-2.0-or-later
"""What the plugin's own code calls outside itself, from a callgrind profile:
the evidence that a frame without a finding allocates nothing (the benchmark's
--allocations, and the test tshark.allocations)."""

import re

# Functions that may allocate: memory, containers, tree items, taps.
ALLOCATING = re.compile(r"^(malloc|calloc|realloc|g_malloc0?|g_realloc|g_try_malloc0?|g_slice_alloc0?|g_strn?dup|"
                        r"g_strdup_printf|g_string_new|g_ptr_array_(new|sized_new|add)|g_array_(sized_new|append_vals)|"
                        r"g_hash_table_(new|insert)|wmem_(alloc0?|realloc|strn?dup|map_insert|map_new.*|list_append)|"
                        r"conversation_add_proto_data|address_to_str|tap_queue_packet|expert_add_info.*|"
                        r"proto_tree_add_.*|proto_item_add_subtree|proto_item_append_text)$")


def plugin_calls(path, plugin="smtp_timeout.so"):
    """{callee: calls} for calls from the plugin's functions into other objects."""
    objects, functions = {}, {}

    def name(table, text):
        m = re.match(r"\((\d+)\)(?: (.*))?$", text.strip())
        if not m:
            return text.strip()
        if m.group(2) is not None:
            table[m.group(1)] = m.group(2)
        return table.get(m.group(1), "?")

    ob = fn_ob = cob = cfn = None
    calls = {}
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            if line.startswith("ob="):
                ob = name(objects, line[3:])
            elif line.startswith("fn="):
                name(functions, line[3:])
                fn_ob, cob = ob, None
            elif line.startswith("cob="):
                cob = name(objects, line[4:])
            elif line.startswith("cfn="):
                cfn = name(functions, line[4:])
            elif line.startswith("calls="):
                callee_ob = cob if cob is not None else fn_ob
                if fn_ob and fn_ob.endswith(plugin) and not (callee_ob or "").endswith(plugin):
                    calls[cfn] = calls.get(cfn, 0) + int(line[6:].split()[0])
                cob = None
    return calls


def allocating(calls):
    """The part of plugin_calls() that may allocate."""
    return {k: v for k, v in calls.items() if ALLOCATING.match(k)}
