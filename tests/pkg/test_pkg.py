#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Package tests for openwrt-package/: the .ipk files, the init script under stand-in
procd functions, the shell scripts, and the LuCI app against the daemon's contracts.

Run by tests/pkg/run.sh (make test-pkg) after `make ipk`. Exits non-zero on any failure
and ends with the line `pkg: N passed, N failed`.

Environment:
  DIST            where the .ipk files are (default dist/)
  PKG_ARCHES      space-separated subset of architectures to expect (default: all five)
  HOMEPORT_BIN    a native homeport binary for the config-contract check
                  (default target/debug/homeport)
"""

import gzip
import hashlib
import io
import json
import os
import re
import shutil
import stat
import struct
import subprocess
import sys
import tarfile
import tempfile
import traceback

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PKG = os.path.join(ROOT, "openwrt-package")
HOMEPORT_FILES = os.path.join(PKG, "homeport", "files")
LUCI = os.path.join(PKG, "luci-app-homeport")
VIEWS = os.path.join(LUCI, "htdocs", "luci-static", "resources", "view", "homeport")
RPCD_PLUGIN = os.path.join(LUCI, "root", "usr", "libexec", "rpcd", "homeport")
STANDIN = os.path.join(ROOT, "tests", "pkg", "standin")
INIT = os.path.join(HOMEPORT_FILES, "etc", "init.d", "homeport")
DIST = os.environ.get("DIST", os.path.join(ROOT, "dist"))

# OpenWrt arch -> (ELF class, ELF data, e_machine, description).
# ELFCLASS32=1/64=2, ELFDATA2LSB=1/MSB=2; EM_MIPS=8, EM_ARM=40, EM_X86_64=62, EM_AARCH64=183.
ELF_ARCH = {
    "mips_24kc": (1, 2, 8),
    "mipsel_24kc": (1, 1, 8),
    "arm_cortex-a7_neon-vfpv4": (1, 1, 40),
    "aarch64_cortex-a53": (2, 1, 183),
    "x86_64": (2, 1, 62),
}
ARCHES = os.environ.get("PKG_ARCHES", " ".join(ELF_ARCH)).split()

TESTS = []


def test(fn):
    TESTS.append(fn)
    return fn


def check(cond, msg):
    if not cond:
        raise AssertionError(msg)


def eq(got, want, what):
    if got != want:
        raise AssertionError(f"{what}: got {got!r}, want {want!r}")


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


# ---------------------------------------------------------------------------------
# .ipk reading, as opkg-lede does it (libbb/unarchive.c deb_extract): gunzip the outer
# file, walk its tar headers for ./control.tar.gz and ./data.tar.gz, gunzip those.


class Ipk:
    def __init__(self, path):
        self.path = path
        self.raw = open(path, "rb").read()
        outer = tarfile.open(fileobj=io.BytesIO(gzip.decompress(self.raw)), mode="r:")
        self.outer_members = outer.getmembers()
        self.members = {m.name: outer.extractfile(m).read() for m in self.outer_members}
        self.control_tgz = self.members.get("./control.tar.gz")
        self.data_tgz = self.members.get("./data.tar.gz")
        self.control_tar = gzip.decompress(self.control_tgz)
        self.data_tar = gzip.decompress(self.data_tgz)
        self.control_entries = tarfile.open(fileobj=io.BytesIO(self.control_tar), mode="r:").getmembers()
        self.data_entries = tarfile.open(fileobj=io.BytesIO(self.data_tar), mode="r:").getmembers()
        ctl = tarfile.open(fileobj=io.BytesIO(self.control_tar), mode="r:")
        self.control_files = {
            m.name.lstrip("./"): ctl.extractfile(m).read().decode() for m in self.control_entries if m.isfile()
        }
        data = tarfile.open(fileobj=io.BytesIO(self.data_tar), mode="r:")
        self.data_files = {m.name[1:]: m for m in self.data_entries}
        self._data = data

    def file(self, path):
        return self._data.extractfile(self.data_files[path]).read()

    def control(self):
        fields = {}
        key = None
        for line in self.control_files["control"].splitlines():
            if line.startswith(" ") and key:
                fields[key] += "\n" + line[1:]
            else:
                key, _, value = line.partition(":")
                fields[key] = value.strip()
        return fields


def ipk_paths():
    version = cargo_version() + "-r1"
    paths = {a: os.path.join(DIST, f"homeport_{version}_{a}.ipk") for a in ARCHES}
    paths["all"] = os.path.join(DIST, f"luci-app-homeport_{version}_all.ipk")
    return paths


def cargo_version():
    text = open(os.path.join(ROOT, "Cargo.toml")).read()
    return re.search(r'^version\s*=\s*"([^"]+)"', text, re.M).group(1)


_ipks = {}


def ipk(arch):
    if arch not in _ipks:
        path = ipk_paths()[arch]
        check(os.path.isfile(path), f"{path} missing: run `make ipk`")
        _ipks[arch] = Ipk(path)
    return _ipks[arch]


def elf_header(data):
    check(data[:4] == b"\x7fELF", "not an ELF file")
    ei_class, ei_data = data[4], data[5]
    endian = "<" if ei_data == 1 else ">"
    e_machine = struct.unpack_from(endian + "H", data, 18)[0]
    if ei_class == 1:
        e_phoff, = struct.unpack_from(endian + "I", data, 28)
        e_flags, = struct.unpack_from(endian + "I", data, 36)
        e_phentsize, e_phnum = struct.unpack_from(endian + "HH", data, 42)
    else:
        e_phoff, = struct.unpack_from(endian + "Q", data, 32)
        e_flags, = struct.unpack_from(endian + "I", data, 48)
        e_phentsize, e_phnum = struct.unpack_from(endian + "HH", data, 54)
    phdrs = []
    for i in range(e_phnum):
        off = e_phoff + i * e_phentsize
        p_type, = struct.unpack_from(endian + "I", data, off)
        if ei_class == 1:
            p_offset, = struct.unpack_from(endian + "I", data, off + 4)
        else:
            p_offset, = struct.unpack_from(endian + "Q", data, off + 8)
        phdrs.append((p_type, p_offset))
    return ei_class, ei_data, e_machine, e_flags, phdrs, endian


# ---------------------------------------------------------------------------------
# Package format


def homeport_ipk_test(arch):
    def t():
        p = ipk(arch)
        eq([m.name for m in p.outer_members], ["./debian-binary", "./data.tar.gz", "./control.tar.gz"], "outer members")
        eq(p.members["./debian-binary"], b"2.0\n", "debian-binary")
        for m in p.outer_members:
            eq((m.uid, m.gid), (0, 0), f"owner of {m.name}")
        c = p.control()
        eq(c["Package"], "homeport", "Package")
        eq(c["Version"], cargo_version() + "-r1", "Version")
        eq(c["Architecture"], arch, "Architecture")
        eq(c["Installed-Size"], str(len(p.data_tar)), "Installed-Size (uncompressed data.tar)")
        eq(c["Depends"], "firewall4, ca-bundle", "Depends")
        check(c.get("Description"), "Description")
        check(c.get("License"), "License")
        eq(os.path.basename(p.path), f"homeport_{c['Version']}_{arch}.ipk", "file name")

        # conffiles: sorted, and each one shipped.
        conffiles = p.control_files["conffiles"].splitlines()
        eq(conffiles, ["/etc/config/homeport"], "conffiles")
        for cf in conffiles:
            check(cf in p.data_files, f"conffile {cf} not in data.tar.gz")

        # maintainer scripts: generated, calling OpenWrt's default_* helpers.
        check("default_postinst" in p.control_files["postinst"], "postinst calls default_postinst")
        check("default_prerm" in p.control_files["prerm"], "prerm calls default_prerm")
        for m in p.control_entries:
            eq((m.uid, m.gid), (0, 0), f"owner of control {m.name}")
            if m.name.lstrip("./") in ("postinst", "prerm"):
                eq(stat.S_IMODE(m.mode), 0o755, f"mode of {m.name}")

        # data: root-owned, modes as OpenWrt's INSTALL_BIN/INSTALL_CONF/INSTALL_DIR give.
        want_modes = {
            "/usr/sbin/homeport": 0o755,
            "/etc/init.d/homeport": 0o755,
            "/etc/config/homeport": 0o600,
            "/etc/uci-defaults/80_homeport": 0o755,
            "/usr/share/homeport/firewall.include": 0o755,
        }
        for path, mode in want_modes.items():
            check(path in p.data_files, f"{path} missing from data.tar.gz")
            eq(stat.S_IMODE(p.data_files[path].mode), mode, f"mode of {path}")
        for path, m in p.data_files.items():
            eq((m.uid, m.gid), (0, 0), f"owner of {path}")
            if m.isdir():
                eq(stat.S_IMODE(m.mode), 0o755, f"mode of directory {path}")
            check(not (m.mode & 0o022), f"{path} is group/world writable")
        names = [m.name for m in p.data_entries]
        eq(names, sorted(names), "data.tar entries sorted")
        eq(len({m.mtime for m in p.data_entries}), 1, "one fixed mtime in data.tar")
        # The shipped files are the tree's files, byte for byte.
        eq(p.file("/etc/init.d/homeport"), open(INIT, "rb").read(), "init script content")

        # gzip members carry no name and no timestamp (reproducibility).
        for blob, what in ((p.raw, "ipk"), (p.control_tgz, "control.tar.gz"), (p.data_tgz, "data.tar.gz")):
            eq(blob[3] & 0x08, 0, f"{what}: gzip FNAME flag")
            eq(blob[4:8], b"\0\0\0\0", f"{what}: gzip MTIME")

    t.__name__ = f"ipk_format_{arch}"
    return t


def elf_test(arch):
    def t():
        binary = ipk(arch).file("/usr/sbin/homeport")
        ei_class, ei_data, e_machine, e_flags, phdrs, endian = elf_header(binary)
        eq((ei_class, ei_data, e_machine), ELF_ARCH[arch], f"ELF class/data/machine for {arch}")
        # Static: no program interpreter, so no musl loader is needed on the device.
        check(all(t != 3 for t, _ in phdrs), "binary has PT_INTERP: not statically linked")
        if arch.startswith("mips"):
            # PT_MIPS_ABIFLAGS: fp_abi at byte 7 must be 3 (soft float) for a 24Kc without FPU.
            abi = [off for t, off in phdrs if t == 0x70000003]
            check(abi, "no PT_MIPS_ABIFLAGS")
            eq(binary[abi[0] + 7], 3, "MIPS fp_abi (3 = soft-float)")
            eq(binary[abi[0] + 2], 32, "MIPS ISA level")
        if arch.startswith("arm_"):
            check(e_flags & 0x400, "ARM e_flags lacks EF_ARM_ABI_FLOAT_HARD (neon-vfpv4 is hard-float)")

    t.__name__ = f"ipk_elf_{arch}"
    return t


for _a in ARCHES:
    test(homeport_ipk_test(_a))
    test(elf_test(_a))


def tree_files(base, prefix):
    out = set()
    for dp, _, fs in os.walk(base):
        for f in fs:
            out.add(os.path.join(prefix, os.path.relpath(os.path.join(dp, f), base)))
    return out


@test
def ipk_ships_every_file():
    """Every file of openwrt-package/*/files (resp. htdocs, root) is in the package, and
    nothing else: the standalone builder and the feed Makefiles install the same tree."""
    for key in ARCHES:
        p = ipk(key)
        shipped = {path for path, m in p.data_files.items() if not m.isdir()}
        eq(shipped, tree_files(HOMEPORT_FILES, "/") | {"/usr/sbin/homeport"}, f"files of homeport ({key})")
    p = ipk("all")
    shipped = {path for path, m in p.data_files.items() if not m.isdir()}
    want = tree_files(os.path.join(LUCI, "htdocs"), "/www") | tree_files(os.path.join(LUCI, "root"), "/")
    eq(shipped, want, "files of luci-app-homeport")
    # The feed Makefile installs each top-level directory of files/ too.
    makefile = open(os.path.join(PKG, "homeport", "Makefile")).read()
    for sub in ("etc/config/homeport", "etc/init.d/homeport", "etc/uci-defaults/80_homeport",
                "usr/share/homeport/firewall.include"):
        check(f"./files/{sub}" in makefile, f"feed Makefile does not install {sub}")
    if os.path.isdir(os.path.join(HOMEPORT_FILES, "usr", "share", "nftables.d")):
        check("./files/usr/share/nftables.d" in makefile, "feed Makefile does not install nftables.d")


@test
def elf_check_catches_wrong_arch():
    """The ELF check is not vacuous: a binary packaged under another arch is caught."""
    src = ARCHES[0]
    wrong = next(a for a in ELF_ARCH if ELF_ARCH[a] != ELF_ARCH[src])
    with tempfile.TemporaryDirectory() as out:
        r = run([sys.executable, os.path.join(PKG, "build-ipk.py"), "--out", out, "--no-luci",
                 "--arch", wrong, "--binary", f"{wrong}={ipk_path_binary(src)}"])
        eq(r.returncode, 0, r.stderr)
        path = os.path.join(out, f"homeport_{cargo_version()}-r1_{wrong}.ipk")
        _ipks[("wrong", wrong)] = Ipk(path)
        saved = _ipks.get(wrong)
        _ipks[wrong] = _ipks[("wrong", wrong)]
        try:
            elf_test(wrong)()
        except AssertionError:
            return
        finally:
            if saved is None:
                del _ipks[wrong]
            else:
                _ipks[wrong] = saved
        raise AssertionError(f"a {src} binary packaged as {wrong} passed the ELF check")


@test
def maintainer_scripts_call_openwrt_helpers():
    """Unpacked into a root as opkg does (data into the root, control files as
    usr/lib/opkg/info/<pkg>.<file>), postinst and prerm source the root's
    /lib/functions.sh and hand themselves to default_postinst / default_prerm."""
    for key in [ARCHES[0], "all"]:
        p = ipk(key)
        name = p.control()["Package"]
        with tempfile.TemporaryDirectory() as root:
            data = tarfile.open(fileobj=io.BytesIO(p.data_tar), mode="r:")
            if hasattr(tarfile, "tar_filter"):  # Python >= 3.11.4 / 3.12
                data.extractall(root, filter="tar")
            else:
                data.extractall(root)
            info = os.path.join(root, "usr/lib/opkg/info")
            os.makedirs(info)
            for f, text in p.control_files.items():
                path = os.path.join(info, f"{name}.{f}")
                with open(path, "w") as fh:
                    fh.write(text)
                os.chmod(path, 0o755)
            os.makedirs(os.path.join(root, "lib"), exist_ok=True)
            log = os.path.join(root, "calls")
            with open(os.path.join(root, "lib/functions.sh"), "w") as fh:
                fh.write(f'default_postinst() {{ echo "default_postinst $*" >> {log}; }}\n'
                         f'default_prerm() {{ echo "default_prerm $*" >> {log}; }}\n')
            for script, args in (("postinst", ["configure"]), ("prerm", ["remove"])):
                path = os.path.join(info, f"{name}.{script}")
                r = run(["sh", path, *args], env=dict(os.environ, IPKG_INSTROOT=root))
                eq(r.returncode, 0, f"{name}.{script}: {r.stderr}")
            r = run(["sh", os.path.join(info, f"{name}.postinst")], env=dict(os.environ, IPKG_INSTROOT=root, IPKG_NO_SCRIPT="1"))
            eq(r.returncode, 0, "postinst with IPKG_NO_SCRIPT=1")
            calls = open(log).read().splitlines()
            eq(calls, [f"default_postinst {info}/{name}.postinst configure", f"default_prerm {info}/{name}.prerm remove"],
               f"{name}: helper calls")
            for path in ("etc/init.d/homeport", "usr/sbin/homeport") if key != "all" else ("usr/libexec/rpcd/homeport",):
                check(os.access(os.path.join(root, path), os.X_OK), f"/{path} not executable after unpacking")


@test
def luci_ipk_format():
    p = ipk("all")
    c = p.control()
    eq(c["Package"], "luci-app-homeport", "Package")
    eq(c["Architecture"], "all", "Architecture")
    eq(c["Installed-Size"], str(len(p.data_tar)), "Installed-Size")
    deps = [d.strip() for d in c["Depends"].split(",")]
    check("homeport" in deps and "luci-base" in deps, f"Depends {deps}")
    check("conffiles" not in p.control_files, "luci app has no conffiles")
    check("default_postinst" in p.control_files["postinst"], "postinst")
    check("luci-indexcache" in p.control_files["postinst-pkg"], "postinst-pkg clears LuCI's index cache")
    check("rpcd" in p.control_files["postinst-pkg"], "postinst-pkg reloads rpcd")
    for js in sorted(os.listdir(VIEWS)):
        path = f"/www/luci-static/resources/view/homeport/{js}"
        check(path in p.data_files, f"{path} missing")
        eq(stat.S_IMODE(p.data_files[path].mode), 0o644, f"mode of {path}")
    for path, mode in (
        ("/usr/libexec/rpcd/homeport", 0o755),
        ("/usr/share/luci/menu.d/luci-app-homeport.json", 0o644),
        ("/usr/share/rpcd/acl.d/luci-app-homeport.json", 0o644),
    ):
        check(path in p.data_files, f"{path} missing")
        eq(stat.S_IMODE(p.data_files[path].mode), mode, f"mode of {path}")
    for m in p.data_entries:
        eq((m.uid, m.gid), (0, 0), f"owner of {m.name}")


@test
def ipk_reproducible():
    """Building again from the same inputs gives the same bytes."""
    with tempfile.TemporaryDirectory() as out:
        args = [sys.executable, os.path.join(PKG, "build-ipk.py"), "--out", out]
        for a in ARCHES:
            args += ["--arch", a, "--binary", f"{a}={ipk_path_binary(a)}"]
        env = dict(os.environ, SOURCE_DATE_EPOCH=str(ipk("all").data_entries[0].mtime))
        r = run(args, env=env)
        eq(r.returncode, 0, f"build-ipk.py failed: {r.stderr}")
        for key, path in ipk_paths().items():
            again = open(os.path.join(out, os.path.basename(path)), "rb").read()
            check(again == open(path, "rb").read(), f"{os.path.basename(path)} differs on rebuild")


def ipk_path_binary(arch):
    """The binary inside the built ipk, written out, so the rebuild uses identical input."""
    d = tempfile.mkdtemp(prefix="hp-bin-")
    path = os.path.join(d, "homeport")
    with open(path, "wb") as f:
        f.write(ipk(arch).file("/usr/sbin/homeport"))
    return path


# ---------------------------------------------------------------------------------
# .apk (apk-tools v3, OpenWrt 25.12+): only where an apk-tools 3.x binary is given in $APK
# (none is packaged for Debian bookworm, PyPI or npm; see the report).


class Skip(Exception):
    pass


def apk_tool():
    apk = os.environ.get("APK")
    if not apk:
        raise Skip("no apk-tools 3.x binary in $APK: .apk packages not tested")
    return apk


@test
def apk_packages_install():
    apk = apk_tool()
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "out")
        args = [sys.executable, os.path.join(PKG, "build-apk.py"), "--apk", apk, "--out", out]
        for a in ARCHES:
            args += ["--arch", a, "--binary", f"{a}={ipk_path_binary(a)}"]
        env = dict(os.environ, SOURCE_DATE_EPOCH="1700000000")
        r = run(args, env=env)
        eq(r.returncode, 0, f"build-apk.py: {r.stderr}")
        again = os.path.join(d, "again")
        r = run([*args[:5], again, *args[6:]], env=env)
        eq(r.returncode, 0, r.stderr)
        for name in os.listdir(out):
            check(open(os.path.join(out, name), "rb").read() == open(os.path.join(again, name), "rb").read(),
                  f"{name} differs on rebuild")
        version = cargo_version() + "-r1"
        # Stand-in packages for the dependencies, so apk resolves without a repository.
        stub_files = os.path.join(d, "stub")
        os.makedirs(stub_files)
        stubs = []
        for dep in ("firewall4", "ca-bundle", "luci-base"):
            path = os.path.join(d, dep + ".apk")
            r = run([apk, "mkpkg", "--info", f"name:{dep}", "--info", "version:1-r1", "--info", "arch:noarch",
                     "--info", "description:stand-in", "--files", stub_files, "--output", path])
            eq(r.returncode, 0, r.stderr)
            stubs.append(path)
        for arch in ARCHES:
            dump = run([apk, "adbdump", os.path.join(out, f"homeport-{version}.{arch}.apk")]).stdout
            check(f"arch: {arch}" in dump and "- firewall4" in dump and "- ca-bundle" in dump,
                  f"{arch}: info block\n{dump[:400]}")
            root = os.path.join(d, "root-" + arch)
            os.makedirs(root)
            r = run([apk, "add", "--root", root, "--initdb", "--allow-untrusted", "--no-network", "--no-scripts",
                     "--arch", arch, *stubs, os.path.join(out, f"homeport-{version}.{arch}.apk"),
                     os.path.join(out, f"luci-app-homeport-{version}.noarch.apk")])
            eq(r.returncode, 0, f"apk add ({arch}): {r.stdout}{r.stderr}")
            for path, mode in (("usr/sbin/homeport", 0o755), ("etc/config/homeport", 0o600),
                               ("etc/init.d/homeport", 0o755), ("usr/libexec/rpcd/homeport", 0o755)):
                st = os.stat(os.path.join(root, path))
                eq(stat.S_IMODE(st.st_mode), mode, f"{arch}: mode of /{path}")
            conffiles = open(os.path.join(root, "lib/apk/packages/homeport.conffiles")).read().split()
            eq(conffiles, ["/etc/config/homeport"], "apk conffiles")
            static = open(os.path.join(root, "lib/apk/packages/homeport.conffiles_static")).read().split()
            eq(static[1], hashlib.sha256(open(os.path.join(root, "etc/config/homeport"), "rb").read()).hexdigest(),
               "conffiles_static checksum")
            binary = open(os.path.join(root, "usr/sbin/homeport"), "rb").read()
            eq(elf_header(binary)[:3], ELF_ARCH[arch], f"{arch}: installed binary's ELF header")


# ---------------------------------------------------------------------------------
# Shell scripts: the files in the tree and the maintainer scripts inside the ipks.


def shell_scripts():
    scripts = [
        INIT,
        os.path.join(HOMEPORT_FILES, "etc", "uci-defaults", "80_homeport"),
        os.path.join(HOMEPORT_FILES, "usr", "share", "homeport", "firewall.include"),
        RPCD_PLUGIN,
        # this suite's own shell
        os.path.join(ROOT, "tests", "pkg", "run.sh"),
        os.path.join(STANDIN, "rc.common"),
        os.path.join(STANDIN, "functions.sh"),
    ]
    tmp = tempfile.mkdtemp(prefix="hp-ctl-")
    # the apk (v3) maintainer scripts, as build-apk.py writes them
    import importlib.util
    spec = importlib.util.spec_from_file_location("build_apk", os.path.join(PKG, "build-apk.py"))
    build_apk = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build_apk)
    for name, text in (("post-install", build_apk.POST_INSTALL), ("pre-deinstall", build_apk.PRE_DEINSTALL)):
        path = os.path.join(tmp, "apk." + name)
        with open(path, "w") as f:
            f.write(text.replace("@PKG@", "homeport"))
        scripts.append(path)
    for key in [ARCHES[0], "all"] if ARCHES else ["all"]:
        for name, text in ipk(key).control_files.items():
            if text.startswith("#!/bin/sh"):
                path = os.path.join(tmp, f"{key}.{name}")
                with open(path, "w") as f:
                    f.write(text)
                scripts.append(path)
    return scripts


@test
def shellcheck_sh():
    for path in shell_scripts():
        r = run(["shellcheck", "-s", "sh", path])
        eq(r.returncode, 0, f"shellcheck -s sh {path}:\n{r.stdout}")


@test
def sh_n():
    for sh in ("sh", "dash"):
        if not shutil.which(sh):
            continue
        for path in shell_scripts():
            r = run([sh, "-n", path])
            eq(r.returncode, 0, f"{sh} -n {path}: {r.stderr}")


# ---------------------------------------------------------------------------------
# The init script under stand-in procd functions.


def run_init(action, config, *args):
    with tempfile.TemporaryDirectory() as d:
        os.makedirs(os.path.join(d, "config"))
        with open(os.path.join(d, "config", "homeport"), "w") as f:
            f.write(config)
        log = os.path.join(d, "procd.log")
        prog = os.path.join(d, "homeport")
        proglog = os.path.join(d, "prog.log")
        with open(prog, "w") as f:
            # records its arguments, and its place among the procd calls
            f.write(f'#!/bin/sh\nprintf "%s\\n" "$*" >> {proglog}\nprintf "homeport\\t%s\\n" "$*" >> {log}\n')
        os.chmod(prog, 0o755)
        open(log, "w").close()
        env = dict(os.environ, PROCD_LOG=log, UCI_CONFIG_DIR=os.path.join(d, "config"), HOMEPORT_PROG=prog)
        r = run(["sh", os.path.join(STANDIN, "rc.common"), INIT, action, *args], env=env)
        eq(r.returncode, 0, f"init {action}: {r.stderr}")
        calls = [line.split("\t") for line in open(log).read().splitlines()]
        progcalls = open(proglog).read().splitlines() if os.path.exists(proglog) else []
        return calls, progcalls, prog


ENABLED = "config homeport 'main'\n\toption enabled '1'\n\toption interface 'wan'\n"


@test
def init_start_declares_instance():
    calls, progcalls, prog = run_init("start", ENABLED)
    eq(calls[0], ["procd_open_service", "homeport", INIT], "service opened")
    eq(calls[1], ["procd_open_instance", "main"], "instance name")
    params = {c[1]: c[2:] for c in calls if c[0] == "procd_set_param"}
    eq(params["command"], [prog, "run", "-c", "/etc/config/homeport", "--state-dir", "/var/run/homeport"], "command")
    eq(params["file"], ["/etc/config/homeport"], "file (md5 watched)")
    eq(params["reload_signal"], ["HUP"], "reload_signal")
    eq(params["respawn"], [], "respawn with procd defaults")
    eq(params["stdout"], ["1"], "stdout to logd")
    eq(params["stderr"], ["1"], "stderr to logd")
    check("term_timeout" in params, "term_timeout")
    eq(calls.count(["procd_close_instance"]), 1, "one instance")
    eq(progcalls, [], "start runs no homeport command")


@test
def init_command_line_is_constant():
    """reload_signal HUP is only right if the argv never depends on the config."""
    other = "config homeport 'main'\n\toption enabled 'yes'\n\toption interface 'wwan'\n\toption device 'pppoe-wan'\n\toption log_level 'debug'\n"
    a = [c for c in run_init("start", ENABLED)[0] if c[:2] == ["procd_set_param", "command"]]
    b = [c for c in run_init("start", other)[0] if c[:2] == ["procd_set_param", "command"]]
    eq([c[3:] for c in a], [c[3:] for c in b], "command line across configs")


@test
def init_disabled_starts_nothing_and_flushes():
    calls, progcalls, _ = run_init("start", "config homeport 'main'\n\toption enabled '0'\n")
    check(not [c for c in calls if c[0] == "procd_open_instance"], f"instance opened while disabled: {calls}")
    eq(progcalls, ["flush -c /etc/config/homeport"], "disabled start flushes the table")


@test
def init_triggers():
    calls, _, _ = run_init("start", ENABLED)
    triggers = [c for c in calls if c[0].startswith("procd_add_")]
    check(["procd_add_reload_trigger", "homeport"] in triggers, f"config.change reload trigger: {triggers}")
    check(["procd_add_interface_trigger", "interface.*", "wan", "/etc/init.d/homeport", "refresh"] in triggers,
          f"WAN interface trigger: {triggers}")
    check(["procd_add_interface_trigger", "interface.*", "wan6", "/etc/init.d/homeport", "refresh"] in triggers,
          f"wan6 interface trigger: {triggers}")
    check(["procd_add_config_trigger", "config.change", "firewall", "/etc/init.d/homeport", "refresh"] in triggers,
          f"firewall trigger: {triggers}")


@test
def init_interface_trigger_follows_config():
    calls, _, _ = run_init("start", "config homeport 'main'\n\toption interface 'wwan'\n")
    ifaces = [c[2] for c in calls if c[0] == "procd_add_interface_trigger"]
    eq(ifaces, ["wwan", "wwan6"], "interface triggers for option interface 'wwan'")
    # enabled defaults to on when the option is absent
    check(["procd_open_instance", "main"] in calls, "instance when enabled is absent")


@test
def init_refresh_sends_sighup():
    calls, _, _ = run_init("refresh", ENABLED)
    eq(calls, [["procd_send_signal", "homeport", "main", "HUP"]], "refresh")
    text = open(INIT).read()
    check(re.search(r'^EXTRA_COMMANDS="[^"]*\brefresh\b', text, re.M), "refresh is an EXTRA_COMMANDS entry")


@test
def init_stop_flushes_after_kill():
    """`homeport flush` runs after procd stopped the daemon (service_stopped), so a
    still-running daemon cannot re-apply the table behind it."""
    calls, progcalls, _ = run_init("stop", ENABLED)
    eq(progcalls, ["flush -c /etc/config/homeport"], "stop flushes")
    eq(calls, [["procd_kill", "homeport"], ["homeport", "flush -c /etc/config/homeport"]], "stop, in order")


@test
def init_header():
    text = open(INIT).read()
    check(text.startswith("#!/bin/sh /etc/rc.common\n"), "shebang")
    check(re.search(r"^USE_PROCD=1$", text, re.M), "USE_PROCD=1")
    check(re.search(r"^START=\d+$", text, re.M) and re.search(r"^STOP=\d+$", text, re.M), "START/STOP")


@test
def firewall_include_signals_daemon():
    text = open(os.path.join(HOMEPORT_FILES, "usr", "share", "homeport", "firewall.include")).read()
    m = re.search(r"ubus call service signal '([^']+)'", text)
    check(m, "firewall.include sends a procd signal")
    eq(json.loads(m.group(1)), {"name": "homeport", "instance": "main", "signal": 1}, "signal message (SIGHUP)")
    uci_defaults = open(os.path.join(HOMEPORT_FILES, "etc", "uci-defaults", "80_homeport")).read()
    check("firewall.homeport.path='/usr/share/homeport/firewall.include'" in uci_defaults,
          "uci-defaults registers the include")
    check("fw4_compatible='1'" in uci_defaults, "include marked fw4_compatible")


@test
def uci_defaults_idempotent():
    """Run the uci-defaults script twice against a fake uci; the second run changes nothing."""
    with tempfile.TemporaryDirectory() as d:
        state = os.path.join(d, "state")
        open(state, "w").close()
        fake = os.path.join(d, "uci")
        # A tiny uci: `get` answers from the state file, `batch` appends `set` lines.
        with open(fake, "w") as f:
            f.write(f"""#!/bin/sh
[ "$1" = -q ] && shift
case "$1" in
get) grep -q "^$2=" {state} ;;
batch) sed -n 's/^[[:space:]]*set //p' >> {state} ;;
commit) echo "commit $2" >> {state}.commits ;;
esac
""")
        os.chmod(fake, 0o755)
        open(os.path.join(d, "firewall"), "w").close()
        script = open(os.path.join(HOMEPORT_FILES, "etc", "uci-defaults", "80_homeport")).read()
        script = script.replace("/etc/config/firewall", os.path.join(d, "firewall"))
        path = os.path.join(d, "80_homeport")
        open(path, "w").write(script)
        env = dict(os.environ, PATH=d + ":" + os.environ["PATH"])
        for _ in range(2):
            r = run(["sh", path], env=env)
            eq(r.returncode, 0, f"uci-defaults: {r.stderr}")
        lines = open(state).read().splitlines()
        check("homeport.main=homeport" in lines, f"main section created: {lines}")
        check("firewall.homeport=include" in lines, f"include created: {lines}")
        eq(len(lines), len(set(lines)), "second run added nothing")


# ---------------------------------------------------------------------------------
# LuCI app


def views():
    return sorted(os.path.join(VIEWS, f) for f in os.listdir(VIEWS) if f.endswith(".js"))


@test
def luci_js_parses():
    js = [os.path.join(dp, f) for dp, _, fs in os.walk(os.path.join(LUCI, "htdocs")) for f in fs if f.endswith(".js")]
    check(js, "no JS files")
    for path in js:
        r = run(["node", "--check", path])
        eq(r.returncode, 0, f"node --check {path}: {r.stderr}")


@test
def luci_menu_and_acl():
    menu = json.load(open(os.path.join(LUCI, "root", "usr", "share", "luci", "menu.d", "luci-app-homeport.json")))
    acl = json.load(open(os.path.join(LUCI, "root", "usr", "share", "rpcd", "acl.d", "luci-app-homeport.json")))
    check("luci-app-homeport" in acl, "ACL name")
    view_paths = [e["action"]["path"] for e in menu.values() if e.get("action", {}).get("type") == "view"]
    eq(sorted(view_paths), sorted("homeport/" + os.path.basename(v)[:-3] for v in views()), "menu views = view files")
    top = menu["admin/services/homeport"]
    eq(top["depends"]["acl"], ["luci-app-homeport"], "menu depends on the ACL")
    eq(acl["luci-app-homeport"]["write"]["uci"], ["homeport"], "ACL writes only homeport")


def rpc_declares():
    return [(v, d["object"], d["method"]) for v in view_names() for d in harness(v)["declares"]]


def plugin_call(*args, stdin="{}", prog_body=None):
    with tempfile.TemporaryDirectory() as d:
        prog = os.path.join(d, "homeport")
        with open(prog, "w") as f:
            f.write(prog_body or "#!/bin/sh\nexit 1\n")
        os.chmod(prog, 0o755)
        text = open(RPCD_PLUGIN).read()
        check("PROG=/usr/sbin/homeport\n" in text, "plugin names /usr/sbin/homeport")
        plugin = os.path.join(d, "plugin")
        with open(plugin, "w") as f:
            f.write(text.replace("PROG=/usr/sbin/homeport\n", f"PROG={prog}\n"))
        r = run(["sh", plugin, *args], input=stdin)
        eq(r.returncode, 0, f"plugin {args}: {r.stderr}")
        return json.loads(r.stdout)


@test
def rpcd_plugin_matches_views():
    listing = plugin_call("list")
    acl = json.load(open(os.path.join(LUCI, "root", "usr", "share", "rpcd", "acl.d", "luci-app-homeport.json")))
    ubus = acl["luci-app-homeport"]["read"]["ubus"]
    declared = rpc_declares()
    check(declared, "views declare no rpc calls")
    for view, obj, method in declared:
        if obj == "homeport":
            check(method in listing, f"{view} calls homeport.{method}, plugin lists {sorted(listing)}")
        check(method in ubus.get(obj, []), f"{view} calls {obj}.{method}, not granted in acl.d")
    eq(sorted(ubus["homeport"]), sorted(listing), "ACL grants exactly the plugin's methods")


@test
def rpcd_plugin_call_status():
    doc = {"version": "0.1.0", "written_at": 1, "pid": 2, "wan": {}, "hosts": [], "forwards": [], "warnings": []}
    body = "#!/bin/sh\n[ \"$1 $2\" = 'status --json' ] || exit 3\nprintf '%s\\n' '" + json.dumps(doc) + "'\n"
    eq(plugin_call("call", "status", prog_body=body), doc, "call status passes the document through")
    err = plugin_call("call", "status")
    check(isinstance(err, dict) and "error" in err, f"failing binary gives an error object: {err}")
    # The daemon's own reason reaches the page, escaped into one JSON string.
    reason = 'error: no status: "/var/run/homeport/status.json" missing \\ is the daemon running?'
    body = "#!/bin/sh\nprintf '%s\\n\\tsecond line\\n' '" + reason + "' >&2\nexit 1\n"
    eq(plugin_call("call", "status", prog_body=body), {"error": reason}, "error passed through")
    check("error" in plugin_call("call", "nosuch"), "unknown method gives an error object")


@test
def rpcd_plugin_with_real_status_command():
    """The plugin in front of the real `homeport status --json` (state dir pointed at a
    temporary one): the views get exactly the document the daemon wrote, or its reason."""
    binary = os.environ.get("HOMEPORT_BIN", os.path.join(ROOT, "target", "debug", "homeport"))
    check(os.path.isfile(binary), f"{binary} missing: build it (cargo build)")
    with tempfile.TemporaryDirectory() as state:
        body = f'#!/bin/sh\nexec {binary} "$@" --state-dir {state}\n'
        err = plugin_call("call", "status", prog_body=body)
        check("error" in err and "no status" in err["error"], f"no status document: {err}")
        fixture = os.path.join(ROOT, "tests", "pkg", "fixtures", "status.json")
        shutil.copy(fixture, os.path.join(state, "status.json"))
        eq(plugin_call("call", "status", prog_body=body), json.load(open(fixture)), "status document through the plugin")


UCI_TOOL = os.path.join(ROOT, "..", "shared", "tools", "openwrt", "bin", "uci")


def homeport_bin():
    binary = os.environ.get("HOMEPORT_BIN", os.path.join(ROOT, "target", "debug", "homeport"))
    check(os.path.isfile(binary), f"{binary} missing: build it (cargo build)")
    return binary


def plugin_raw(*args, stdin=b"{}", prog_body=None, shell="sh", subst=None):
    """Runs the plugin (its PROG and any `subst` lines replaced) and returns its stdout
    as bytes, undecoded."""
    with tempfile.TemporaryDirectory() as d:
        prog = os.path.join(d, "homeport")
        with open(prog, "wb") as f:
            f.write(prog_body if isinstance(prog_body, bytes) else (prog_body or "#!/bin/sh\nexit 1\n").encode())
        os.chmod(prog, 0o755)
        text = open(RPCD_PLUGIN).read()
        for var, value in dict(subst or {}, PROG=prog).items():
            line = next((x for x in text.splitlines() if x.startswith(var + "=")), None)
            check(line is not None or var != "PROG", "plugin sets PROG")
            if line is not None:
                text = text.replace(line + "\n", f"{var}={value}\n", 1)
        plugin = os.path.join(d, "plugin")
        with open(plugin, "w") as f:
            f.write(text)
        cmd = ["busybox", "sh", plugin, *args] if shell == "busybox" else [shell, plugin, *args]
        r = subprocess.run(cmd, input=stdin, capture_output=True)
        eq(r.returncode, 0, f"plugin {args}: {r.stderr!r}")
        return r.stdout


def strict_json(raw, what):
    """Parses bytes as RFC 8259 JSON: strict UTF-8, no raw control characters in strings."""
    try:
        text = raw.decode("utf-8", errors="strict")
    except UnicodeDecodeError as e:
        raise AssertionError(f"{what}: not UTF-8 ({e}): {raw[:200]!r}")
    try:
        doc = json.loads(text, strict=True)
    except ValueError as e:
        raise AssertionError(f"{what}: not JSON ({e}): {raw[:200]!r}")
    check(isinstance(doc, dict), f"{what}: not one object: {raw[:200]!r}")
    return doc


def shells():
    out = ["sh"]
    if shutil.which("busybox"):
        out.append("busybox")  # OpenWrt's /bin/sh is busybox ash
    return out


@test
def rpcd_plugin_json_always_valid():
    """Issue 10 item 15: whatever the binary prints (invalid UTF-8, control bytes, DEL,
    quotes, backslashes), on stdout or stderr, the plugin answers one valid JSON object."""
    nasty = b'bad \xff\xfe utf-8 \x01\x07\x1b[31m \x7f "quoted" \\ back \xc3\x28 \xed\xa0\x80 end'
    bodies = {
        # stdout that looks like a JSON object but holds invalid UTF-8 and raw controls
        "stdout": b"#!/bin/sh\nprintf '{\"a\":\"%s\"}\\n' \"$(printf '" + nasty.replace(b"\\", b"\\\\").replace(b"'", b"") +
                  b"')\"\n",
        # a failure whose reason holds the same bytes
        "stderr": b"#!/bin/sh\nprintf 'error: %s\\nsecond line\\n' \"$(printf '" + nasty.replace(b"\\", b"\\\\") +
                  b"')\" >&2\nexit 1\n",
        # nothing at all
        "silent": b"#!/bin/sh\nexit 0\n",
    }
    for shell in shells():
        for name, body in bodies.items():
            for method in ("status", "schema", "check"):
                raw = plugin_raw("call", method, prog_body=body, shell=shell,
                                 subst={"UCI": "/bin/true" if method == "check" else "/bin/false"})
                doc = strict_json(raw, f"{shell}: {name} {method}")
                check("error" in doc, f"{shell}: {name} {method}: an error object, got {doc}")
                check(all(0x20 <= b < 0x7f for b in raw.rstrip(b"\n")), f"{shell}: printable ASCII: {raw!r}")
        doc = strict_json(plugin_raw("call", "status", prog_body=bodies["stderr"], shell=shell), "stderr reason")
        check("bad" in doc["error"] and '"quoted"' in doc["error"] and "\\ back" in doc["error"],
              f"{shell}: the readable part of the reason is kept: {doc}")


@test
def rpcd_plugin_real_binary_with_hostile_bytes():
    """The plugin in front of the real binary, with a status document and a staged
    configuration holding control characters and non-ASCII text (issue 10 item 15)."""
    binary = homeport_bin()
    with tempfile.TemporaryDirectory() as state:
        fixture = json.load(open(os.path.join(ROOT, "tests", "pkg", "fixtures", "status.json")))
        fixture["forwards"][0]["name"] = "Caf\u00e9 \u2615 \x01\x1b\u2028 \"q\" \\"
        with open(os.path.join(state, "status.json"), "w", encoding="utf-8") as f:
            json.dump(fixture, f, ensure_ascii=False)
        body = f'#!/bin/sh\nexec {binary} "$@" --state-dir {state}\n'
        for shell in shells():
            raw = plugin_raw("call", "status", prog_body=body, shell=shell)
            eq(strict_json(raw, "status")["forwards"][0]["name"], fixture["forwards"][0]["name"], "name kept exactly")
        # A status file that is not UTF-8: an error object, still valid JSON.
        with open(os.path.join(state, "status.json"), "wb") as f:
            f.write(json.dumps(fixture).encode().replace(b"Caf", b"Ca\xff"))
        doc = strict_json(plugin_raw("call", "status", prog_body=body), "status, not UTF-8")
        check("error" in doc or "forwards" in doc, f"status not UTF-8: {doc}")
    if not os.path.exists(UCI_TOOL):
        return
    with tempfile.TemporaryDirectory() as d:
        conf = os.path.join(d, "config")
        os.mkdir(conf)
        with open(os.path.join(conf, "homeport"), "wb") as f:
            f.write(b"config forward 'x'\n\toption src_dport '70000'\n\toption name 'a\xff\x01\x7fb \xc3\xa9'\n")
        body = f'#!/bin/sh\nexec {binary} "$@" --network /nonexistent --dhcp /nonexistent --firewall /nonexistent\n'
        for shell in shells():
            raw = plugin_raw("call", "check", prog_body=body, shell=shell, subst={"UCI": UCI_TOOL, "UCI_CONFDIR": conf})
            doc = strict_json(raw, "check with hostile bytes")
            check(doc.get("errors", 0) >= 1, f"the bad port is an error: {doc}")


@test
def rpcd_plugin_checks_the_staged_config():
    """Issue 12 item 5: `check` lints /etc/config/homeport with the session's staged
    changes applied, as the real uci (-P) applies them, before anything is committed."""
    if not os.path.exists(UCI_TOOL):
        raise Skip(f"{UCI_TOOL} missing: the real uci is needed to stage changes")
    binary = homeport_bin()
    body = f'#!/bin/sh\nexec {binary} "$@" --network /nonexistent --dhcp /nonexistent --firewall /nonexistent\n'
    sid = "0123456789abcdef0123456789abcdef"
    with tempfile.TemporaryDirectory() as d:
        conf, prefix = os.path.join(d, "config"), os.path.join(d, "uci-")
        os.mkdir(conf)
        with open(os.path.join(conf, "homeport"), "w") as f:
            f.write("config homeport 'main'\n\toption debounce '2s'\n\nconfig forward 'web'\n"
                    "\toption src_dport '48443'\n\toption dest_ip '192.168.1.10'\n\toption dest_port '443'\n")
        uci = [UCI_TOOL, "-c", conf, "-t", prefix + sid]
        for cmd in (["set", "homeport.main.debounce=15m"], ["add", "homeport", "forward"],
                    ["set", "homeport.@forward[-1].src_dport=3389"], ["set", "homeport.@forward[-1].dest_ip=192.168.1.5"],
                    ["set", "homeport.web.dest_port=440-443"]):
            r = run(uci + cmd)
            eq(r.returncode, 0, f"uci {cmd}: {r.stderr}")
        before = open(os.path.join(conf, "homeport")).read()
        subst = {"UCI": UCI_TOOL, "UCI_CONFDIR": conf, "RPCD_SAVEDIR_PREFIX": prefix}
        text = open(RPCD_PLUGIN).read()
        check(all(f"\n{k}=" in text for k in subst), f"the plugin sets {sorted(subst)}")
        def call(s, shell="sh"):
            raw = plugin_raw("call", "check", prog_body=body, subst=subst, shell=shell,
                             stdin=json.dumps({"ubus_rpc_session": s}).encode())
            return strict_json(raw, f"check ({shell})")

        for shell in shells():
            eq(call(sid, shell), call(sid), f"{shell} answers as sh does")
        doc = call(sid)
        diags = doc["diagnostics"]
        by = lambda opt: [x for x in diags if x["option"] == opt]
        eq([(x["severity"], x["value"], x["name"]) for x in by("debounce")], [("warning", "15m", "main")], "staged debounce")
        check(any(x["value"] == "3389" and x["section"] == "@forward[1]" and x["name"] is None for x in by("src_dport")),
              f"the staged RDP forward is linted: {diags}")
        check(any(x["severity"] == "error" and x["name"] == "web" for x in by("dest_port")), f"staged width error: {diags}")
        eq(doc["errors"], 1, "one error (the staged range of another width)")
        eq(open(os.path.join(conf, "homeport")).read(), before, "nothing committed")
        # Another session, or a forged id, sees only what is committed.
        for other in ("fedcba9876543210fedcba9876543210", "../../../../etc", sid + "/.."):
            eq(call(other)["errors"], 0, f"session {other!r} sees the committed file only")


@test
def rpcd_plugin_schema_is_the_binarys():
    binary = homeport_bin()
    want = json.loads(run([binary, "schema", "--json"]).stdout)
    body = f'#!/bin/sh\nexec {binary} "$@"\n'
    eq(strict_json(plugin_raw("call", "schema", prog_body=body), "schema"), want, "schema through the plugin")


def status_schema():
    """Field names of the status document, from src/status.rs."""
    text = open(os.path.join(ROOT, "src", "status.rs")).read()
    structs = {}
    for m in re.finditer(r"pub struct (\w+) \{(.*?)\n\}", text, re.S):
        structs[m.group(1)] = set(re.findall(r"pub (\w+):", m.group(2)))
    return structs


@test
def luci_status_fields_exist():
    """Every status field the views read is in src/status.rs."""
    s = status_schema()
    # variable in the views -> the struct it holds
    holders = {"st": "Status", "status": "Status", "next": "Status", "wan": "WanStatus",
               "h": "HostStatus", "f": "ForwardStatus", "fs": "ForwardStatus", "w": "Warning"}
    read = 0
    for path in views():
        # code only: comments name files such as src/status.rs
        text = re.sub(r"//[^\n]*", "", open(path).read())
        for var, struct_name in holders.items():
            for field in re.findall(r"\b%s\.(\w+)" % var, text):
                if field in ("then", "forEach", "map", "filter", "length", "format", "push"):
                    continue
                read += 1
                if struct_name == "Status" and field == "error":
                    continue  # the rpcd plugin's own answer when there is no status document
                if struct_name == "Status" and field == "running" and "running" not in s[struct_name]:
                    continue  # issue 10 item 11 adds it (parallel branch); the views treat absent as running
                check(field in s[struct_name], f"{os.path.basename(path)} reads {var}.{field}, not in {struct_name}")
    check(read > 20, f"too few status fields found ({read}): extractor broken?")


_harness = {}


def uci_text(sections):
    """UCI text for fixture sections ({type: [{".name", option: value|[items]}]}); names
    starting with `cfg` are anonymous, as LuCI's are."""
    out = ""
    for ty, secs in sections.items():
        for sec in secs:
            name = sec[".name"]
            out += f"\nconfig {ty}" + ("" if name.startswith("cfg") else f" '{name}'") + "\n"
            for k, v in sec.items():
                if k.startswith("."):
                    continue
                for item in (v if isinstance(v, list) else [v]):
                    out += f"\t{'list' if isinstance(v, list) else 'option'} {k} '{item}'\n"
    return out


def luci_fixtures():
    """fixtures/luci.json, plus what the real binary answers for homeport.schema and for
    homeport.check on the fixture's sections."""
    with open(os.path.join(ROOT, "tests", "pkg", "fixtures", "luci.json")) as f:
        fx = json.load(f)
    binary = homeport_bin()
    fx["rpc"].setdefault("homeport.schema", json.loads(run([binary, "schema", "--json"]).stdout))
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "homeport")
        with open(path, "w") as f:
            f.write(uci_text(fx.get("uci", {})))
        none = os.path.join(d, "none")
        r = run([binary, "check", "--json", "-c", path, "--network", none, "--dhcp", none, "--firewall", none])
        fx["rpc"].setdefault("homeport.check", json.loads(r.stdout))
    return fx


def harness(view, fixtures=None):
    """The record luci_harness.js makes of one view run against fixtures/luci.json."""
    key = view if fixtures is None else None
    if key not in _harness:
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
            json.dump(fixtures or luci_fixtures(), f)
        r = run(["node", os.path.join(ROOT, "tests", "pkg", "luci_harness.js"), os.path.join(VIEWS, view + ".js"), f.name])
        os.unlink(f.name)
        eq(r.returncode, 0, f"view {view} failed to load/render: {r.stderr}")
        if key is None:
            return json.loads(r.stdout)
        _harness[key] = json.loads(r.stdout)
    return _harness[key]


def view_names():
    return [os.path.basename(v)[:-3] for v in views()]


def view_options():
    """(section type, option) pairs the views read or write; `_name` are display-only."""
    pairs = set()
    for v in view_names():
        for sec in harness(v)["sections"]:
            ty = sec["args"][1] if sec["class"] == "NamedSection" else sec["args"][0]
            for o in sec["options"]:
                if not o["name"].startswith("_"):
                    pairs.add((ty, o["name"]))
                for dep in o["depends"]:
                    pairs.update((ty, k) for k in dep)
    return pairs


def options_of(view):
    return {o["name"]: o for sec in harness(view)["sections"] for o in sec["options"]}


@test
def luci_views_run():
    for v in view_names():
        harness(v)


@test
def luci_status_page_in_plain_words():
    r = harness("status")
    t = r["text"]
    for want in ("Behind carrier-grade NAT (CGNAT)", "100.72.14.9", "pppoe-wan", "203.0.113.77",
                 "IPv6 up to date", "updated (good)", "force update in 72 h",
                 "Stopped: needs a configuration change", "The provider rejected the API token",
                 "198.51.100.4", "RDP on its default port 3389", "Warning (some_future_code)",
                 "A warning this LuCI version has no words for."):
        check(want in t, f"status page lacks {want!r}")
    eq(r["polls"], [5], "status page polls every 5 s")
    eq([(d["object"], d["method"]) for d in r["declares"]], [("homeport", "status")], "status rpc")


@test
def luci_status_headlines_every_warning_code():
    """Every warning code the daemon's source emits has a headline on the status page."""
    codes = set()
    for dp, _, fs in os.walk(os.path.join(ROOT, "src")):
        for f in fs:
            if f.endswith(".rs"):
                text = open(os.path.join(dp, f)).read()
                codes |= set(re.findall(r'\bwarn\(\s*"([a-z0-9_]+)"', text))
                codes |= set(re.findall(r'Warning \{ code: "([a-z0-9_]+)"', text))
    check({"cgnat", "private_wan", "double_nat"} <= codes, f"code extractor found only {sorted(codes)}")
    js = open(os.path.join(VIEWS, "status.js")).read()
    block = js[js.index("var warningTitles = {"):js.index("};", js.index("var warningTitles = {"))]
    titles = set(re.findall(r"^\t([a-z0-9_]+): _\(", block, re.M))
    eq(sorted(codes - titles), [], "warning codes without a headline on the status page")


@test
def luci_status_page_without_daemon():
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump({"rpc": {"homeport.status": {"error": "homeport status gave no answer"}}, "uci": {}}, f)
    r = run(["node", os.path.join(ROOT, "tests", "pkg", "luci_harness.js"), os.path.join(VIEWS, "status.js"), f.name])
    os.unlink(f.name)
    eq(r.returncode, 0, r.stderr)
    check("homeport status gave no answer" in json.loads(r.stdout)["text"], "error shown")


@test
def luci_ddns_provider_fields():
    opts = options_of("ddns")
    services = opts["service"]["values"]
    check(len(services) >= 10, f"providers {services}")

    def visible(service):
        return {n for n, o in opts.items()
                if not o["depends"] or any(d.get("service") == service for d in o["depends"])
                and not any("ip_source" in d for d in o["depends"])}

    want = {
        "duckdns": ({"password", "domain"}, {"username", "server", "key_secret", "update_url", "cloudflare_zone"}),
        "noip": ({"username", "password"}, {"server", "key_secret", "update_url"}),
        "cloudflare": ({"password", "cloudflare_zone"}, {"username", "server", "key_name"}),
        "rfc2136": ({"server", "zone", "key_name", "key_algorithm", "key_secret"}, {"username", "password", "update_url"}),
        "custom": ({"update_url", "username", "password"}, {"server", "key_secret", "cloudflare_zone"}),
        "dyndns2": ({"server", "username", "password"}, {"update_url", "key_secret"}),
    }
    for svc, (shown, hidden) in want.items():
        check(svc in services, f"{svc} not offered")
        v = visible(svc)
        check(shown <= v, f"{svc}: {sorted(shown - v)} hidden")
        check(not (hidden & v), f"{svc}: {sorted(hidden & v)} shown")
    for secret in ("password", "key_secret"):
        check(opts[secret]["password"], f"{secret} is not a password field")
    eq(opts["ip_url"]["depends"], [{"ip_source": "web"}], "ip_url only for ip_source web")
    # The daemon's bounds (homeport schema): check >= 30s, force >= 1h (0 = never), retry >= 5s.
    for d, short in (("check_interval", True), ("force_interval", False), ("retry_interval", True)):
        eq({k: v for k, v in opts[d]["validates"].items() if k in ("10m", "90", "ten minutes", "")},
           {"10m": short, "90": short, "ten minutes": False, "": True}, f"{d} validation")
    cells = harness("ddns")["cellText"]
    check("updated (good)" in cells["_state/home"], f"state cell of a named section: {cells['_state/home']}")
    check("rejected the API token" in cells["_state/cf"], "state cell matched through @ddns[N] ('name')")
    check(cells["_state/other"].startswith("not applied yet: save and apply"),
          f"no status for a section the daemon did not report: {cells['_state/other']!r}")


def without_check():
    """The fixtures with a plugin that cannot run the staged check: the rows fall back to
    what the daemon's status says."""
    fx = luci_fixtures()
    fx["rpc"]["homeport.check"] = {"error": "homeport check gave no answer"}
    return fx


@test
def luci_forwards_page():
    r = harness("forwards")
    fallback = harness("forwards", without_check())
    opts = options_of("forwards")
    eq([o for o in opts if not o.startswith("_")][:7],
       ["name", "proto", "src_dport", "dest_ip", "dest_port", "src_ip", "enabled"], "table columns in order")
    for ip in ("192.168.1.20", "192.168.1.30", "fd00::20"):
        check(ip in opts["dest_ip"]["values"], f"LAN host {ip} not offered in the picker")
    check(opts["src_dport"]["hasValidate"], "external port validated by the daemon's rules")
    cells = fallback["cellText"]
    check("RDP on its default port 3389" in cells["_warnings/cfg0a1b2c"], "lint warning beside an anonymous rule (@forward[0])")
    eq(cells["_warnings/game"], "disabled", "reason beside an inactive rule")
    eq(cells["src_ip/cfg0a1b2c"], "anyone", "empty src_ip reads 'anyone'")
    eq(r["polls"], [10], "forwards page refreshes warnings")
    decl = {(d["object"], d["method"]) for d in r["declares"]}
    eq(decl, {("homeport", "status"), ("homeport", "schema"), ("homeport", "check"), ("luci-rpc", "getHostHints")},
       "forwards rpc")


@test
def luci_validators_follow_the_daemon():
    """Issue 12 item 4, in the views as rendered: what the daemon refuses or overrides is
    refused, what it accepts is accepted."""
    want = {
        ("settings", "debounce"): {"15m": False, "10m": True, "10 minutes": True, "5s": True, "ten minutes": False},
        ("ddns", "check_interval"): {"5s": False, "10 minutes": True, "30m": True},
        ("ddns", "force_interval"): {"30m": False, "10 minutes": False, "": True},
        ("ddns", "retry_interval"): {"5s": True, "10 minutes": True},
    }
    for (view, opt), values in want.items():
        got = options_of(view)[opt]["validates"]
        eq({k: got[k] for k in values}, values, f"{view} {opt}")


@test
def luci_validators_match_daemon():
    """tests/pkg/schema_validators.js: the issue's examples, a corpus of values compared
    with `homeport check`, and Save & Apply refused on errors."""
    r = run(["node", os.path.join(ROOT, "tests", "pkg", "schema_validators.js"), homeport_bin()])
    eq(r.returncode, 0, f"validators differ from the daemon:\n{r.stdout}{r.stderr}")


@test
def luci_rows_show_the_staged_check():
    """Issue 12 item 5: each row shows the staged configuration's problems (from
    `homeport check --json` on the fixture's sections), by section, in the one column
    that also holds the daemon's state; the staged check replaces the status's older
    findings (no sentence twice)."""
    cells = harness("forwards")["cellText"]
    check("Option 'src_dport': is required" in cells["_warnings/game"], f"named forward: {cells['_warnings/game']!r}")
    check(cells["_warnings/game"].startswith("disabled"), f"the daemon's state stays first: {cells['_warnings/game']!r}")
    check("Option 'src_dport': is required" in cells["_warnings/cfg0a1b2c"], f"anonymous forward: {cells['_warnings/cfg0a1b2c']!r}")
    check("RDP on its default port" not in cells["_warnings/cfg0a1b2c"], "the status's lint shown beside the staged check's")
    check(not any(k.startswith("_check/") for k in cells), "a second problems column")
    cells = harness("ddns")["cellText"]
    check("Option 'domain': is required" in cells["_state/other"], f"ddns row: {cells['_state/other']!r}")
    # The fixture's staged configuration has errors: Save & Apply applies nothing and says why.
    for view in ("settings", "ddns", "forwards"):
        sa = harness(view).get("saveApply")
        check(sa is not None, f"{view}: no Save & Apply of its own")
        eq(sa["applied"], False, f"{view}: applied despite errors")
        check(any(n["cls"] == "danger" and "is required" in n["text"] for n in sa["notifications"]),
              f"{view}: no notification naming the errors: {sa['notifications']}")
    clean = luci_fixtures()
    clean["rpc"]["homeport.check"] = {"errors": 0, "warnings": 0, "diagnostics": []}
    eq(harness("forwards", clean)["saveApply"]["applied"], True, "a clean staged configuration is applied")
    check("domain" not in cells["_state/home"], f"a good row shows no problem: {cells['_state/home']!r}")


@test
def luci_views_in_jsdom():
    """tests/luci/views.test.js: the views in jsdom on the LuCI stand-in (issue 12)."""
    r = run(["node", "--test", os.path.join(ROOT, "tests", "luci", "views.test.js")])
    eq(r.returncode, 0, f"node --test tests/luci/views.test.js:\n{r.stdout[-4000:]}{r.stderr[-2000:]}")


@test
def luci_views_in_chromium():
    """tests/luci/browser.js: every view in Debian's chromium, screenshots in
    target/luci-screenshots/, and the UCI the UI writes accepted by `homeport check`."""
    env = dict(os.environ)
    env.setdefault("HOMEPORT_BIN", os.path.join(ROOT, "target", "debug", "homeport"))
    r = run(["node", os.path.join(ROOT, "tests", "luci", "browser.js")], env=env, timeout=900)
    if r.returncode == 77:
        raise Skip(r.stdout.strip())
    eq(r.returncode, 0, f"node tests/luci/browser.js:\n{r.stdout[-4000:]}{r.stderr[-2000:]}")


# The config contract as issue 2 and src/config/mod.rs define it; the homeport check below
# tests the same pairs against the daemon itself.
CONTRACT = {
    "homeport": {"enabled", "interface", "device", "zone", "debounce", "log_level"},
    "ddns": {"enabled", "service", "domain", "username", "password", "family", "ip_source", "ip_url", "server",
             "use_https", "cacert", "update_url", "lookup_host", "dns_server", "check_interval", "force_interval",
             "retry_interval", "allow_private", "zone", "key_name", "key_algorithm", "key_secret",
             "cloudflare_zone"},
    "forward": {"name", "enabled", "proto", "src_dport", "dest_ip", "dest_port", "src_ip", "reflection", "family",
                "comment"},
}


@test
def luci_options_in_contract():
    pairs = view_options()
    eq({ty for ty, _ in pairs}, set(CONTRACT), "section types the views edit")
    for ty, opt in sorted(pairs):
        check(opt in CONTRACT[ty], f"view option {ty}.{opt} is not in the config contract")
    # and the other way: the views cover the whole contract
    for ty, opts in CONTRACT.items():
        missing = opts - {o for t, o in pairs if t == ty}
        eq(missing, set(), f"contract options of {ty} without a LuCI field")


# Sample values that validate, for the generated config given to `homeport check`.
SAMPLES = {
    "enabled": "1", "interface": "wan", "device": "pppoe-wan", "zone": "wan", "debounce": "2s",
    "log_level": "info", "service": "rfc2136", "domain": "home.example.org", "username": "user",
    "password": "secret", "family": "ipv4", "ip_source": "interface", "ip_url": "https://ip.example.net/",
    "server": "ns1.example.org", "use_https": "1", "cacert": "/etc/ssl/certs/ca-certificates.crt",
    "update_url": "https://example.net/u?h=[DOMAIN]&ip=[IP]", "lookup_host": "home.example.org",
    "dns_server": "192.0.2.53", "check_interval": "10m", "force_interval": "72h", "retry_interval": "60s",
    "allow_private": "0", "key_name": "home-key", "key_algorithm": "hmac-sha256",
    "key_secret": "c2VjcmV0c2VjcmV0c2VjcmV0", "cloudflare_zone": "example.org", "name": "Web",
    "proto": "tcp", "src_dport": "8443", "dest_ip": "192.168.1.10", "dest_port": "443",
    "src_ip": "198.51.100.0/24", "reflection": "1", "comment": "test",
}
SAMPLE_BY_TYPE = {("ddns", "zone"): "example.org", ("forward", "family"): "ipv4"}


@test
def luci_options_known_to_daemon():
    """`homeport check` on a file holding every option the views write reports none unknown."""
    binary = os.environ.get("HOMEPORT_BIN", os.path.join(ROOT, "target", "debug", "homeport"))
    check(os.path.isfile(binary), f"{binary} missing: build it (cargo build)")
    probe = run([binary, "check", "--help"])
    if probe.returncode != 0:
        raise AssertionError(f"`homeport check` not available in {binary}: {probe.stderr.strip()}")
    by_type = {}
    for ty, opt in view_options():
        by_type.setdefault(ty, []).append(opt)
    text = ""
    for ty in ("homeport", "ddns", "forward"):
        name = "main" if ty == "homeport" else f"test_{ty}"
        text += f"\nconfig {ty} '{name}'\n"
        for opt in sorted(by_type.get(ty, [])):
            kind = "list" if opt in ("domain", "src_ip") else "option"
            text += f"\t{kind} {opt} '{SAMPLE_BY_TYPE.get((ty, opt), SAMPLES.get(opt, '1'))}'\n"
    with tempfile.NamedTemporaryFile("w", suffix=".uci", delete=False) as f:
        f.write(text)
    r = run([binary, "check", "-c", f.name])
    os.unlink(f.name)
    unknown = [line for line in r.stderr.splitlines() if "unknown" in line.lower()]
    eq(unknown, [], "options the daemon does not know")
    check(r.returncode in (0, 1), f"homeport check could not read the file: {r.stderr}")


# ---------------------------------------------------------------------------------


def main():
    passed = failed = skipped = 0
    only = sys.argv[1:]
    for fn in TESTS:
        if only and not any(o in fn.__name__ for o in only):
            continue
        try:
            fn()
            passed += 1
            print(f"ok   {fn.__name__}")
        except Skip as e:
            skipped += 1
            print(f"skip {fn.__name__}: {e}")
        except Exception as e:  # noqa: BLE001 - report every failure, keep going
            failed += 1
            print(f"FAIL {fn.__name__}: {e}")
            if not isinstance(e, AssertionError):
                traceback.print_exc()
    print(f"pkg: {passed} passed, {failed} failed" + (f", {skipped} skipped" if skipped else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
