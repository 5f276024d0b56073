# SPDX-License-Identifier: GPL-2.0-or-later
"""Servers from Debian's packages, unpacked into a folder of their own and
never installed (they conflict with postfix): download, `dpkg -x`, and the
shared libraries their package would have pulled in (those conflict with
nothing)."""

import glob
import os
import subprocess


def unpack(packages, debs, root, main_package):
    """Unpack PACKAGES (downloaded into DEBS when missing) into ROOT; None
    when they cannot be had."""
    os.makedirs(debs, exist_ok=True)
    for name in packages:
        if not glob.glob(os.path.join(debs, name + "_*.deb")):
            if subprocess.run(["apt-get", "download", name], cwd=debs, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, check=False).returncode != 0:
                return None
    for name in packages:
        subprocess.run(["dpkg", "-x", glob.glob(os.path.join(debs, name + "_*.deb"))[0], root], check=True)
    if not shared_libraries(glob.glob(os.path.join(debs, main_package + "_*.deb"))[0]):
        return None
    return root


def shared_libraries(deb):
    """Install the libraries the daemon links against (they do not conflict
    with postfix), as its package would have pulled them in."""
    depends = subprocess.run(["dpkg-deb", "-f", deb, "Depends"], stdout=subprocess.PIPE, encoding="utf-8",
                             check=True).stdout
    libs = sorted({d.split()[0] for alt in depends.split(",") for d in [alt.split("|")[0].strip()]
                   if d.startswith("lib")})
    missing = [l for l in libs if subprocess.run(["dpkg-query", "-W", "-f=${Status}", l], stdout=subprocess.PIPE,
                                                 encoding="utf-8", stderr=subprocess.DEVNULL,
                                                 check=False).stdout != "install ok installed"]
    if not missing:
        return True
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    return subprocess.run(["apt-get", "install", "-y", "-qq", "--no-install-recommends"] + missing, env=env,
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False).returncode == 0


def system_user(name):
    """A system user the daemon runs as, created when missing."""
    if subprocess.run(["id", name], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode:
        subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", name], check=True)
