/* render.h: a frame's note as tree items, expert infos and Info tags
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef SMTP_TIMEOUT_RENDER_H
#define SMTP_TIMEOUT_RENDER_H

#include <epan/packet.h>

#include "core/note.h"

void st_render_register(int proto);
/* Which findings get a bracketed tag in the Info column. */
typedef enum { ST_TAGS_NONE, ST_TAGS_WARNINGS, ST_TAGS_ALL } st_tags;

void st_render(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, const st_note *note, st_tags tags);

#endif
