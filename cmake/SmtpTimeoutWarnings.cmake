# SPDX-License-Identifier: GPL-2.0-or-later
# Warnings for the project's own sources: a warning is an error.
set(SMTP_TIMEOUT_WARNINGS -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
    -Wformat=2 -Wvla)
