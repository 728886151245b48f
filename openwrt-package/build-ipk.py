#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Build OpenWrt .ipk packages for homeport and luci-app-homeport, without the SDK.

The format is the one OpenWrt's scripts/ipkg-build writes and opkg-lede reads (see
../shared/reference/openwrt.md §5.1-5.4): a gzip'd tar (not an ar archive) holding
./debian-binary, ./data.tar.gz and ./control.tar.gz, in that order. Every tar is GNU
format with numeric root ownership, entries sorted by name, mtimes fixed to
SOURCE_DATE_EPOCH, and gzip written without a name or timestamp (data.tar.gz by zopfli,
the rest by gzip -9), so the same inputs give the same bytes.

    build-ipk.py [--out DIR] [--arch ARCH ...] [--binary ARCH=PATH ...]

Without --arch, every architecture in ARCHES is packaged, plus the LuCI app (arch all).
"""

import argparse
import gzip
import hashlib
import io
import os
import re
import subprocess
import sys
import tarfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PKG_DIR = os.path.join(ROOT, "openwrt-package")

# OpenWrt ARCH_PACKAGES -> the Rust target whose static release binary goes into it, and
# the qemu command that proves the binary runs on that CPU: openwrt-package/arches.tsv.
# Several arch names share one binary (every MIPS32r2 soft-float core, every ARMv7 core
# with VFPv3-D16, every ARMv8 core).
ARCHES_FILE = os.path.join(PKG_DIR, "arches.tsv")


def load_arches(path=ARCHES_FILE):
    """{arch: (triple, qemu)} in file order; a malformed row is an error, not a skip."""
    arches = {}
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if line.startswith("#") or not line.strip():
                continue
            fields = line.rstrip("\n").split("\t")
            if len(fields) != 3 or not all(fields) or fields[0] in arches:
                raise SystemExit(f"{path}:{n}: want 'arch<TAB>triple<TAB>qemu' once per arch: {line!r}")
            arches[fields[0]] = (fields[1], fields[2])
    return arches


ARCHES = {arch: triple for arch, (triple, _) in load_arches().items()}

RELEASE = "r1"
# Static binary: no libc. fw4 brings nft and the NAT kernel modules; HTTPS verifies
# against the system CA bundle (docs/providers.md, "TLS roots").
HOMEPORT_DEPENDS = "firewall4, ca-bundle"
MAINTAINER = "homeport developers"
LICENSE = "GPL-2.0-only"

POSTINST = """#!/bin/sh
[ "${IPKG_NO_SCRIPT}" = "1" ] && exit 0
[ -s "${IPKG_INSTROOT}/lib/functions.sh" ] || exit 0
# shellcheck source=/dev/null
. "${IPKG_INSTROOT}/lib/functions.sh"
default_postinst "$0" "$@"
"""

PRERM = """#!/bin/sh
[ -s "${IPKG_INSTROOT}/lib/functions.sh" ] || exit 0
# shellcheck source=/dev/null
. "${IPKG_INSTROOT}/lib/functions.sh"
default_prerm "$0" "$@"
"""

# The package's own postinst/prerm, in OpenWrt's place for them (package-pack.mk): the
# .ipk carries them as postinst-pkg / prerm-pkg, which default_postinst / default_prerm
# source (../shared/tools/openwrt/base-files/lib/functions.sh); the .apk appends them to
# post-install, post-upgrade and pre-deinstall after default_postinst / default_prerm.
#
# Upgrade on a running router: procd keeps an instance whose command line and watched
# files did not change, so default_postinst's `start` leaves the old binary running (and
# apk runs no pre-deinstall on upgrade to stop it). Restart the service if it runs.
HOMEPORT_POSTINST_PKG = """#!/bin/sh
if [ -z "${IPKG_INSTROOT}" ] && [ "${PKG_UPGRADE}" = "1" ] && /etc/init.d/homeport running; then
	/etc/init.d/homeport restart
fi
"""

# Removal (not upgrade): drop the fw4 include that /etc/uci-defaults/80_homeport added, or
# fw4 warns about the missing script on every reload. The user's /etc/config/homeport
# stays (a conffile: opkg and apk keep it when edited). opkg-lede runs the old package's
# prerm with "upgrade <version>" on an upgrade and "remove" on removal (libopkg
# opkg_install.c prerm_upgrade_old_pkg, opkg_remove.c); apk runs pre-deinstall only on
# removal. default_prerm sources this with its own arguments (script path, then action).
HOMEPORT_PRERM_PKG = """#!/bin/sh
if [ "${PKG_UPGRADE}" != "1" ] && [ "${2:-remove}" = "remove" ] &&
	uci -q -c "${IPKG_INSTROOT}/etc/config" get firewall.homeport >/dev/null; then
	uci -q -c "${IPKG_INSTROOT}/etc/config" delete firewall.homeport
	uci -q -c "${IPKG_INSTROOT}/etc/config" commit firewall
fi
"""

# luci.mk's postinst: drop LuCI's caches and make rpcd read the new ACL and plugin.
LUCI_POSTINST_PKG = """#!/bin/sh
[ -n "${IPKG_INSTROOT}" ] && exit 0
rm -f /tmp/luci-indexcache.*
rm -rf /tmp/luci-modulecache/
/etc/init.d/rpcd reload 2>/dev/null
exit 0
"""


class Entry:
    """One file, directory or symlink of a package, with its final path and mode."""

    def __init__(self, path, mode, data=None, link=None):
        self.path = path  # absolute, e.g. /usr/sbin/homeport; "/" not included
        self.mode = mode
        self.data = data  # bytes for a file, None for a directory
        self.link = link


def cargo_version():
    with open(os.path.join(ROOT, "Cargo.toml"), encoding="utf-8") as f:
        for line in f:
            m = re.match(r'^version\s*=\s*"([^"]+)"', line)
            if m:
                return m.group(1)
    raise SystemExit("build-ipk: no version in Cargo.toml")


# SemVer pre-release -> the package managers' own pre-release syntax. SemVer orders
# 0.2.0-rc.1 before 0.2.0 (semver.org §11); so must the package version, or an upgrade
# from the release candidate to the release is not seen as one.
# - apk (apk-tools' version.c, apk-package(5)): suffixes _alpha _beta _pre _rc, each with
#   an optional number, sort before the release: 0.2.0_rc1-r1 < 0.2.0-r1. "-" is reserved
#   for the -r<release> part, so `apk mkpkg` refuses 0.2.0-rc.1-r1.
# - opkg (opkg-lede libopkg/pkg.c verrevcmp, as dpkg): only "~" sorts before the end of a
#   version; "_rc1" sorts after it (opkg compare-versions 0.2.0_rc1-r1 '<<' 0.2.0-r1 is
#   false), so the .ipk uses 0.2.0~rc1-r1. Tested with both real tools (tests/pkg).
PRERELEASE_TAGS = ("alpha", "beta", "pre", "rc")


def package_version(semver, fmt):
    """The package version (without -r<release>) for a Cargo (SemVer) version; fmt is
    "ipk" or "apk". Build metadata (+…) is dropped, as both managers ignore or refuse it.
    A pre-release the managers cannot order is an error, never passed through."""
    core, _, _build = semver.partition("+")
    core, dash, pre = core.partition("-")
    if not re.fullmatch(r"\d+\.\d+\.\d+", core):
        raise SystemExit(f"build: version {semver!r} is not MAJOR.MINOR.PATCH[-PRE]")
    if not dash:
        return core
    m = re.fullmatch(r"(alpha|beta|pre|rc)(?:\.?(\d+))?", pre)
    if not m:
        raise SystemExit(f"build: pre-release {pre!r} of {semver!r} has no package form: "
                         f"use one of {', '.join(PRERELEASE_TAGS)}, optionally with a number (rc.1)")
    tag, num = m.group(1), m.group(2) or ""
    return f"{core}{'~' if fmt == 'ipk' else '_'}{tag}{num}"


def source_date_epoch():
    env = os.environ.get("SOURCE_DATE_EPOCH")
    if env:
        return int(env)
    try:
        out = subprocess.run(
            ["git", "-C", ROOT, "log", "-1", "--format=%ct"],
            capture_output=True, text=True, check=True,
        ).stdout.strip()
        return int(out)
    except (OSError, subprocess.CalledProcessError, ValueError):
        return 0


def read(path):
    with open(path, "rb") as f:
        return f.read()


def tree(src, dest_prefix, file_mode=None):
    """Entries for every file under src, placed under dest_prefix. Executable files keep
    0755, others get 0644 (or file_mode)."""
    entries = []
    for dirpath, dirnames, filenames in os.walk(src):
        dirnames.sort()
        for name in sorted(filenames):
            full = os.path.join(dirpath, name)
            rel = os.path.relpath(full, src)
            dest = os.path.join(dest_prefix, rel)
            if os.path.islink(full):
                entries.append(Entry(dest, 0o777, link=os.readlink(full)))
                continue
            mode = 0o755 if os.access(full, os.X_OK) else 0o644
            entries.append(Entry(dest, file_mode if file_mode is not None else mode, read(full)))
    return entries


def with_parent_dirs(entries):
    dirs = set()
    for e in entries:
        parent = os.path.dirname(e.path)
        while parent not in ("/", ""):
            dirs.add(parent)
            parent = os.path.dirname(parent)
    have = {e.path for e in entries}
    return entries + [Entry(d, 0o755) for d in sorted(dirs) if d not in have]


def tar_bytes(entries, mtime):
    """A GNU tar of entries (paths given as ./relative), sorted, root-owned, fixed mtime."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT) as tar:
        if any(e.path == "." for e in entries) is False:
            root = tarfile.TarInfo("./")
            root.type = tarfile.DIRTYPE
            root.mode = 0o755
            root.mtime = mtime
            tar.addfile(root)
        for e in sorted(entries, key=lambda e: e.path):
            name = "." + e.path if e.path.startswith("/") else "./" + e.path
            info = tarfile.TarInfo(name + ("/" if e.data is None and e.link is None else ""))
            info.mtime = mtime
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            info.mode = e.mode
            if e.link is not None:
                info.type = tarfile.SYMTYPE
                info.linkname = e.link
                tar.addfile(info)
            elif e.data is None:
                info.type = tarfile.DIRTYPE
                tar.addfile(info)
            else:
                info.size = len(e.data)
                tar.addfile(info, io.BytesIO(e.data))
    return buf.getvalue()


def gz(data):
    """gzip -9n: no file name, zero timestamp."""
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, compresslevel=9, mtime=0) as f:
        f.write(data)
    return buf.getvalue()


_gz_best_cache = {}


def gz_best(data):
    """gz_best_uncached, once per distinct input: every arch name of one binary has the
    same data.tar, so the slow compressor runs once per binary."""
    key = hashlib.sha256(data).digest()
    if key not in _gz_best_cache:
        _gz_best_cache[key] = gz_best_uncached(data)
    return _gz_best_cache[key]


def gz_best_uncached(data):
    """The same gzip format, compressed by zopfli: about 4% smaller than gzip -9 for the
    binaries (the mipsel_24kc package must stay under 700 KB), decompressed by the same
    inflate as any gzip file (opkg, busybox tar, zcat). zopfli's gzip header carries no
    name and a zero timestamp, and its output depends only on its input and iteration
    count, so packages stay reproducible. Required, not optional: a fallback to gzip -9
    would make the bytes depend on the machine (cross/apt-packages.txt lists it)."""
    import shutil
    import tempfile

    zopfli = shutil.which("zopfli")
    if zopfli is None:
        sys.exit("build-ipk: zopfli not found (apt install zopfli; cross/setup.sh does)")
    with tempfile.NamedTemporaryFile(prefix="homeport-ipk-", suffix=".tar") as f:
        f.write(data)
        f.flush()
        out = subprocess.run([zopfli, "--gzip", "--i15", "-c", f.name], check=True, stdout=subprocess.PIPE).stdout
    if out[:10] != b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\x03" or gzip.decompress(out) != data:
        sys.exit("build-ipk: zopfli wrote an unexpected gzip stream")
    return out


def control_text(fields, description):
    lines = [f"{k}: {v}" for k, v in fields if v is not None]
    desc = description.strip().splitlines()
    lines.append("Description: " + desc[0])
    lines += [" " + line if line.strip() else " ." for line in desc[1:]]
    return "\n".join(lines) + "\n"


def build_ipk(out_dir, meta, entries, conffiles, scripts, mtime):
    entries = with_parent_dirs(entries)
    data_tar = tar_bytes(entries, mtime)
    fields = [
        ("Package", meta["name"]),
        ("Version", meta["version"]),
        ("Depends", meta["depends"]),
        ("Source", meta["source"]),
        ("SourceName", meta["name"]),
        ("License", LICENSE),
        ("Section", meta["section"]),
        ("SourceDateEpoch", str(mtime)),
        ("Maintainer", MAINTAINER),
        ("Architecture", meta["arch"]),
        ("Installed-Size", str(len(data_tar))),
    ]
    control = [Entry("control", 0o644, control_text(fields, meta["description"]).encode())]
    if conffiles:
        control.append(Entry("conffiles", 0o644, "".join(p + "\n" for p in sorted(conffiles)).encode()))
    for name, text in scripts.items():
        control.append(Entry(name, 0o755, text.encode()))
    control_tar = tar_bytes(control, mtime)

    outer = [
        Entry("debian-binary", 0o644, b"2.0\n"),
        Entry("data.tar.gz", 0o644, gz_best(data_tar)),
        Entry("control.tar.gz", 0o644, gz(control_tar)),
    ]
    # ipkg-build's member order (debian-binary, data, control), not sorted; no "./" entry.
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT) as tar:
        for e in outer:
            info = tarfile.TarInfo("./" + e.path)
            info.mtime = mtime
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            info.mode = e.mode
            info.size = len(e.data)
            tar.addfile(info, io.BytesIO(e.data))
    ipk = gz(buf.getvalue())
    path = os.path.join(out_dir, f"{meta['name']}_{meta['version']}_{meta['arch']}.ipk")
    with open(path + ".tmp", "wb") as f:
        f.write(ipk)
    os.replace(path + ".tmp", path)
    return path, len(ipk), len(data_tar)


def homeport_entries(binary):
    files = os.path.join(PKG_DIR, "homeport", "files")
    entries = [Entry("/usr/sbin/homeport", 0o755, read(binary))]
    entries.append(Entry("/etc/init.d/homeport", 0o755, read(os.path.join(files, "etc/init.d/homeport"))))
    # INSTALL_CONF: UCI files are 0600.
    entries.append(Entry("/etc/config/homeport", 0o600, read(os.path.join(files, "etc/config/homeport"))))
    entries += tree(os.path.join(files, "etc/uci-defaults"), "/etc/uci-defaults", 0o755)
    entries += tree(os.path.join(files, "usr/share/homeport"), "/usr/share/homeport")
    nftd = os.path.join(files, "usr/share/nftables.d")
    if os.path.isdir(nftd):
        entries += tree(nftd, "/usr/share/nftables.d", 0o644)
    return entries


def luci_entries():
    app = os.path.join(PKG_DIR, "luci-app-homeport")
    entries = tree(os.path.join(app, "htdocs"), "/www", 0o644)
    root = os.path.join(app, "root")
    for e in tree(root, "/"):
        # Only the rpcd plugin and uci-defaults scripts are executable.
        executable = e.path.startswith("/usr/libexec/rpcd/") or e.path.startswith("/etc/uci-defaults/")
        if e.link is None:
            e.mode = 0o755 if executable else 0o644
        entries.append(e)
    return entries


DESCRIPTION = """Dynamic DNS and port forwarding in one small daemon
homeport keeps a Dynamic DNS name pointed at the router's WAN address the moment
it changes, owns a port-forward table in nftables, and says plainly when the WAN
address cannot be reached from outside (CGNAT, double NAT). One static binary
with its own HTTPS client: no curl, wget or TLS library needed."""

LUCI_DESCRIPTION = """LuCI support for homeport
Pages for Dynamic DNS hosts, port forwards with safety warnings, and a live
status view of the homeport daemon."""


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=os.path.join(ROOT, "dist"))
    ap.add_argument("--arch", action="append", choices=sorted(ARCHES), help="only these (repeatable)")
    ap.add_argument("--binary", action="append", default=[], metavar="ARCH=PATH")
    ap.add_argument("--no-luci", action="store_true")
    ap.add_argument("--version", default=None, help="SemVer version (default: Cargo.toml's)")
    args = ap.parse_args()

    version = f"{package_version(args.version or cargo_version(), 'ipk')}-{RELEASE}"
    mtime = source_date_epoch()
    os.makedirs(args.out, exist_ok=True)
    overrides = dict(b.split("=", 1) for b in args.binary)
    built = []
    missing = []

    for arch in args.arch or sorted(ARCHES):
        binary = overrides.get(arch) or os.path.join(ROOT, "target", ARCHES[arch], "release", "homeport")
        if not os.path.isfile(binary):
            missing.append(f"{arch}: {binary} (run `make cross`)")
            continue
        meta = {
            "name": "homeport",
            "version": version,
            "arch": arch,
            "depends": HOMEPORT_DEPENDS,
            "source": "openwrt-package/homeport",
            "section": "net",
            "description": DESCRIPTION,
        }
        built.append(build_ipk(
            args.out, meta, homeport_entries(binary), ["/etc/config/homeport"],
            {"postinst": POSTINST, "prerm": PRERM, "postinst-pkg": HOMEPORT_POSTINST_PKG,
             "prerm-pkg": HOMEPORT_PRERM_PKG}, mtime,
        ))

    if not args.no_luci:
        meta = {
            "name": "luci-app-homeport",
            "version": version,
            "arch": "all",
            "depends": "luci-base, homeport",
            "source": "openwrt-package/luci-app-homeport",
            "section": "luci",
            "description": LUCI_DESCRIPTION,
        }
        built.append(build_ipk(
            args.out, meta, luci_entries(), [],
            {"postinst": POSTINST, "prerm": PRERM, "postinst-pkg": LUCI_POSTINST_PKG}, mtime,
        ))

    for path, size, installed in built:
        print(f"{os.path.relpath(path, ROOT)}: {size} bytes, installed {installed} bytes")
    if missing:
        print("build-ipk: missing binaries:\n  " + "\n  ".join(missing), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
