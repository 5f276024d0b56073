/* render.h: a frame's note as tree items and expert infos
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef SMTP_TIMEOUT_RENDER_H
#define SMTP_TIMEOUT_RENDER_H

#include <epan/packet.h>

#include "core/note.h"

void st_render_register(int proto);
void st_render(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, const st_note *note);

#endif
