# SPDX-License-Identifier: GPL-2.0-or-later
"""The scan's HTML page: one self-contained file (no network, no external
script, style or font) with a sortable table of the sessions with findings
and, for each, an SVG timeline: the client's and the server's lanes, their
commands, replies and other payload as marks with frame numbers, the idle
interval against the server's timeout, the close, the late data, the reset.

The time axis is compressed: each step between two marks is drawn by the
logarithm of its length, so that a 300 s stall and the milliseconds of a
handshake both read; the idle band says how long it really was.

Used by smtp-timeout-scan --html; the timeline's frames come from one more
tshark run per capture with findings (timeline_rows).
"""

import html
import json
import math
import subprocess

FIELDS = ["frame.number", "frame.time_epoch", "tcp.stream", "tcp.srcport", "tcp.dstport", "tcp.flags.syn",
          "tcp.flags.fin", "tcp.flags.reset", "tcp.len", "smtp.req.command", "smtp.response.code",
          "smtp_timeout.finding", "smtp_timeout.idle", "smtp_timeout.idle_start", "smtp_timeout.server_timeout",
          "smtp_timeout.timer", "smtp_timeout.message"]
MAX_MARKS = 160          # a session's marks at most: long runs of payload are folded into one
WIDTH, LEFT = 1100, 70   # the SVG's width, and where its time axis begins
PER_PAGE = 20            # timelines a page shows
MIN_STEP = 24.0          # px between two marks at least, so that their labels can be read
LABEL_ROWS = 3           # labels of neighbouring marks take turns on this many rows
ROW = 22                 # px between two label rows (a label and its frame number)
CLIENT_Y, SERVER_Y, HEIGHT = 90, 170, 262


def timeline_rows(path, tshark_options):
    """{tcp.stream: [frame dicts]} of every stream with a finding, as
    tshark -2 reads the capture (so that idle-start notes are there)."""
    argv = ["tshark", "-2", "-n", "-r", path] + tshark_options + [
        "-Y", "smtp || smtp_timeout || tcp.flags.syn == 1 || tcp.flags.fin == 1 || tcp.flags.reset == 1 || "
              "tcp.len > 0", "-T", "fields", "-E", "separator=\t", "-E", "occurrence=a", "-E", "aggregator=\x1f"]
    for field in FIELDS:
        argv += ["-e", field]
    out = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, encoding="utf-8",
                         errors="replace", check=False).stdout
    streams = {}
    for line in out.splitlines():
        values = (line.split("\t") + [""] * len(FIELDS))[:len(FIELDS)]
        row = dict(zip(FIELDS, values))
        if row["tcp.stream"]:
            streams.setdefault(row["tcp.stream"], []).append(row)
    return {s: rows for s, rows in streams.items() if any(r["smtp_timeout.finding"] for r in rows)}


def session_frames(streams, first_frame):
    """The frames of the session that begins at FIRST_FRAME: those of the
    stream that holds (or spans) that frame, from it on."""
    for rows in streams.values():
        numbers = [int(r["frame.number"]) for r in rows]
        if numbers and numbers[0] <= first_frame <= numbers[-1]:
            return [r for r in rows if int(r["frame.number"]) >= first_frame]
    return []


def first(value):
    return value.split("\x1f")[0] if value else ""


def marks_of(frames, server_port):
    """The marks of a session: (frame, time, side, kind, label)."""
    marks = []
    for r in frames:
        side = "server" if r["tcp.srcport"] == server_port else "client"
        frame, t = int(r["frame.number"]), float(r["frame.time_epoch"])
        findings = r["smtp_timeout.finding"].split("\x1f") if r["smtp_timeout.finding"] else []
        if "data after close" in findings:
            marks.append((frame, t, side, "late", "late %s B" % r["tcp.len"]))
        elif r["tcp.flags.reset"] in ("1", "True"):
            marks.append((frame, t, side, "rst", "RST"))
        elif r["smtp.response.code"]:
            marks.append((frame, t, side, "reply", "/".join(r["smtp.response.code"].split("\x1f"))))
        elif r["smtp.req.command"]:
            marks.append((frame, t, side, "cmd", "+".join(c.upper() for c in r["smtp.req.command"].split("\x1f"))))
        elif r["tcp.flags.syn"] in ("1", "True"):
            marks.append((frame, t, side, "syn", "SYN"))
        elif r["tcp.flags.fin"] in ("1", "True"):
            marks.append((frame, t, side, "fin", "FIN"))
        elif r["tcp.len"] not in ("", "0"):
            marks.append((frame, t, side, "data", "%s B" % r["tcp.len"]))
    return fold(marks)


def fold(marks):
    """Runs of plain payload from one side become one mark, so that a long
    body stays a few marks; at most MAX_MARKS in all."""
    out = []
    for m in marks:
        if out and m[3] == "data" and out[-1][3] in ("data", "run") and out[-1][2] == m[2]:
            prev = out[-1]
            count = prev[5] + 1 if len(prev) > 5 else 2
            out[-1] = (prev[0], prev[1], prev[2], "run", "%d segments" % count, count)
        else:
            out.append(m)
    if len(out) > MAX_MARKS:
        keep = [m for m in out if m[3] not in ("data", "run")]
        out = keep[:MAX_MARKS]
    return [m[:5] for m in out]


def positions(times):
    """x of each time: the step between two marks drawn by its logarithm,
    never less than MIN_STEP, scaled to the width."""
    steps = [0.0] + [max(MIN_STEP, 60.0 * math.log10(1.0 + max(0.0, b - a) / 0.005))
                     for a, b in zip(times, times[1:])]
    total = sum(steps) or 1.0
    scale = min(1.0, (WIDTH - LEFT - 40) / total)
    xs, x = [], LEFT
    for s in steps:
        x += s * scale
        xs.append(round(x, 1))
    return xs


def idle_intervals(frames):
    """(start frame, end frame, idle s, server timeout s, timer) of each
    finding that ends an idle interval."""
    found = {}
    for r in frames:
        if r["smtp_timeout.idle"] and r["smtp_timeout.idle_start"]:
            start = int(first(r["smtp_timeout.idle_start"]))
            interval = (start, int(r["frame.number"]), float(first(r["smtp_timeout.idle"])),
                        float(first(r["smtp_timeout.server_timeout"])) if r["smtp_timeout.server_timeout"] else None,
                        first(r["smtp_timeout.timer"]))
            # One band per start: the finding that says most (a timeout
            # over a gap; resets from both ends share their silence).
            if start not in found or (interval[3] is not None and found[start][3] is None):
                found[start] = interval
    return sorted(found.values())


def svg(frames, server_port, session_id):
    marks = marks_of(frames, server_port)
    if not marks:
        return "<p>No frames to draw.</p>"
    xs = positions([m[1] for m in marks])
    x_of = {m[0]: x for m, x in zip(marks, xs)}
    lane = {"client": CLIENT_Y, "server": SERVER_Y}
    parts = ['<svg class="timeline" id="svg-%s" width="%d" height="%d" viewBox="0 0 %d %d" '
             'xmlns="http://www.w3.org/2000/svg" role="img">' % (session_id, WIDTH, HEIGHT, WIDTH, HEIGHT)]
    for side, y in lane.items():
        parts.append('<line x1="%d" y1="%d" x2="%d" y2="%d" class="lane"/>' % (LEFT, y, WIDTH - 20, y))
        parts.append('<text x="4" y="%d" class="lanename">%s</text>' % (y + 4, side))
    for start, end, idle, timeout, timer in idle_intervals(frames):
        if start in x_of and end in x_of:
            x1, x2 = x_of[start], x_of[end]
            words = "idle %.3f s" % idle
            if timeout is not None:
                words += ", the server's timeout"
            if timer:
                words += " (%s)" % timer
            parts.append('<rect class="idle" x="%.1f" y="%d" width="%.1f" height="%d" data-from="%d" data-to="%d">'
                         '<title>%s, frames %d to %d</title></rect>'
                         % (x1, CLIENT_Y - 10, max(1.0, x2 - x1), SERVER_Y - CLIENT_Y + 20, start, end,
                            html.escape(words), start, end))
            parts.append('<text class="idletext" x="%.1f" y="%d">%s</text>'
                         % ((x1 + x2) / 2, (CLIENT_Y + SERVER_Y) // 2 + 4, html.escape(words)))
    count = {"client": 0, "server": 0}
    for (frame, t, side, kind, label), x in zip(marks, xs):
        y = lane[side]
        up = side == "client"
        row = count[side] % LABEL_ROWS
        count[side] += 1
        ly = y - 20 - ROW * row if up else y + 20 + ROW * row  # the label; its frame number below it
        parts.append('<g class="mark %s" data-frame="%d" data-kind="%s"><title>frame %d, %s at %.6f</title>'
                     '<line x1="%.1f" y1="%d" x2="%.1f" y2="%d"/>'
                     '<text x="%.1f" y="%d">%s</text><text class="frame" x="%.1f" y="%d">%d</text></g>'
                     % (kind, frame, kind, frame, html.escape(label), t, x, y - 7, x, y + 7, x, ly,
                        html.escape(label), x, ly + 10, frame))
    parts.append('<text class="axis" x="%d" y="%d">time runs left to right; each step drawn by the logarithm of its '
                 'length</text>' % (LEFT, HEIGHT - 4))
    parts.append("</svg>")
    return "".join(parts)


STYLE = """
body { font: 14px sans-serif; margin: 1.5em; color: #222; }
table { border-collapse: collapse; margin-bottom: 1.5em; font-size: 13px; }
td:last-child { font-family: monospace; font-size: 11px; }
th, td { border: 1px solid #ccc; padding: 3px 6px; text-align: left; vertical-align: top; }
th { background: #eee; cursor: pointer; user-select: none; }
th[aria-sort=ascending]::after { content: " \\25B2"; }
th[aria-sort=descending]::after { content: " \\25BC"; }
tr.session:hover { background: #f4f0ff; }
section.timeline { border-top: 1px solid #ccc; padding-top: 0.5em; margin-top: 1em; }
svg.timeline { background: #fcfcfc; border: 1px solid #ddd; }
svg .lane { stroke: #999; stroke-width: 1; }
svg .lanename { font-size: 12px; fill: #555; }
svg .mark line { stroke: #333; stroke-width: 2; }
svg .mark text { font-size: 10px; text-anchor: middle; fill: #222; }
svg .mark text.frame { fill: #777; font-size: 9px; }
svg .mark.late line, svg .mark.rst line { stroke: #b00; stroke-width: 3; }
svg .mark.late text, svg .mark.rst text { fill: #b00; font-weight: bold; }
svg .mark.fin line { stroke: #60c; stroke-width: 3; }
svg .idle { fill: #8c00b3; fill-opacity: 0.12; stroke: #8c00b3; stroke-dasharray: 4 3; }
svg .idletext { font-size: 12px; text-anchor: middle; fill: #60c; }
svg .axis { font-size: 10px; fill: #777; }
.pager button { margin-right: 0.5em; }
.facts { color: #444; margin: 0.3em 0 0.6em 0; }
"""

SCRIPT = """
function sortBy(th) {
  var table = th.closest('table'), body = table.tBodies[0], col = th.cellIndex;
  var dir = th.getAttribute('aria-sort') === 'ascending' ? -1 : 1;
  Array.prototype.forEach.call(table.tHead.rows[0].cells, function (c) { c.removeAttribute('aria-sort'); });
  th.setAttribute('aria-sort', dir > 0 ? 'ascending' : 'descending');
  var rows = Array.prototype.slice.call(body.rows);
  rows.sort(function (a, b) {
    var x = a.cells[col].getAttribute('data-sort') || a.cells[col].textContent;
    var y = b.cells[col].getAttribute('data-sort') || b.cells[col].textContent;
    var number = /^\\s*-?[0-9]+(\\.[0-9]+)?\\s*$/;
    if (number.test(x) && number.test(y)) return dir * (parseFloat(x) - parseFloat(y));
    return dir * x.localeCompare(y);
  });
  rows.forEach(function (r) { body.appendChild(r); });
}
var page = 0;
function showPage(n) {
  var sections = document.querySelectorAll('section.timeline');
  var pages = Math.max(1, Math.ceil(sections.length / PER_PAGE));
  page = Math.min(Math.max(0, n), pages - 1);
  Array.prototype.forEach.call(sections, function (s, i) {
    s.hidden = Math.floor(i / PER_PAGE) !== page;
  });
  document.getElementById('pageno').textContent = 'page ' + (page + 1) + ' of ' + pages;
}
function showSession(id) {
  var sections = Array.prototype.slice.call(document.querySelectorAll('section.timeline'));
  var i = sections.findIndex(function (s) { return s.id === id; });
  if (i >= 0) { showPage(Math.floor(i / PER_PAGE)); sections[i].scrollIntoView(); }
}
document.addEventListener('DOMContentLoaded', function () {
  document.querySelectorAll('th').forEach(function (th) { th.addEventListener('click', function () { sortBy(th); }); });
  document.querySelectorAll('tr.session').forEach(function (tr) {
    tr.addEventListener('click', function () { showSession(tr.getAttribute('data-target')); });
  });
  showPage(0);
});
"""

COLUMNS = [("file", "File"), ("session", "Session"), ("client", "Client"), ("server", "Server"), ("mta", "Software"),
           ("ending", "Ended"), ("after", "After"), ("idle_s", "Idle (s)"), ("server_timeout_s", "Timeout (s)"),
           ("client_stall_s", "Stall (s)"), ("gave_up", "Gave up"), ("cause", "Cause"),
           ("finding_frames", "Frames"), ("community_id", "Community ID")]


def session_id(row, index):
    return "s%d-%s" % (index, row["session"])


def page(rows, timelines, title="smtp-timeout: sessions with findings"):
    """The whole page: ROWS are the scan's rows (dicts), TIMELINES maps a
    row's index to (frames, server port)."""
    out = ["<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">",
           "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
           "script-src 'unsafe-inline'; img-src data:\">",
           "<title>%s</title><style>%s</style><script>var PER_PAGE = %d;%s</script></head><body>"
           % (html.escape(title), STYLE, PER_PAGE, SCRIPT),
           "<h1>%s</h1><p>%d session%s with findings. Click a column to sort, a row to see its timeline.</p>"
           % (html.escape(title), len(rows), "" if len(rows) == 1 else "s"),
           "<table id=\"sessions\"><thead><tr>%s</tr></thead><tbody>" % "".join(
               "<th>%s</th>" % html.escape(name) for _, name in COLUMNS)]
    for i, row in enumerate(rows):
        out.append("<tr class=\"session\" data-target=\"%s\">%s</tr>" % (session_id(row, i), "".join(
            "<td>%s</td>" % html.escape(row.get(key, "")) for key, _ in COLUMNS)))
    out.append("</tbody></table><div class=\"pager\"><button onclick=\"showPage(page - 1)\">previous</button>"
               "<button onclick=\"showPage(page + 1)\">next</button><span id=\"pageno\"></span></div>")
    for i, row in enumerate(rows):
        frames, server_port = timelines.get(i, ([], ""))
        out.append("<section class=\"timeline\" id=\"%s\" data-frames=\"%s\"><h2>%s, session %s: %s</h2>"
                   % (session_id(row, i), html.escape(row.get("finding_frames", "")),
                      html.escape(row.get("file", "")), html.escape(row["session"]), html.escape(row["ending"])))
        out.append("<p class=\"facts\">%s &rarr; %s (%s). %s</p>" % (
            html.escape(row["client"]), html.escape(row["server"]), html.escape(row["mta"]),
            html.escape(row.get("hint", ""))))
        out.append(svg(frames, server_port, session_id(row, i)))
        out.append("</section>")
    out.append("<script type=\"application/json\" id=\"data\">%s</script></body></html>"
               % json.dumps(rows).replace("</", "<\\/"))
    return "\n".join(out)
