#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Screenshots of a real Wireshark window for the README: the packet list
# with the SMTP-Timeout profile (its columns, colours, Info tags and filter
# buttons), the Expert Information dialog and the packet details of the
# article's capture.
#
#   sudo plugin/tools/screenshots.sh BUILD_DIR    (writes plugin/doc/*.png)
#
# Needs: wireshark-qt, xvfb, xdotool, imagemagick, x11-utils.  Wireshark
# ignores personal plugins when run as root, so it runs as nobody with a
# private HOME and plugin folder, on a virtual display of fixed size.
set -euo pipefail

build=${1:?usage: screenshots.sh BUILD_DIR}
here=$(cd "$(dirname "$0")/../.." && pwd)
out=$here/plugin/doc
for tool in wireshark Xvfb xdotool import xwininfo; do
    command -v "$tool" >/dev/null || { echo "missing $tool (apt install wireshark-qt xvfb xdotool imagemagick x11-utils)" >&2; exit 1; }
done
so=$(find "$build/plugins" -name smtp_timeout.so | head -1)
xy=$(basename "$(dirname "$(dirname "$so")")")

work=$(mktemp -d)
chmod 755 "$work"
display=:97
cleanup() { kill "${ws_pid:-}" "${x_pid:-}" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
mkdir -p "$work/plugins/$xy/epan" "$work/.config/wireshark/profiles" "$work/extcap"
cp "$so" "$work/plugins/$xy/epan/"
cp -r "$build/profiles/SMTP-Timeout" "$work/.config/wireshark/profiles/"
cp "$here/testdata/article.pcap" "$work/"
# A fixed look: no welcome dialogs, the packet list short, the details long.
cat > "$work/.config/wireshark/recent_common" <<'RC'
privs.warn_if_elevated: FALSE
gui.geometry_main_width: 1260
gui.geometry_main_height: 1000
gui.geometry_main_maximized: FALSE
RC
cat > "$work/.config/wireshark/preferences" <<'PR'
gui.update.enabled: FALSE
gui.layout_type: 1
gui.auto_scroll_on_expand: TRUE
PR
cat > "$work/.config/wireshark/recent" <<'RE'
gui.byte_view_show: FALSE
gui.geometry_main_upper_pane: 110
RE
# The profile's own recent file: no byte view, narrow columns, so that the
# Info column's tags show.
cat > "$work/.config/wireshark/profiles/SMTP-Timeout/recent" <<'RE'
gui.byte_view_show: FALSE
gui.geometry_main_upper_pane: 320
column.width: %m, 45, %t, 80, %s, 105, %d, 105, %p, 55, %Cus:smtp_timeout.idle:0:R, 70, %Cus:smtp_timeout.after:0:R, 50, %Cus:smtp_timeout.gave_up:0:R, 55, %Cus:smtp_timeout.cause:0:R, 75, %Cus:smtp_timeout.server_timeout:0:R, 70, %i, 600
RE
chmod -R a+rwX "$work"

Xvfb "$display" -screen 0 1920x1080x24 -nolisten tcp &
x_pid=$!
sleep 1
run_wireshark() {
    setpriv --reuid=65534 --regid=65534 --clear-groups env DISPLAY="$display" HOME="$work" \
        XDG_CONFIG_HOME="$work/.config" WIRESHARK_PLUGIN_DIR="$work/plugins" WIRESHARK_EXTCAP_DIR="$work/extcap" \
        QT_QPA_PLATFORM=xcb LC_ALL=C.UTF-8 wireshark "$@" >/dev/null 2>&1 &
    ws_pid=$!
}
export DISPLAY=$display

# The packet list with the SMTP-Timeout profile: the commands, the 354 and the
# findings, frame 93 selected; its filter buttons above the list.
run_wireshark -C SMTP-Timeout -r "$work/article.pcap" -Y "smtp.req || smtp.response.code >= 354 || smtp_timeout" -g 93 \
    -o gui.packet_details_show_byteview:FALSE
xdotool search --sync --onlyvisible --name "article.pcap" >/dev/null
sleep 4
id=$(xdotool search --onlyvisible --name "article.pcap" | head -1)
xdotool windowsize "$id" 1900 560 windowmove "$id" 0 0
sleep 2
DISPLAY=$display import -window "$id" "$out/packet-list.png"
kill "$ws_pid"; wait "$ws_pid" 2>/dev/null || true

# Packet details of frame 865, the SMTP Timeout Analysis tree open.
run_wireshark -r "$work/article.pcap" -g 865 -Y smtp_timeout -o gui.packet_details_show_byteview:FALSE
xdotool search --sync --onlyvisible --name "article.pcap" >/dev/null
sleep 4
id=$(xdotool search --onlyvisible --name "article.pcap" | head -1)
xdotool windowsize "$id" 1260 1000 windowmove "$id" 0 0
sleep 1
# Select the SMTP Timeout Analysis line of the details and open it with
# all its subtrees (Shift+Right).
xdotool mousemove --window "$id" 200 384 click 1
sleep 1
xdotool key --window "$id" shift+Right
sleep 2
DISPLAY=$display import -window "$id" "$out/packet-details.png"
kill "$ws_pid"; wait "$ws_pid" 2>/dev/null || true

# Analyze > Expert Information, opened by its tap.
run_wireshark -r "$work/article.pcap" -z expert
id=$(xdotool search --sync --onlyvisible --name "Expert Information" | head -1)
sleep 3
xdotool windowsize "$id" 1240 640
sleep 1
# One row per expert info, each with its own sentence: untick "Group by
# summary".
xdotool mousemove --window "$id" 208 585 click 1
sleep 2
# Open SMTP-Timeout's rows (notes, response warnings, sequence warnings),
# bottom first so that the rows above stay put, and widen the summaries.
for y in 109 75 58; do
    xdotool mousemove --window "$id" 21 "$y" click 1
    sleep 0.5
done
xdotool mousemove --window "$id" 540 22 mousedown 1 mousemove --window "$id" 810 22 mouseup 1
sleep 1
DISPLAY=$display import -window "$id" "$out/expert-info.png"
echo "wrote $out/packet-list.png, $out/packet-details.png and $out/expert-info.png"
