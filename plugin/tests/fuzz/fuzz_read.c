/* fuzz_read.c: libFuzzer target for the native reader
 *
 * An input is a capture file's bytes (pcap or pcapng, as libpcap reads
 * them); every frame goes through the reader's decoding, sessions and the
 * core, and the report is written (to nowhere).  The seeds are the test
 * captures themselves.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>

#include "native/input.h"
#include "native/reader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    st_capture_options options;
    st_reader *reader;
    char error[256];
    FILE *in, *out;

    if (size == 0)
        return 0;
    in = fmemopen((void *)data, size, "rb");
    if (in == NULL)
        return 0;
    st_capture_options_init(&options);
    st_capture_options_standard_ports(&options);
    (void)st_capture_options_add_port(&options, 10025, false);
    (void)st_capture_options_add_port(&options, 10027, true);
    options.gap_threshold_s = data[0] % 30;
    reader = st_reader_new(&options);
    (void)st_read_capture(in, reader, error, sizeof(error));
    out = fopen("/dev/null", "w");
    if (out != NULL) {
        st_reader_write_csv(reader, out);
        st_reader_write_attempts_csv(reader, out);
        fclose(out);
    }
    st_reader_free(reader);
    return 0;
}
