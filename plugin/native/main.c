/* main.c: smtp-timeout-read, the native reader's command line
 *
 *   smtp-timeout-read [-d tcp.port==N,smtp | -d tls.port==N,smtp]...
 *                     [-o smtp_timeout.gap_threshold:S] [--attempts] FILE
 *
 * prints the CSV of `tshark -q -z smtp_timeout,sessions,csv` for FILE ("-":
 * the standard input; a pipe is read as it comes); with --attempts, the
 * connection attempts that never became sessions instead.
 * Exit status: 0; 1 when the file is damaged (the sessions up to the
 * damage are printed); 2 on bad usage or a file that is no capture; 3 when
 * the file needs tshark (a link type not read natively).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "input.h"
#include "reader.h"

static bool parse_port(const char *spec, st_capture_options *options)
{
    unsigned long port;
    char *end;
    bool tls = g_str_has_prefix(spec, "tls.port==");

    if (!tls && !g_str_has_prefix(spec, "tcp.port=="))
        return false;
    port = strtoul(spec + strlen("tcp.port=="), &end, 10);
    if (port == 0 || port > 65535 || strcmp(end, ",smtp") != 0)
        return false;
    return st_capture_options_add_port(options, (uint16_t)port, tls);
}

static bool parse_option(const char *spec, st_capture_options *options)
{
    const char *name = "smtp_timeout.gap_threshold:";
    char *end;
    unsigned long s;

    if (!g_str_has_prefix(spec, name))
        return false;
    s = strtoul(spec + strlen(name), &end, 10);
    if (*end != '\0' || s > 86400)
        return false;
    options->gap_threshold_s = (unsigned)s;
    return true;
}

#define USAGE "usage: smtp-timeout-read [-d tcp.port==N,smtp | -d tls.port==N,smtp]... " \
              "[-o smtp_timeout.gap_threshold:S] [--attempts] FILE\n"

static int usage(const char *why)
{
    (void)fprintf(stderr, "smtp-timeout-read: %s\n" USAGE, why);
    return 2;
}

static int help(void)
{
    (void)fputs(USAGE "Prints the SMTP sessions of a capture (pcap, pcapng, .gz; - for the standard input) as\n"
                "the CSV of `tshark -q -z smtp_timeout,sessions,csv`; --attempts prints the connection\n"
                "attempts that never became sessions (SYNs unanswered or refused) per server instead.\n"
                "Exit status: 0; 1 damaged file (rows up to the damage printed); 2 bad usage or no\n"
                "capture; 3 the capture needs tshark.\n", stdout);
    return 0;
}

int main(int argc, char **argv)
{
    st_capture_options options;
    const char *path = NULL;
    char error[512] = "";
    st_reader *reader;
    st_read_status status;
    bool attempts = false;

    st_capture_options_init(&options);
    st_capture_options_standard_ports(&options);
    for (int i = 1; i < argc; i++) {
        if ((strcmp(argv[i], "-d") == 0 || strcmp(argv[i], "-o") == 0) && i + 1 < argc) {
            bool ok = argv[i][1] == 'd' ? parse_port(argv[i + 1], &options) : parse_option(argv[i + 1], &options);
            if (!ok)
                return usage("an option the native reader does not take");
            i++;
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            return help();
        } else if (strcmp(argv[i], "--attempts") == 0) {
            attempts = true;
        } else if (path == NULL && (argv[i][0] != '-' || strcmp(argv[i], "-") == 0)) {
            path = argv[i];
        } else {
            return usage("unknown argument");
        }
    }
    if (path == NULL)
        return usage("no capture given");
    reader = st_reader_new(&options);
    status = st_read_path(path, reader, error, sizeof(error));
    if ((status == ST_READ_OK || status == ST_READ_DAMAGED) && attempts)
        st_reader_write_attempts_csv(reader, stdout);
    else if (status == ST_READ_OK || status == ST_READ_DAMAGED)
        st_reader_write_csv(reader, stdout);
    if (status != ST_READ_OK)
        (void)fprintf(stderr, "smtp-timeout-read: %s: %s\n", path, error);
    st_reader_free(reader);
    return (int)status;
}
