/* fuzz_dissect.c: libFuzzer target for the glue inside real dissectors
 *
 * As Wireshark's own fuzzshark does, frames go through the installed
 * libwireshark (Ethernet, IP, TCP, SMTP, TLS, DNS as they come), with the
 * plugin registered in the process, its post-dissector reading what those
 * dissectors built: fields.c's in-place reads of tcp.len's header, the
 * smtp items, the dns header.  Unlike fuzzshark's one frame an input, an
 * input is a run of frames, so that sessions have a past:
 *
 *   2 bytes  frame length (little-endian), at most 1600
 *   2 bytes  milliseconds since the last frame (little-endian)
 *   ...      the Ethernet frame
 *
 * Each input is a file of its own: a new epan session (file scope, the
 * plugin's init routine), every frame dissected with a tree, twice (the
 * second pass renders what the first stored), then the session freed.
 * libwireshark keeps about 12 MB of each session it frees (as tshark
 * never needs it to, reading one file a process): long runs use
 * libFuzzer's fork mode, which restarts its worker when memory runs out.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <epan/epan.h>
#include <epan/epan_dissect.h>
#include <epan/prefs.h>
#include <epan/tvbuff.h>
#include <wiretap/wtap.h>
#include <wsutil/privileges.h>

#include "ws_compat.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);
void plugin_register(void);

#define MAX_FRAMES 600
#define MAX_FRAME 1600

typedef struct {
    uint32_t len;
    int64_t  ts_ms;
    const uint8_t *bytes;
} frame;

static const nstime_t *frame_ts(struct packet_provider_data *prov, uint32_t frame_num)
{
    static nstime_t zero;

    (void)prov;
    (void)frame_num;
    return &zero;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    char ports[] = "smtp.tcp.port:25,587,2525,10025-10031";
    char *error = NULL;

    (void)argc;
    (void)argv;
    /* g_setenv("WIRESHARK_DEBUG_WMEM_OVERRIDE", "simple", 0); */
    g_setenv("G_SLICE", "always-malloc", 0);
    init_process_policies();
    wtap_init(FALSE);
    plugin_register(); /* smtp-timeout, linked in: no plugin folder to trust */
    if (!epan_init(NULL, NULL, FALSE))
        return 1;
    (void)epan_load_settings();
    if (prefs_set_pref(ports, &error) != PREFS_SET_OK)
        fprintf(stderr, "fuzz_dissect: %s\n", error != NULL ? error : ports);
    g_free(error);
    prefs_apply_all();
    return 0;
}

static unsigned split(const uint8_t *data, size_t size, frame *frames)
{
    unsigned n = 0;
    size_t at = 0;
    int64_t t = 0;

    while (at + 4 <= size && n < MAX_FRAMES) {
        uint32_t len = (uint32_t)(data[at] | data[at + 1] << 8);
        t += data[at + 2] | data[at + 3] << 8;
        at += 4;
        if (len > size - at)
            len = (uint32_t)(size - at);
        if (len > MAX_FRAME)
            len = MAX_FRAME;
        frames[n].len = len;
        frames[n].ts_ms = t;
        frames[n].bytes = data + at;
        n++;
        at += len;
    }
    return n;
}

static void dissect(epan_dissect_t *edt, const frame *f, uint32_t number, frame_data *fd, bool first)
{
    wtap_rec rec;

    ST_WTAP_REC_INIT(&rec, f->len);
    rec.rec_type = REC_TYPE_PACKET;
    rec.presence_flags = WTAP_HAS_TS | WTAP_HAS_CAP_LEN;
    rec.ts.secs = (time_t)(f->ts_ms / 1000);
    rec.ts.nsecs = (int)(f->ts_ms % 1000) * 1000000;
    rec.rec_header.packet_header.caplen = f->len;
    rec.rec_header.packet_header.len = f->len;
    rec.rec_header.packet_header.pkt_encap = WTAP_ENCAP_ETHERNET;
    if (first)
        frame_data_init(fd, number, &rec, 0, 0);
    ST_EPAN_DISSECT_RUN(edt, &rec, f->bytes, f->len, fd);
    if (first)
        fd->visited = 1;
    epan_dissect_reset(edt);
    wtap_rec_cleanup(&rec);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct packet_provider_funcs funcs = { .get_frame_ts = frame_ts };
    static frame frames[MAX_FRAMES];
    static frame_data fds[MAX_FRAMES];
    unsigned n = split(data, size, frames);
    epan_t *session = epan_new(NULL, &funcs);
    epan_dissect_t *edt = epan_dissect_new(session, TRUE, FALSE);

    for (int pass = 0; pass < 2; pass++) {
        for (unsigned i = 0; i < n; i++)
            dissect(edt, &frames[i], i + 1, &fds[i], pass == 0);
    }
    for (unsigned i = 0; i < n; i++)
        frame_data_destroy(&fds[i]);
    epan_dissect_free(edt);
    epan_free(session);
    return 0;
}
