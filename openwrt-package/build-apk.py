#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Build apk-tools v3 packages (OpenWrt 25.12 and later) for homeport and luci-app-homeport,
and a signed local feed per architecture.

The same file trees as build-ipk.py, laid out the way OpenWrt's include/package-pack.mk
does for CONFIG_USE_APK: package metadata under /lib/apk/packages/<pkg>.{list,conffiles,
conffiles_static}, scripts post-install / post-upgrade / pre-deinstall calling
default_postinst / default_prerm, and `apk mkpkg` to write the ADB container. apk v3
packages are not tar files, so the `apk` binary (apk-tools 3.x) is required:

    build-apk.py [--apk /path/to/apk] [--out DIR] [--arch ARCH ...] [--sign-key PEM]

Output, one feed per architecture as OpenWrt lays them out (packages/<arch>/…):

    DIR/<arch>/homeport-<version>.apk            OpenWrt's file names (apk mkndx's
    DIR/<arch>/luci-app-homeport-<version>.apk   default --pkgname-spec ${name}-${version}.apk)
    DIR/<arch>/packages.adb                      the index, signed with the feed key
    DIR/keys/homeport-feed.pem                   the feed's public key (/etc/apk/keys/)

The signing key is --sign-key, else DIR/keys/homeport-feed.key, generated (ECDSA P-256,
as OpenWrt's own apk keys) on the first build and kept. Files are owned by root:root
whoever builds: `apk mkpkg` records each file's owner from the staged tree, so it runs
under fakeroot after a `chown -R 0:0` of that tree, as OpenWrt's build does.
"""

import argparse
import hashlib
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
import zlib

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


# apk --compression none, then raw deflate by zopfli: the "ADBd" container is the magic
# followed by one raw deflate stream of the uncompressed ADB (apk-tools src/adb_comp.c:
# adb_compress writes "ADBd" and apk_ostream_deflate(os, 0); adb_decompress inflates
# whatever follows), so any deflate encoder gives a package every apk-tools 3 reads. zopfli
# makes it ~4% smaller than zlib -9, as for the .ipk (the mipsel_24kc .apk must stay
# under 700 KB): docs/openwrt-package.md, "Figures".
ADB_PLAIN = b"ADB."
ADB_DEFLATE = b"ADBd"


def zopfli_adb(plain):
    if plain[:4] != ADB_PLAIN:
        raise SystemExit("build-apk: apk mkpkg --compression none wrote no plain ADB")
    zopfli = shutil.which("zopfli")
    if zopfli is None:
        raise SystemExit("build-apk: zopfli not found (apt install zopfli; cross/setup.sh does)")
    with tempfile.NamedTemporaryFile(prefix="homeport-apk-", suffix=".adb") as f:
        f.write(plain)
        f.flush()
        raw = subprocess.run([zopfli, "--deflate", "--i15", "-c", f.name], check=True, stdout=subprocess.PIPE).stdout
    if zlib.decompressobj(-15).decompress(raw) != plain:
        raise SystemExit("build-apk: zopfli wrote an unexpected deflate stream")
    return ADB_DEFLATE + raw


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


def build(apk, out_dir, name, version, arch, depends, description, entries, conffiles, extra, mtime):
    """Write out_dir/<name>-<version>.apk. extra: the package's own postinst / prerm
    snippets ({"postinst": text, "prerm": text}), appended after default_postinst /
    default_prerm as OpenWrt's package-pack.mk does for apk."""
    entries = entries + metadata_entries(name, entries, conffiles)
    with tempfile.TemporaryDirectory() as tmp:
        root = os.path.join(tmp, "root")
        os.makedirs(root)
        stage(root, entries, mtime)
        postinst = extra.get("postinst", "").split("\n", 1)[-1]
        scripts = {
            "post-install": POST_INSTALL.replace("@PKG@", name) + postinst,
            "pre-deinstall": PRE_DEINSTALL.replace("@PKG@", name) + extra.get("prerm", "").split("\n", 1)[-1],
        }
        scripts["post-upgrade"] = "#!/bin/sh\nexport PKG_UPGRADE=1\n" + scripts["post-install"].split("\n", 1)[1]
        args = [apk, "--compression", "none", "mkpkg",
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
        out = os.path.join(out_dir, f"{name}-{version}.apk")
        plain = os.path.join(tmp, "plain.adb")
        args += ["--files", root, "--output", plain]
        env = dict(os.environ, SOURCE_DATE_EPOCH=str(mtime))
        r = subprocess.run(as_root_owner(root, args), capture_output=True, text=True, env=env)
        if r.returncode != 0:
            raise SystemExit(f"build-apk: apk mkpkg failed for {name} {arch}: {r.stderr.strip()}")
        with open(plain, "rb") as f:
            data = zopfli_adb(f.read())
        with open(out + ".tmp", "wb") as f:
            f.write(data)
        os.replace(out + ".tmp", out)
        return out


def as_root_owner(root, args):
    """args run under fakeroot after `chown -R 0:0 root`: apk mkpkg stores the owner of
    each staged file (user/group names resolved from its uid/gid), and a router knows
    only root and a few system users; the builder's uid must not leak into the package."""
    fakeroot = shutil.which("fakeroot")
    if fakeroot is None:
        raise SystemExit("build-apk: fakeroot not found (apt install fakeroot; cross/setup.sh does)")
    return [fakeroot, "--", "sh", "-ec", 'root=$1; shift; chown -R -h 0:0 "$root"; exec "$@"', "sh", root, *args]


def feed_key(keys_dir, sign_key):
    """(private, public) PEM paths of the feed's signing key: sign_key if given, else
    keys_dir/homeport-feed.key, generated once (ECDSA P-256, what OpenWrt's apk keys
    are; apk-tools verifies it through OpenSSL) and kept for later builds."""
    os.makedirs(keys_dir, exist_ok=True)
    private = sign_key or os.path.join(keys_dir, "homeport-feed.key")
    public = os.path.join(keys_dir, "homeport-feed.pem")
    if not os.path.exists(private):
        old = os.umask(0o077)
        try:
            r = subprocess.run(["openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", private],
                               capture_output=True, text=True)
        finally:
            os.umask(old)
        if r.returncode != 0:
            raise SystemExit(f"build-apk: cannot generate the feed key: {r.stderr.strip()}")
    r = subprocess.run(["openssl", "pkey", "-in", private, "-pubout", "-out", public], capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(f"build-apk: cannot read the feed key {private}: {r.stderr.strip()}")
    return private, public


def index(apk, feed_dir, private):
    """packages.adb for every .apk in feed_dir, signed with private."""
    pkgs = sorted(os.path.join(feed_dir, n) for n in os.listdir(feed_dir) if n.endswith(".apk"))
    out = os.path.join(feed_dir, "packages.adb")
    # --allow-untrusted: the packages themselves are unsigned (OpenWrt signs the index only).
    r = subprocess.run([apk, "mkndx", "--allow-untrusted", "--sign-key", private, "--output", out, *pkgs],
                       capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(f"build-apk: apk mkndx failed in {feed_dir}: {r.stderr.strip()}")
    return out


def default_apk():
    """$APK, else the real apk-tools 3.0.2 in ../shared/tools (../shared/tools/README.md),
    else an apk on PATH."""
    shared = os.path.join(os.path.dirname(ipk.ROOT), "shared", "tools", "openwrt", "bin", "apk")
    return os.environ.get("APK") or (shared if os.path.exists(shared) else shutil.which("apk"))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--apk", default=default_apk(), help="apk-tools 3.x binary")
    ap.add_argument("--out", default=os.path.join(ipk.ROOT, "dist", "apk"))
    ap.add_argument("--arch", action="append", choices=sorted(ipk.ARCHES))
    ap.add_argument("--binary", action="append", default=[], metavar="ARCH=PATH")
    ap.add_argument("--version", default=None, help="SemVer version (default: Cargo.toml's)")
    ap.add_argument("--sign-key", default=None, help="PEM private key for the index (default: generated)")
    ap.add_argument("--skip-without-apk", action="store_true",
                    help="no apk-tools 3.x binary is not an error: say so and build nothing")
    args = ap.parse_args()
    if not args.apk:
        print("build-apk: no apk-tools 3.x binary (../shared/tools/openwrt/bin/apk absent; give --apk or APK=); "
              "no .apk built", file=sys.stderr)
        return 0 if args.skip_without_apk else 2
    probe = subprocess.run([args.apk, "--version"], capture_output=True, text=True)
    if probe.returncode != 0 or not probe.stdout.startswith("apk-tools 3."):
        print(f"build-apk: {args.apk} is not apk-tools 3.x: {probe.stdout.strip() or probe.stderr.strip()}", file=sys.stderr)
        return 2

    version = f"{ipk.package_version(args.version or ipk.cargo_version(), 'apk')}-{ipk.RELEASE}"
    mtime = ipk.source_date_epoch()
    private, public = feed_key(os.path.join(args.out, "keys"), args.sign_key)
    overrides = dict(b.split("=", 1) for b in args.binary)
    missing = []
    luci_extra = {"postinst": ipk.LUCI_POSTINST_PKG}
    homeport_extra = {"postinst": ipk.HOMEPORT_POSTINST_PKG, "prerm": ipk.HOMEPORT_PRERM_PKG}
    luci = None
    for arch in args.arch or sorted(ipk.ARCHES):
        binary = overrides.get(arch) or os.path.join(ipk.ROOT, "target", ipk.ARCHES[arch], "release", "homeport")
        if not os.path.isfile(binary):
            missing.append(arch)
            continue
        feed = os.path.join(args.out, arch)
        os.makedirs(feed, exist_ok=True)
        for stale in os.listdir(feed):
            os.unlink(os.path.join(feed, stale))
        out = build(args.apk, feed, "homeport", version, arch, HOMEPORT_DEPENDS, ipk.DESCRIPTION,
                    ipk.homeport_entries(binary), ["/etc/config/homeport"], homeport_extra, mtime)
        print(f"{os.path.relpath(out, ipk.ROOT)}: {os.path.getsize(out)} bytes")
        # The LuCI app (noarch) is built once and goes into every feed, as OpenWrt's
        # per-arch package directories each carry the noarch packages.
        if luci is None:
            luci = build(args.apk, feed, "luci-app-homeport", version, "all", "luci-base, homeport",
                         ipk.LUCI_DESCRIPTION, ipk.luci_entries(), [], luci_extra, mtime)
            print(f"{os.path.relpath(luci, ipk.ROOT)}: {os.path.getsize(luci)} bytes")
        else:
            shutil.copyfile(luci, os.path.join(feed, os.path.basename(luci)))
        index(args.apk, feed, private)
    print(f"feed key: {os.path.relpath(public, ipk.ROOT)} (copy to /etc/apk/keys/ on the router)")
    if missing:
        print("build-apk: missing binaries for " + ", ".join(missing) + " (run `make cross`)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
