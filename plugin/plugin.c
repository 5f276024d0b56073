/* plugin.c: what Wireshark's plugin loader looks for
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#define WS_BUILD_DLL
#include <wireshark.h>
#include <epan/packet.h>
#include <epan/proto.h>

#include "ws_compat.h"

void proto_register_smtp_timeout(void);
void proto_reg_handoff_smtp_timeout(void);

WS_DLL_PUBLIC_DEF const char plugin_version[] = SMTP_TIMEOUT_VERSION;
WS_DLL_PUBLIC_DEF const int plugin_want_major = WIRESHARK_VERSION_MAJOR;
WS_DLL_PUBLIC_DEF const int plugin_want_minor = WIRESHARK_VERSION_MINOR;

WS_DLL_PUBLIC void plugin_register(void);

void plugin_register(void)
{
    static proto_plugin plugin;

    plugin.register_protoinfo = proto_register_smtp_timeout;
    plugin.register_handoff = proto_reg_handoff_smtp_timeout;
    proto_register_plugin(&plugin);
}

#if ST_HAVE_PLUGIN_DESCRIBE
WS_DLL_PUBLIC uint32_t plugin_describe(void);

uint32_t plugin_describe(void)
{
    return WS_PLUGIN_DESC_DISSECTOR;
}
#endif
