/* input.c: capture files for the native reader
 *
 * libpcap reads pcap and pcapng (and refuses a pcapng whose interfaces
 * have different link types: the reader then leaves the file to tshark);
 * a gzip-compressed file is read through zlib, as a stream libpcap reads
 * like any other (fopencookie).  A pcapng that holds TLS secrets (a
 * Decryption Secrets Block) is left to tshark too: only it decrypts.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#define _GNU_SOURCE
#include "input.h"
#include "decode.h"

#include <errno.h>
#include <glib.h>
#include <sys/stat.h>
#include <pcap/pcap.h>
#include <string.h>
#include <zlib.h>

static ssize_t gz_read(void *cookie, char *buf, size_t size)
{
    int n = gzread((gzFile)cookie, buf, (unsigned)MIN(size, (size_t)G_MAXINT));

    return n < 0 ? -1 : n;
}

static int gz_close(void *cookie)
{
    return gzclose((gzFile)cookie) == Z_OK ? 0 : -1;
}

static FILE *open_gz(const char *path)
{
    cookie_io_functions_t io = { gz_read, NULL, NULL, gz_close };
    gzFile gz = gzopen(path, "rb");
    FILE *f;

    if (gz == NULL)
        return NULL;
    gzbuffer(gz, 1 << 17);
    f = fopencookie(gz, "r", io);
    if (f == NULL)
        gzclose(gz);
    return f;
}

static bool gzip_magic(const char *path)
{
    unsigned char magic[2] = { 0, 0 };
    FILE *f = fopen(path, "rb");
    bool gz;

    if (f == NULL)
        return false;
    gz = fread(magic, 1, 2, f) == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
    (void)fclose(f);
    return gz;
}

static uint32_t u32(const unsigned char *p, bool big)
{
    return big ? (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]
               : p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Whether a plain pcapng file holds a Decryption Secrets Block: its block
 * headers, walked with seeks. */
static bool holds_secrets(const char *path)
{
    enum { SHB = 0x0A0D0D0A, DSB = 0x0000000A };
    unsigned char h[12];
    FILE *f = fopen(path, "rb");
    bool big = false, found = false;

    if (f == NULL)
        return false;
    for (bool first = true; fread(h, 1, 12, f) == 12; first = false) {
        uint32_t type = u32(h, false), len;
        if (first && type != SHB)
            break; /* no pcapng */
        if (type == SHB)
            big = u32(h + 8, false) != 0x1A2B3C4D;
        else if (u32(h, big) == DSB)
            found = true;
        len = u32(h + 4, big);
        if (found || len < 12 || len % 4 != 0 || fseek(f, (long)len - 12, SEEK_CUR) != 0)
            break;
    }
    (void)fclose(f);
    return found;
}

/* A pipe (or "-", the standard input) is read as it comes: no peeking for
 * gzip or secrets, which would take bytes from it. */
static bool is_stream(const char *path)
{
    struct stat st;

    return strcmp(path, "-") == 0 || (stat(path, &st) == 0 && !S_ISREG(st.st_mode));
}

st_read_status st_read_path(const char *path, st_reader *reader, char *error, size_t size)
{
    bool stream = is_stream(path);
    bool gz = !stream && gzip_magic(path);
    FILE *f;

    if (stream) {
        f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
        if (f == NULL) {
            g_snprintf(error, (gulong)size, "%s", g_strerror(errno));
            return ST_READ_UNOPENED;
        }
        return st_read_capture(f, reader, error, size);
    }
    if (!gz && holds_secrets(path)) {
        g_snprintf(error, (gulong)size, "it holds TLS secrets, which only tshark uses");
        return ST_READ_UNSUPPORTED;
    }
    f = gz ? open_gz(path) : fopen(path, "rb");

    if (f == NULL) {
        g_snprintf(error, (gulong)size, "%s", g_strerror(errno));
        return ST_READ_UNOPENED;
    }
    return st_read_capture(f, reader, error, size);
}

/* Times in nanoseconds, saturated as the glue's clock saturates them. */
static int64_t ts_ns(const struct pcap_pkthdr *h)
{
    const int64_t max_s = INT64_MAX / 1000000000 - 1;
    int64_t secs = (int64_t)h->ts.tv_sec;

    secs = secs > max_s ? max_s : secs < -max_s ? -max_s : secs;
    return secs * 1000000000 + (int64_t)h->ts.tv_usec; /* nanoseconds: opened with nanosecond precision */
}

st_read_status st_read_capture(FILE *file, st_reader *reader, char *error, size_t size)
{
    /* Large reads: libpcap reads a record at a time through stdio. */
    (void)setvbuf(file, NULL, _IOFBF, 1 << 20);
    char err[PCAP_ERRBUF_SIZE] = "";
    pcap_t *pcap = pcap_fopen_offline_with_tstamp_precision(file, PCAP_TSTAMP_PRECISION_NANO, err);
    struct pcap_pkthdr *h;
    const u_char *data;
    int linktype, rc;

    if (pcap == NULL) {
        (void)fclose(file);
        g_snprintf(error, (gulong)size, "%s", err);
        return strstr(err, "different from the type of the first interface") != NULL ||
               strstr(err, "link-layer type") != NULL ? ST_READ_UNSUPPORTED : ST_READ_UNOPENED;
    }
    linktype = pcap_datalink(pcap);
    if (!st_linktype_known(linktype)) {
        g_snprintf(error, (gulong)size, "link type %d (%s) is not read natively", linktype,
                   pcap_datalink_val_to_name(linktype) != NULL ? pcap_datalink_val_to_name(linktype) : "unknown");
        pcap_close(pcap);
        return ST_READ_UNSUPPORTED;
    }
    while ((rc = pcap_next_ex(pcap, &h, &data)) == 1)
        st_reader_frame(reader, linktype, ts_ns(h), data, h->caplen, h->len);
    if (rc == PCAP_ERROR) {
        const char *why = pcap_geterr(pcap);
        bool several = strstr(why, "different from the type of the first interface") != NULL;
        g_snprintf(error, (gulong)size, "%s", why);
        pcap_close(pcap);
        return several ? ST_READ_UNSUPPORTED : ST_READ_DAMAGED;
    }
    pcap_close(pcap);
    return ST_READ_OK;
}
