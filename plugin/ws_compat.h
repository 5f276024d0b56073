/* ws_compat.h: every difference between the Wireshark versions we build for
 *
 * This is the only file that tests a Wireshark version.  Supported: 4.0,
 * 4.2, 4.4 and 4.6 (the odd minors were development series).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef SMTP_TIMEOUT_WS_COMPAT_H
#define SMTP_TIMEOUT_WS_COMPAT_H

#include <ws_version.h>

#define ST_WS_AT_LEAST(major, minor) \
    (WIRESHARK_VERSION_MAJOR > (major) || \
     (WIRESHARK_VERSION_MAJOR == (major) && WIRESHARK_VERSION_MINOR >= (minor)))

/* field_info.value became a pointer in 4.2. */
#if ST_WS_AT_LEAST(4, 2)
#define ST_FINFO_VALUE(fi) ((fi)->value)
#else
#define ST_FINFO_VALUE(fi) (&(fi)->value)
#endif

/* 4.4 added plugin_describe() and the header that names plugin types. */
#if ST_WS_AT_LEAST(4, 4)
#include <wsutil/plugins.h>
#define ST_HAVE_PLUGIN_DESCRIBE 1
#else
#define ST_HAVE_PLUGIN_DESCRIBE 0
#endif

/* A statistic's init callback returns whether it started from 4.6 on. */
#if ST_WS_AT_LEAST(4, 6)
#define ST_STAT_INIT_RESULT bool
#define ST_STAT_INIT_RETURN(ok) return (ok)
#else
#define ST_STAT_INIT_RESULT void
#define ST_STAT_INIT_RETURN(ok) do { (void)(ok); return; } while (0)
#endif

/* A boolean preference's variable is a bool from 4.4 on, a gboolean before. */
#if ST_WS_AT_LEAST(4, 4)
typedef bool st_pref_bool;
#define ST_PREF_TRUE true
#define ST_PREF_FALSE false
#else
typedef gboolean st_pref_bool;
#define ST_PREF_TRUE TRUE
#define ST_PREF_FALSE FALSE
#endif

/* For the fuzz harness, which dissects records itself: 4.6 keeps a
 * record's bytes in the record (wtap_rec_init sizes them), earlier
 * versions take a tvb beside it. */
#if ST_WS_AT_LEAST(4, 6)
#define ST_WTAP_REC_INIT(rec, space) wtap_rec_init((rec), (space))
#define ST_EPAN_DISSECT_RUN(edt, rec, bytes, len, fd) \
    do { \
        ws_buffer_append(&(rec)->data, (bytes), (len)); \
        epan_dissect_run((edt), WTAP_FILE_TYPE_SUBTYPE_UNKNOWN, (rec), (fd), NULL); \
    } while (0)
#else
#define ST_WTAP_REC_INIT(rec, space) wtap_rec_init(rec)
#define ST_EPAN_DISSECT_RUN(edt, rec, bytes, len, fd) \
    epan_dissect_run((edt), WTAP_FILE_TYPE_SUBTYPE_UNKNOWN, (rec), tvb_new_real_data((bytes), (len), (len)), (fd), NULL)
#endif

/* 4.4 renamed the GLib-typed tvb getters and deprecates the old names. */
#if ST_WS_AT_LEAST(4, 4)
#define ST_TVB_GET_U8 tvb_get_uint8
#else
#define ST_TVB_GET_U8 tvb_get_guint8
#endif

#endif
