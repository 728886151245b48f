#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Build apk-tools v3 packages (OpenWrt 25.12 and later) for homeport and luci-app-homeport.

The same file trees as build-ipk.py, laid out the way OpenWrt's include/package-pack.mk
does for CONFIG_USE_APK: package metadata under /lib/apk/packages/<pkg>.{list,conffiles,
conffiles_static}, scripts post-install / post-upgrade / pre-deinstall calling
default_postinst / default_prerm, and `apk mkpkg` to write the ADB container. apk v3
packages are not tar files, so the `apk` binary (apk-tools 3.x) is required:

    build-apk.py --apk /path/to/apk [--out DIR] [--arch ARCH ...]

Output: <name>-<version>.<arch>.apk (OpenWrt names them <name>-<version>.apk inside a
per-arch directory; the arch is added here because all arches share one directory).
Unsigned: install with `apk add --allow-untrusted ./homeport-….apk`.
"""

import argparse
import hashlib
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("build_ipk", os.path.join(HERE, "build-ipk.py"))
ipk = importlib.util.module_from_spec(spec)
spec.loader.exec_module(ipk)

HOMEPORT_DEPENDS = ipk.HOMEPORT_DEPENDS

POST_INSTALL = """#!/bin/sh
[ "${IPKG_NO_SCRIPT}" = "1" ] && exit 0
[ -s "${IPKG_INSTROOT}/lib/functions.sh" ] || exit 0
# shellcheck source=/dev/null
. "${IPKG_INSTROOT}/lib/functions.sh"
export root="${IPKG_INSTROOT}"
export pkgname="@PKG@"
add_group_and_user
default_postinst
"""

PRE_DEINSTALL = """#!/bin/sh
[ -s "${IPKG_INSTROOT}/lib/functions.sh" ] || exit 0
# shellcheck source=/dev/null
. "${IPKG_INSTROOT}/lib/functions.sh"
export root="${IPKG_INSTROOT}"
export pkgname="@PKG@"
default_prerm
"""


def stage(root, entries, mtime):
    for e in sorted(ipk.with_parent_dirs(entries), key=lambda e: e.path):
        dest = os.path.join(root, e.path.lstrip("/"))
        if e.link is not None:
            os.symlink(e.link, dest)
        elif e.data is None:
            os.makedirs(dest, exist_ok=True)
            os.chmod(dest, e.mode)
        else:
            os.makedirs(os.path.dirname(dest), exist_ok=True)
            with open(dest, "wb") as f:
                f.write(e.data)
            os.chmod(dest, e.mode)
    for dirpath, dirnames, filenames in os.walk(root):
        for n in dirnames + filenames:
            os.utime(os.path.join(dirpath, n), (mtime, mtime), follow_symlinks=False)
    os.utime(root, (mtime, mtime))


def metadata_entries(name, entries, conffiles):
    files = sorted(e.path for e in entries if e.data is not None or e.link is not None)
    meta = f"/lib/apk/packages/{name}"
    out = [ipk.Entry(meta + ".list", 0o644, "".join(p + "\n" for p in files + [meta + ".list"]).encode())]
    if conffiles:
        out.append(ipk.Entry(meta + ".conffiles", 0o644, "".join(c + "\n" for c in conffiles).encode()))
        by_path = {e.path: e for e in entries}
        static = "".join(f"{c} {hashlib.sha256(by_path[c].data).hexdigest()}\n" for c in conffiles if c in by_path)
        out.append(ipk.Entry(meta + ".conffiles_static", 0o644, static.encode()))
    return out


def build(apk, out_dir, name, version, arch, depends, description, entries, conffiles, post_install_extra, mtime):
    entries = entries + metadata_entries(name, entries, conffiles)
    with tempfile.TemporaryDirectory() as tmp:
        root = os.path.join(tmp, "root")
        os.makedirs(root)
        stage(root, entries, mtime)
        scripts = {
            "post-install": POST_INSTALL.replace("@PKG@", name) + post_install_extra,
            "pre-deinstall": PRE_DEINSTALL.replace("@PKG@", name),
        }
        scripts["post-upgrade"] = "#!/bin/sh\nexport PKG_UPGRADE=1\n" + scripts["post-install"].split("\n", 1)[1]
        args = [apk, "mkpkg",
                "--info", f"name:{name}", "--info", f"version:{version}",
                "--info", "description:" + " ".join(description.split("\n", 1)[0].split()),
                "--info", f"arch:{'noarch' if arch == 'all' else arch}",
                "--info", f"license:{ipk.LICENSE}", "--info", f"origin:openwrt-package/{name}",
                "--info", f"maintainer:{ipk.MAINTAINER}",
                "--info", "depends:" + " ".join(d.strip() for d in depends.split(",") if d.strip())]
        for kind, text in scripts.items():
            path = os.path.join(tmp, kind)
            with open(path, "w") as f:
                f.write(text)
            os.chmod(path, 0o755)
            args += ["--script", f"{kind}:{path}"]
        suffix = "noarch" if arch == "all" else arch
        out = os.path.join(out_dir, f"{name}-{version}.{suffix}.apk")
        args += ["--files", root, "--output", out]
        env = dict(os.environ, SOURCE_DATE_EPOCH=str(mtime))
        r = subprocess.run(args, capture_output=True, text=True, env=env)
        if r.returncode != 0:
            raise SystemExit(f"build-apk: apk mkpkg failed for {name} {arch}: {r.stderr.strip()}")
        return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--apk", default=os.environ.get("APK") or shutil.which("apk"), help="apk-tools 3.x binary")
    ap.add_argument("--out", default=os.path.join(ipk.ROOT, "dist"))
    ap.add_argument("--arch", action="append", choices=sorted(ipk.ARCHES))
    ap.add_argument("--binary", action="append", default=[], metavar="ARCH=PATH")
    args = ap.parse_args()
    if not args.apk:
        print("build-apk: no apk-tools 3.x binary (give --apk or APK=); no .apk built", file=sys.stderr)
        return 2
    probe = subprocess.run([args.apk, "--version"], capture_output=True, text=True)
    if probe.returncode != 0 or not probe.stdout.startswith("apk-tools 3."):
        print(f"build-apk: {args.apk} is not apk-tools 3.x: {probe.stdout.strip() or probe.stderr.strip()}", file=sys.stderr)
        return 2

    version = f"{ipk.cargo_version()}-{ipk.RELEASE}"
    mtime = ipk.source_date_epoch()
    os.makedirs(args.out, exist_ok=True)
    overrides = dict(b.split("=", 1) for b in args.binary)
    missing = []
    for arch in args.arch or sorted(ipk.ARCHES):
        binary = overrides.get(arch) or os.path.join(ipk.ROOT, "target", ipk.ARCHES[arch], "release", "homeport")
        if not os.path.isfile(binary):
            missing.append(arch)
            continue
        out = build(args.apk, args.out, "homeport", version, arch, HOMEPORT_DEPENDS, ipk.DESCRIPTION,
                    ipk.homeport_entries(binary), ["/etc/config/homeport"], "", mtime)
        print(f"{os.path.relpath(out, ipk.ROOT)}: {os.path.getsize(out)} bytes")
    luci_extra = ipk.LUCI_POSTINST_PKG.split("\n", 1)[1]
    out = build(args.apk, args.out, "luci-app-homeport", version, "all", "luci-base, homeport", ipk.LUCI_DESCRIPTION,
                ipk.luci_entries(), [], luci_extra, mtime)
    print(f"{os.path.relpath(out, ipk.ROOT)}: {os.path.getsize(out)} bytes")
    if missing:
        print("build-apk: missing binaries for " + ", ".join(missing) + " (run `make cross`)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
