#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Package tests for openwrt-package/: the .ipk files and .apk feeds (each arch name's
binary under qemu as that CPU), installed, upgraded and removed with their scripts by
the real opkg and apk (../shared/tools) in an OpenWrt-like chroot, the init script under
stand-in procd functions, the shell scripts, and the LuCI app against the daemon's
contracts.

Run by tests/pkg/run.sh (make test-pkg) after `make ipk` and `make apk`. Exits non-zero
on any failure and ends with the line `pkg: N passed, N failed[, N skipped]`; a test
whose tool is absent (no ../shared/tools, not root for the chroot) skips and says why.
Arguments: substrings of test names to run only those.

Environment:
  DIST            where the .ipk files are (default dist/)
  PKG_ARCHES      space-separated subset of architectures to expect (default: every
                  arch name in openwrt-package/arches.tsv)
  APK_DIST        the apk feeds (default $DIST/apk)
  HOMEPORT_BIN    a native homeport binary for the config-contract check
                  (default target/debug/homeport)
"""

import gzip
import hashlib
import importlib.util
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

# The package architectures: openwrt-package/arches.tsv (arch -> Rust target, qemu command).
def load_arch_table():
    table = {}
    with open(os.path.join(PKG, "arches.tsv"), encoding="utf-8") as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            arch, triple, qemu = line.rstrip("\n").split("\t")
            table[arch] = (triple, qemu)
    return table


ARCH_TABLE = load_arch_table()

# Rust target -> (ELF class, ELF data, e_machine).
# ELFCLASS32=1/64=2, ELFDATA2LSB=1/MSB=2; EM_MIPS=8, EM_ARM=40, EM_X86_64=62, EM_AARCH64=183.
TRIPLE_ELF = {
    "mips-unknown-linux-musl": (1, 2, 8),
    "mipsel-unknown-linux-musl": (1, 1, 8),
    "armv7-unknown-linux-musleabihf": (1, 1, 40),
    "aarch64-unknown-linux-musl": (2, 1, 183),
    "x86_64-unknown-linux-musl": (2, 1, 62),
}
ELF_ARCH = {arch: TRIPLE_ELF[triple] for arch, (triple, _) in ARCH_TABLE.items()}
ARCHES = os.environ.get("PKG_ARCHES", " ".join(ARCH_TABLE)).split()

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
            check(e_flags & 0x400, f"ARM e_flags lacks EF_ARM_ABI_FLOAT_HARD ({arch} is hard-float)")

    t.__name__ = f"ipk_elf_{arch}"
    return t


def qemu_test(arch):
    """The packaged binary runs on the CPU of its arch name: qemu-user emulating that CPU
    (arches.tsv) runs `--version` and `check` on the shipped example config. An
    instruction the CPU lacks is SIGILL under qemu as on the device."""
    def t():
        qemu = ARCH_TABLE[arch][1]
        runner = [] if qemu == "native" else qemu.split()
        if runner and not shutil.which(runner[0]):
            raise Skip(f"{runner[0]} not installed (apt install qemu-user)")
        binary = ipk_path_binary(arch)
        os.chmod(binary, 0o755)
        r = run([*runner, binary, "--version"])
        eq(r.returncode, 0, f"{qemu} {arch} --version: {r.stderr}")
        check(r.stdout.startswith("homeport "), f"--version said {r.stdout!r}")
        r = run([*runner, binary, "check", "-c", os.path.join(HOMEPORT_FILES, "etc", "config", "homeport")])
        eq(r.returncode, 0, f"{qemu} {arch} check of the example config: {r.stderr}")
        _qemu_proved[arch] = qemu

    t.__name__ = f"qemu_runs_{arch}"
    return t


_qemu_proved = {}


for _a in ARCHES:
    test(homeport_ipk_test(_a))
    test(elf_test(_a))
    test(qemu_test(_a))


@test
def arch_table_matches_cross_targets():
    """openwrt-package/arches.tsv and cross/targets.tsv agree: every built target serves
    its own arch name and at least that, every packaged binary is built, and every qemu
    CPU named exists in the installed qemu."""
    targets = {}
    with open(os.path.join(ROOT, "cross", "targets.tsv")) as f:
        for line in f:
            if not line.startswith("#") and line.strip():
                fields = line.rstrip("\n").split("\t")
                targets[fields[0]] = fields[1]
    for triple, arch in targets.items():
        eq(ARCH_TABLE.get(arch, (None,))[0], triple, f"arches.tsv row for {arch} (cross/targets.tsv)")
    eq(sorted({t for t, _ in ARCH_TABLE.values()} - set(targets)), [], "packaged targets cross/build.sh does not build")
    for arch, (_, qemu) in ARCH_TABLE.items():
        if qemu == "native":
            continue
        words = qemu.split()
        eq(words[1:2], ["-cpu"], f"{arch}: qemu command names a CPU")
        if shutil.which(words[0]):
            cpus = run([words[0], "-cpu", "help"]).stdout
            check(re.search(r"(^|\s|')%s('|\s|$)" % re.escape(words[2]), cpus, re.M), f"{arch}: {words[0]} has no CPU {words[2]}")


# A VFPv3-D16 core (arm_cortex-a9_vfpv3-d16: Armada 370/XP, mvebu) has d0-d15 and no NEON.
ARM_D16_UP = re.compile(r"\bd(1[6-9]|2[0-9]|3[01])\b")
ARM_NEON = re.compile(r"\bq([0-9]|1[0-5])\b|\tv(ld|st)[1-4]\.|\tv\w+\.[iusp](8|16|32|64)\b")
# libunwind's Registers_arm::saveVFPv3/restoreVFPv3 for d16-d31: called only when unwind
# info names those registers (nothing unwinds: panic=immediate-abort).
ARM_UNWIND_HELPER = re.compile(r"\tv(ld|st)mia\tr0, \{d16, d17, d18, d19, d20, d21, d22, d23, d24, d25, d26, d27, "
                               r"d28, d29, d30, d31\}$")


def arm_code_beyond_d16(listing):
    """Instructions of an `llvm-objdump -d --mattr=+neon,+d32` listing that use d16-d31
    or NEON outside a routine chosen at run time. ring's assembly has NEON routines next
    to plain ones and picks them by HWCAP_NEON, so a use counts only when nothing within
    16 instructions is NEON or undecodable (data in .text, another instruction set):
    compiler output for a d32 target puts d16-d31 in ordinary code (vldr d16 for an
    8-byte copy), where neither is near."""
    insns = [line.rstrip() for line in listing.splitlines() if re.match(r"^\s+[0-9a-f]+:\s", line)]
    marks = [bool(ARM_NEON.search(i)) or "<unknown>" in i for i in insns]
    bad = []
    for n, i in enumerate(insns):
        code = i.split("@")[0].split(";")[0]
        if (ARM_D16_UP.search(code) or ARM_NEON.search(code)) and not ARM_UNWIND_HELPER.search(code):
            if not any(marks[max(0, n - 16):n + 17]):
                bad.append(i.strip())
    return insns, bad


@test
def armv7_code_fits_vfpv3_d16():
    """The ARMv7 binary serves arm_cortex-a9_vfpv3-d16, so its code must not need d16-d31
    or NEON. qemu's Cortex-A9 has both, so running it there cannot show this; instead
    (1) qemu's Cortex-R5F (ARMv7, VFPv3-D16, no NEON: qemu makes d16-d31 undefined and
    reports no HWCAP_NEON) runs it, and (2) the disassembly has no such instruction
    outside ring's run-time-selected NEON routines (arm_code_beyond_d16)."""
    arms = [a for a in ARCHES if ARCH_TABLE[a][0].startswith("armv7")]
    if not arms:
        raise Skip("no ARMv7 package in PKG_ARCHES")
    objdump, qemu = shutil.which("llvm-objdump"), shutil.which("qemu-arm")
    if not objdump or not qemu:
        raise Skip("llvm-objdump or qemu-arm not installed (apt install llvm qemu-user)")
    binary = ipk_path_binary(arms[0])
    os.chmod(binary, 0o755)
    for args in (["--version"], ["check", "-c", os.path.join(HOMEPORT_FILES, "etc", "config", "homeport")]):
        r = run([qemu, "-cpu", "cortex-r5f", binary, *args])
        eq(r.returncode, 0, f"qemu-arm -cpu cortex-r5f homeport {' '.join(args)}: {r.stderr}")
    r = run([objdump, "-d", "--no-show-raw-insn", "--mattr=+neon,+d32", binary])
    eq(r.returncode, 0, r.stderr)
    insns, bad = arm_code_beyond_d16(r.stdout)
    check(len(insns) > 100_000, f"only {len(insns)} instructions disassembled")
    check(sum(1 for i in insns if re.search(r"\tv(ldr|str|mov|add|mul)", i)) > 50, "no VFP code found: wrong decoder?")
    eq(bad[:5], [], f"{len(bad)} instructions beyond VFPv3-D16 in the ARMv7 binary")


@test
def armv7_d16_check_catches_compiler_d32_code():
    """arm_code_beyond_d16 is not vacuous: a routine like the one the release binary had
    before `-C target-feature=-d32` (an 8-byte copy through d16) is found, the same
    inside ring-like NEON code is not."""
    plain = "\n".join(f"   {0x1000 + 4 * n:x}:      \t{i}" for n, i in enumerate(
        ["push\t{r4, r5, r11, lr}", "mov\tr0, #3", "ldr\tr2, [pc, #116]", "vldr\td16, [r1]", "add\tr1, sp, #63",
         "strb\tr0, [sp, #40]", "vstr\td16, [sp, #48]", "bl\t0xeea44", "pop\t{r4, r5, r11, pc}"] + ["nop"] * 40))
    _, bad = arm_code_beyond_d16(plain)
    eq(len(bad), 2, f"compiler-style d16 uses found: {bad}")
    neon = plain.replace("\tnop", "\tvadd.i64\tq8, q8, q9", 1)
    _, bad = arm_code_beyond_d16(neon)
    eq(bad, [], "uses next to NEON code are ring's run-time-selected routines")


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
    # ... and carries the same postinst/prerm as the standalone builders (make's $$ is $).
    spec = importlib.util.spec_from_file_location("build_ipk_s", os.path.join(PKG, "build-ipk.py"))
    builder = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(builder)
    for name, text in (("postinst", builder.HOMEPORT_POSTINST_PKG), ("prerm", builder.HOMEPORT_PRERM_PKG)):
        m = re.search(r"^define Package/homeport/%s\n(.*?)^endef$" % name, makefile, re.M | re.S)
        check(m, f"feed Makefile has no Package/homeport/{name}")
        eq(m.group(1).replace("$$", "$"), text, f"feed Makefile's {name}")


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
# The real package managers (../shared/tools, see its README.md): apk-tools 3.0.2 as on
# OpenWrt 25.12 routers, opkg-lede 38eccbb as on 24.10, and libuci's `uci`.


class Skip(Exception):
    pass


TOOLS = os.path.join(os.path.dirname(ROOT), "shared", "tools", "openwrt")


def tool(name):
    """A real OpenWrt tool from ../shared/tools; a missing one skips the test (a machine
    outside this workplace has no ../shared), with the reason printed."""
    path = os.path.join(TOOLS, "bin", name)
    if not os.path.exists(path):
        raise Skip(f"{path} absent (../shared/tools): the real {name} is not available here")
    return path


def apk_tool():
    return os.environ.get("APK") or tool("apk")


def build_apk_feed(out, arches, version=None, sign_key=None, user=None, binaries=None):
    """build-apk.py into out for arches (binaries taken from the built .ipks unless given
    in binaries); as `user` (a name for runuser) when given."""
    args = [sys.executable, os.path.join(PKG, "build-apk.py"), "--apk", apk_tool(), "--out", out]
    for a in arches:
        args += ["--arch", a, "--binary", f"{a}={(binaries or {}).get(a) or ipk_path_binary(a)}"]
    if version:
        args += ["--version", version]
    if sign_key:
        args += ["--sign-key", sign_key]
    env = dict(os.environ, SOURCE_DATE_EPOCH="1700000000")
    if user:
        args = ["runuser", "-u", user, "--", "env", f"SOURCE_DATE_EPOCH={env['SOURCE_DATE_EPOCH']}",
                f"PATH={env['PATH']}", *args]
    r = run(args, env=env)
    eq(r.returncode, 0, f"build-apk.py: {r.stdout}{r.stderr}")
    return r


def adb_acls(dump):
    """(path, user, group) of every directory and file in `apk adbdump` output (the
    schema's paths[].acl and paths[].files[].acl; the first, nameless path is /)."""
    out, name, user = [], "/", None
    for line in dump.splitlines():
        key, _, val = line.strip().lstrip("- ").partition(": ")
        if line.strip() == "- acl:":
            name = "/"
        elif key == "name":
            name = val
        elif key == "user":
            user = val
        elif key == "group":
            out.append((name, user, val))
    return out


@test
def apk_owned_by_root_when_built_by_a_user():
    """Built by an unprivileged user, every file and directory of the .apk is root:root,
    in the package's metadata and once installed (a router has only root and a few
    system users; the DDNS credentials file must stay root's)."""
    apk = apk_tool()
    if os.geteuid() != 0 or not shutil.which("runuser"):
        raise Skip("building as another user needs root and runuser")
    arch = ARCHES[0]
    with tempfile.TemporaryDirectory() as d:
        os.chmod(d, 0o777)
        out = os.path.join(d, "out")
        binary = ipk_path_binary(arch)
        os.chmod(os.path.dirname(binary), 0o755)
        # The system python: the test's own may live under a home nobody cannot enter.
        python = shutil.which("python3", path="/usr/local/bin:/usr/bin:/bin") or sys.executable
        args = [python, os.path.join(PKG, "build-apk.py"), "--apk", apk, "--out", out,
                "--arch", arch, "--binary", f"{arch}={binary}"]
        r = run(["runuser", "-u", "nobody", "--", "env", "SOURCE_DATE_EPOCH=1700000000",
                 "PATH=/usr/local/bin:/usr/bin:/bin", "HOME=" + d, *args])
        eq(r.returncode, 0, f"build-apk.py as nobody: {r.stdout}{r.stderr}")
        pkg = os.path.join(out, arch, f"homeport-{apk_version()}.apk")
        eq(os.stat(pkg).st_uid, pwd_uid("nobody"), "the test really built as nobody")
        dump = run([apk, "adbdump", pkg]).stdout
        acls = adb_acls(dump)
        check(len(acls) > 10, f"too few acl entries in adbdump ({len(acls)}): parser broken?\n{dump[:600]}")
        bad = [a for a in acls if a[1:] != ("root", "root")]
        eq(bad, [], "entries not owned by root:root")
        root = os.path.join(d, "root")
        os.makedirs(os.path.join(root, "etc"))
        with open(os.path.join(root, "etc", "passwd"), "w") as f:
            f.write("root:x:0:0:root:/root:/bin/ash\nnobody:*:65534:65534:nobody:/var:/bin/false\n")
        with open(os.path.join(root, "etc", "group"), "w") as f:
            f.write("root:x:0:\nnogroup:x:65534:\n")
        stubs, stub_pub = stub_apks(apk, d, ("firewall4", "ca-bundle"))
        os.makedirs(os.path.join(root, "etc", "apk", "keys"))
        shutil.copy(stub_pub, os.path.join(root, "etc", "apk", "keys"))
        r = run([apk, "add", "--root", root, "--initdb", "--allow-untrusted", "--no-network", "--no-scripts",
                 "--arch", arch, "--repository", stubs, pkg])
        eq(r.returncode, 0, f"apk add: {r.stdout}{r.stderr}")
        owners = {}
        for rel in ("usr/sbin/homeport", "etc/init.d/homeport", "etc/config/homeport", "usr/share/homeport",
                    "usr/share/homeport/firewall.include", "etc/uci-defaults/80_homeport"):
            st = os.lstat(os.path.join(root, rel))
            owners[rel] = (st.st_uid, st.st_gid)
        eq({k: v for k, v in owners.items() if v != (0, 0)}, {}, "installed files not owned by root")


def pwd_uid(name):
    import pwd
    return pwd.getpwnam(name).pw_uid


def apk_version(semver=None):
    return package_version(semver or cargo_version(), "apk") + "-r1"


def package_version(semver, fmt):
    spec = importlib.util.spec_from_file_location("build_ipk_v", os.path.join(PKG, "build-ipk.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.package_version(semver, fmt)


def stub_apks(apk, d, names):
    """Empty stand-in packages for dependencies, in a feed signed with a test key."""
    feed = os.path.join(d, "stubs")
    files = os.path.join(d, "stub-files")
    os.makedirs(feed)
    os.makedirs(files)
    for dep in names:
        r = run([apk, "mkpkg", "--info", f"name:{dep}", "--info", "version:1-r1", "--info", "arch:noarch",
                 "--info", "description:stand-in", "--files", files, "--output", os.path.join(feed, f"{dep}-1-r1.apk")])
        eq(r.returncode, 0, r.stderr)
    key = os.path.join(d, "stub.key")
    eq(run(["openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", key]).returncode, 0, "stub key")
    pub = os.path.join(d, "stub.pem")
    eq(run(["openssl", "pkey", "-in", key, "-pubout", "-out", pub]).returncode, 0, "stub pub key")
    r = run([apk, "mkndx", "--allow-untrusted", "--sign-key", key, "--output", os.path.join(feed, "packages.adb"),
             *sorted(os.path.join(feed, n) for n in os.listdir(feed))])
    eq(r.returncode, 0, r.stderr)
    return os.path.join(feed, "packages.adb"), pub


APK_DIST = os.environ.get("APK_DIST", os.path.join(DIST, "apk"))


def apk_dist(arch, name):
    apk_tool()
    path = os.path.join(APK_DIST, arch, name)
    check(os.path.isfile(path), f"{path} missing: run `make apk`")
    return path


@test
def apk_feed_installs_by_name():
    """Every arch's feed that `make apk` built: OpenWrt's file names, an index signed with
    the build's key; `apk add homeport luci-app-homeport` by name from it works with that
    key in /etc/apk/keys and is refused without it; the installed files have their modes
    and the binary is the .ipk's. Rebuilt (one arch name per binary), the same bytes."""
    apk = apk_tool()
    version = apk_version()
    key = os.path.join(APK_DIST, "keys", "homeport-feed.pem")
    check(os.path.isfile(key), f"{key} missing: run `make apk`")
    with tempfile.TemporaryDirectory() as d:
        stubs, stub_pub = stub_apks(apk, d, ("firewall4", "ca-bundle", "luci-base"))
        first_of_binary = {}
        for arch in ARCHES:
            first_of_binary.setdefault(ARCH_TABLE[arch][0], arch)
        again = os.path.join(d, "again")
        env_epoch = str(ipk("all").data_entries[0].mtime)
        args = [sys.executable, os.path.join(PKG, "build-apk.py"), "--apk", apk, "--out", again]
        for arch in first_of_binary.values():
            args += ["--arch", arch, "--binary", f"{arch}={ipk_path_binary(arch)}"]
        r = run(args, env=dict(os.environ, SOURCE_DATE_EPOCH=env_epoch))
        eq(r.returncode, 0, f"build-apk.py: {r.stdout}{r.stderr}")
        for arch in first_of_binary.values():
            for name in (f"homeport-{version}.apk", f"luci-app-homeport-{version}.apk"):
                check(open(apk_dist(arch, name), "rb").read() == open(os.path.join(again, arch, name), "rb").read(),
                      f"{arch}/{name} differs on rebuild")
        for arch in ARCHES:
            feed = os.path.dirname(apk_dist(arch, "packages.adb"))
            eq(sorted(os.listdir(feed)), sorted([f"homeport-{version}.apk", f"luci-app-homeport-{version}.apk",
                                                 "packages.adb"]), f"{arch}: feed files")
            dump = run([apk, "adbdump", os.path.join(feed, f"homeport-{version}.apk")]).stdout
            check(f"arch: {arch}" in dump and "- firewall4" in dump and "- ca-bundle" in dump,
                  f"{arch}: info block\n{dump[:400]}")
            for trusted in (False, True):
                root = os.path.join(d, f"root-{arch}-{trusted}")
                keys = os.path.join(root, "etc", "apk", "keys")
                os.makedirs(keys)
                shutil.copy(stub_pub, keys)
                if trusted:
                    shutil.copy(key, keys)
                r = run([apk, "add", "--root", root, "--initdb", "--no-network", "--no-scripts", "--arch", arch,
                         "--repository", os.path.join(feed, "packages.adb"), "--repository", stubs,
                         "homeport", "luci-app-homeport"])
                if not trusted:
                    check(r.returncode != 0, f"{arch}: installed from a feed whose key is not trusted")
                    continue
                eq(r.returncode, 0, f"apk add by name ({arch}): {r.stdout}{r.stderr}")
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
                eq(binary, ipk(arch).file("/usr/sbin/homeport"), f"{arch}: the same binary as the .ipk's")
                shutil.rmtree(root)


# The flash budget (README, "Size"): both formats of the mipsel_24kc package.
SIZE_BUDGET = {"mipsel_24kc": 700_000}


@test
def package_sizes():
    """Both formats under the budget for mipsel_24kc; prints the table of packages
    (format x arch name: size, installed size, the qemu CPU that ran it)."""
    try:
        apk = apk_tool()
    except Skip as e:
        print(f"     .apk not measured: {e}")
        apk = None
    rows = []
    for arch in ARCHES:
        p = ipk(arch)
        rows.append(("ipk", arch, len(p.raw), int(p.control()["Installed-Size"])))
        if apk:
            path = apk_dist(arch, f"homeport-{apk_version()}.apk")
            dump = run([apk, "adbdump", path]).stdout
            m = re.search(r"^\s+installed-size: (\d+)$", dump, re.M)
            check(m, f"{arch}: no installed-size in the .apk")
            rows.append(("apk", arch, os.path.getsize(path), int(m.group(1))))
    print(f"     {'format':6} {'arch':26} {'size':>9} {'installed':>10}  qemu")
    for fmt, arch, size, installed in rows:
        print(f"     {fmt:6} {arch:26} {size:>9,} {installed:>10,}  {_qemu_proved.get(arch, ARCH_TABLE[arch][1])}")
    over = [(f, a, s) for f, a, s, _ in rows if a in SIZE_BUDGET and s >= SIZE_BUDGET[a]]
    eq(over, [], "packages over the flash budget")
    check(apk is None or any(f == "apk" and a in SIZE_BUDGET for f, a, _, _ in rows) or
          not set(SIZE_BUDGET) & set(ARCHES), "no .apk measured for the budget")


@test
def prerelease_versions_mapped_per_format():
    """SemVer pre-releases in each package manager's syntax; other pre-release names and
    malformed versions are refused, never passed through."""
    cases = {"0.2.0-rc.1": ("0.2.0_rc1", "0.2.0~rc1"), "0.2.0-beta": ("0.2.0_beta", "0.2.0~beta"),
             "1.0.0-alpha.3+build.7": ("1.0.0_alpha3", "1.0.0~alpha3"), "0.2.0": ("0.2.0", "0.2.0"),
             "0.2.0-pre2": ("0.2.0_pre2", "0.2.0~pre2")}
    for semver, (want_apk, want_ipk) in cases.items():
        eq(package_version(semver, "apk"), want_apk, f"apk version of {semver}")
        eq(package_version(semver, "ipk"), want_ipk, f"ipk version of {semver}")
    for bad in ("0.2.0-dev.1", "0.2", "0.2.0-rc.1.2", "v0.2.0"):
        try:
            package_version(bad, "apk")
        except SystemExit as e:
            check(bad in str(e), f"refusal names the version: {e}")
            continue
        raise AssertionError(f"version {bad} accepted")


@test
def prerelease_versions_order_before_the_release():
    """SemVer 0.2.0-rc.1 becomes a version each package manager accepts and orders before
    0.2.0 (and after 0.1.9): checked with the real apk and opkg, and in the built files."""
    apk, opkg = apk_tool(), tool("opkg")
    with tempfile.TemporaryDirectory() as d:
        os.makedirs(os.path.join(d, "var", "lock"))
        conf = os.path.join(d, "opkg.conf")
        open(conf, "w").close()
        for pre, final, older in (("0.2.0_rc1-r1", "0.2.0-r1", "0.1.9-r1"), ("0.2.0_rc1-r1", "0.2.0_rc2-r1", "0.2.0_beta-r1")):
            eq(run([apk, "version", "-t", pre, final]).stdout.strip(), "<", f"apk: {pre} < {final}")
            eq(run([apk, "version", "-t", older, pre]).stdout.strip(), "<", f"apk: {older} < {pre}")
            ipre, ifinal, iolder = (v.replace("_", "~") for v in (pre, final, older))
            for a, b in ((ipre, ifinal), (iolder, ipre)):
                r = run([opkg, "--conf", conf, "--offline-root", d, "compare-versions", a, "<<", b])
                eq(r.returncode, 0, f"opkg: {a} << {b}")
        for bad in ("0.2.0-dev.1", "0.2", "0.2.0-rc.1.2"):
            r = run([sys.executable, os.path.join(PKG, "build-ipk.py"), "--out", d, "--no-luci", "--version", bad,
                     "--arch", ARCHES[0], "--binary", f"{ARCHES[0]}={ipk_path_binary(ARCHES[0])}"])
            check(r.returncode != 0 and bad in r.stderr, f"build-ipk.py accepted version {bad}: {r.stderr}")
        arch = ARCHES[0]
        r = run([sys.executable, os.path.join(PKG, "build-ipk.py"), "--out", d, "--no-luci", "--version", "0.2.0-rc.1",
                 "--arch", arch, "--binary", f"{arch}={ipk_path_binary(arch)}"])
        eq(r.returncode, 0, r.stderr)
        p = Ipk(os.path.join(d, f"homeport_0.2.0~rc1-r1_{arch}.ipk"))
        eq(p.control()["Version"], "0.2.0~rc1-r1", "ipk Version")
        build_apk_feed(os.path.join(d, "apk"), [arch], version="0.2.0-rc.1")
        dump = run([apk, "adbdump", os.path.join(d, "apk", arch, "homeport-0.2.0_rc1-r1.apk")]).stdout
        check("version: 0.2.0_rc1-r1" in dump, f"apk version field:\n{dump[:300]}")


# ---------------------------------------------------------------------------------
# Install, upgrade and remove with scripts, as on a router: a chroot with busybox-static
# as /bin/sh and its applets, OpenWrt's own /etc/rc.common, /lib/functions.sh,
# /lib/functions/service.sh and /lib/config/uci.sh (../shared/tools/openwrt/base-files),
# the real uci (and opkg, which runs inside the chroot as on a 24.10 router; apk runs
# outside with --root and chroots into it for the scripts, as apk does), and stand-ins
# that record what they were asked: procd (tests/pkg/standin/procd.sh, in the place of
# /lib/functions/procd.sh) and ubus (/bin/ubus).

FIREWALL_CONFIG = """config defaults
	option input 'REJECT'

config zone
	option name 'wan'
	list network 'wan'
"""


def router_root(d):
    """A chroot in d; returns its path. Skips when a piece is missing."""
    uci, opkg = tool("uci"), tool("opkg")
    base = os.path.join(TOOLS, "base-files")
    busybox = shutil.which("busybox") or "/bin/busybox"
    if os.geteuid() != 0:
        raise Skip("the chroot needs root")
    if not os.path.isfile(busybox) or "statically linked" not in run(["file", "-L", busybox]).stdout:
        raise Skip(f"{busybox} is not busybox-static (apt install busybox-static; tests/pkg/run.sh does)")
    root = os.path.join(d, "router")
    for sub in ("bin", "sbin", "usr/bin", "usr/sbin", "usr/lib", "lib/functions", "lib/config", "lib64",
                "etc/config", "etc/init.d", "etc/rc.d", "etc/uci-defaults", "etc/apk/keys", "tmp", "var/run",
                "var/lock", "usr/lib/opkg/info", "dev", "root"):
        os.makedirs(os.path.join(root, sub), exist_ok=True)
    os.chmod(os.path.join(root, "tmp"), 0o1777)
    shutil.copy(busybox, os.path.join(root, "bin", "busybox"))
    for applet in run([busybox, "--list-full"]).stdout.split():
        path = os.path.join(root, applet)
        if not os.path.lexists(path):
            os.makedirs(os.path.dirname(path), exist_ok=True)
            os.symlink("/bin/busybox", path)
    for rel in ("etc/rc.common", "lib/functions.sh", "lib/functions/service.sh", "lib/config/uci.sh"):
        shutil.copy(os.path.join(base, rel), os.path.join(root, rel))
    shutil.copy(os.path.join(STANDIN, "procd.sh"), os.path.join(root, "lib/functions/procd.sh"))
    with open(os.path.join(root, "bin", "ubus"), "w") as f:
        f.write('#!/bin/sh\nprintf "%s\\n" "$*" >> /tmp/ubus.log\n')
    os.chmod(os.path.join(root, "bin", "ubus"), 0o755)
    # The real uci and opkg (glibc programs): themselves, their libraries and the loader.
    libs = os.path.join(TOOLS, "lib")
    shutil.copy(os.path.join(TOOLS, "bin", "uci.real"), os.path.join(root, "sbin", "uci"))
    shutil.copy(os.path.join(TOOLS, "bin", "opkg.real"), os.path.join(root, "bin", "opkg"))
    for name in os.listdir(libs):
        shutil.copy(os.path.join(libs, name), os.path.join(root, "usr", "lib", name))
    for prog in (os.path.join(TOOLS, "bin", "uci.real"), os.path.join(TOOLS, "bin", "opkg.real")):
        ldd = run(["ldd", prog], env=dict(os.environ, LD_LIBRARY_PATH=libs)).stdout
        for lib in re.findall(r"(/\S+) \(0x", ldd):
            dest = os.path.join(root, lib.lstrip("/"))
            if not os.path.exists(dest):
                os.makedirs(os.path.dirname(dest), exist_ok=True)
                shutil.copy(os.path.realpath(lib), dest)
    for name, text in (("passwd", "root:x:0:0:root:/root:/bin/ash\nnobody:*:65534:65534:nobody:/var:/bin/false\n"),
                       ("group", "root:x:0:\nnogroup:x:65534:\n"),
                       ("config/firewall", FIREWALL_CONFIG),
                       ("opkg.conf", "dest root /\nlists_dir ext /var/opkg-lists\narch all 1\narch noarch 1\n"
                                     "arch x86_64 10\n")):
        with open(os.path.join(root, "etc", name), "w") as f:
            f.write(text)
    # Dependencies the router has: recorded as installed for opkg.
    with open(os.path.join(root, "usr/lib/opkg/status"), "w") as f:
        for dep in ("firewall4", "ca-bundle", "luci-base"):
            f.write(f"Package: {dep}\nVersion: 1-r1\nStatus: install ok installed\nArchitecture: all\n\n")
    eq(run(["chroot", root, "/sbin/uci", "-q", "get", "firewall.@defaults[0].input"]).stdout.strip(), "REJECT",
       "the real uci runs in the chroot")
    return root


def in_root(root, *cmd):
    return run(["chroot", root, "/usr/bin/env", "-i", "PATH=/usr/sbin:/usr/bin:/sbin:/bin", *cmd])


def uci_get(root, key):
    r = in_root(root, "uci", "-q", "get", key)
    return r.stdout.strip() if r.returncode == 0 else None


def procd_log(root):
    path = os.path.join(root, "tmp", "procd.log")
    return open(path).read().splitlines() if os.path.exists(path) else []


def running_exec(root):
    """The identity of the program procd (the stand-in) runs for homeport, or None."""
    path = os.path.join(root, "var/run/procd-standin/homeport")
    if not os.path.exists(path):
        return None
    return dict(line.split("=", 1) for line in open(path).read().splitlines())["exec"]


def file_identity(root, rel):
    st = os.stat(os.path.join(root, rel))
    return f"inode={st.st_ino} sha256={hashlib.sha256(open(os.path.join(root, rel), 'rb').read()).hexdigest()}"


def lifecycle(manager, install, upgrade, remove):
    """Install, edit the config, upgrade, remove; checks what a router would show after
    each step. install/upgrade/remove run the manager against the chroot."""
    with tempfile.TemporaryDirectory() as d:
        root = router_root(d)
        r = install(d, root)
        eq(r.returncode, 0, f"{manager} install: {r.stdout}{r.stderr}")
        # default_postinst ran the uci-defaults script, enabled and started the service.
        check(not os.path.exists(os.path.join(root, "etc/uci-defaults/80_homeport")), "uci-defaults script left behind")
        eq(uci_get(root, "firewall.homeport"), "include", f"{manager}: fw4 include added")
        eq(uci_get(root, "firewall.homeport.path"), "/usr/share/homeport/firewall.include", "include path")
        eq(uci_get(root, "homeport.main"), "homeport", "main section")
        check(os.path.islink(os.path.join(root, "etc/rc.d/S95homeport")), f"{manager}: not enabled")
        eq(running_exec(root), file_identity(root, "usr/sbin/homeport"), f"{manager}: service started with the binary")
        log = procd_log(root)
        check("set_param command /usr/sbin/homeport run -c /etc/config/homeport --state-dir /var/run/homeport" in log,
              f"{manager}: the init script's instance did not reach procd through rc.common: {log}")
        check("trigger reload homeport" in log, f"{manager}: service_triggers did not run: {log}")
        for rel in ("usr/sbin/homeport", "etc/config/homeport", "etc/init.d/homeport"):
            st = os.stat(os.path.join(root, rel))
            eq((st.st_uid, st.st_gid), (0, 0), f"{manager}: owner of /{rel}")
        eq(stat.S_IMODE(os.stat(os.path.join(root, "etc/config/homeport")).st_mode), 0o600, "config mode")

        # The user edits the config.
        r = in_root(root, "sh", "-c", "uci set homeport.main.log_level=debug && uci commit homeport")
        eq(r.returncode, 0, r.stderr)
        edited = open(os.path.join(root, "etc/config/homeport")).read()
        old_exec = running_exec(root)

        r = upgrade(d, root)
        eq(r.returncode, 0, f"{manager} upgrade: {r.stdout}{r.stderr}")
        new_exec = file_identity(root, "usr/sbin/homeport")
        check(new_exec != old_exec, "the upgrade did not replace the binary")
        eq(running_exec(root), new_exec, f"{manager}: after the upgrade the running service is the new binary "
                                         f"(procd log: {procd_log(root)[-6:]})")
        eq(uci_get(root, "homeport.main.log_level"), "debug", f"{manager}: the user's config kept on upgrade")
        eq(uci_get(root, "firewall.homeport"), "include", f"{manager}: fw4 include kept on upgrade")
        check(os.path.islink(os.path.join(root, "etc/rc.d/S95homeport")), f"{manager}: disabled by the upgrade")

        if os.environ.get("PKG_DEBUG"):
            print(f"{manager} procd log after upgrade:", *procd_log(root), sep="\n  ")
        r = remove(d, root)
        eq(r.returncode, 0, f"{manager} remove: {r.stdout}{r.stderr}")
        check(not os.path.exists(os.path.join(root, "usr/sbin/homeport")), "binary left after removal")
        eq(running_exec(root), None, f"{manager}: service still running after removal")
        check("stop homeport" in procd_log(root)[-3:], f"{manager}: removal did not stop the service through procd")
        check(not os.path.lexists(os.path.join(root, "etc/rc.d/S95homeport")), f"{manager}: still enabled after removal")
        eq(uci_get(root, "firewall.homeport"), None, f"{manager}: firewall.homeport left in /etc/config/firewall")
        eq(uci_get(root, "firewall.@zone[0].name"), "wan", f"{manager}: the rest of the firewall config kept")
        config = os.path.join(root, "etc/config/homeport")
        check(os.path.exists(config) and open(config).read() == edited,
              f"{manager}: the user's /etc/config/homeport not kept on removal")


def next_version():
    major, minor, patch = cargo_version().split("-")[0].split(".")
    return f"{major}.{minor}.{int(patch) + 1}"


def upgrade_binary(arch):
    """The packaged binary with a trailer appended: another file (another sha256; the
    inode number alone may be reused), still the same runnable ELF, standing in for the
    next release's binary."""
    path = ipk_path_binary(arch)
    with open(path, "ab") as f:
        f.write(b"\0homeport upgrade test\0")
    return path


@test
def opkg_install_upgrade_remove_with_scripts():
    """opkg-lede in the chroot, as on a 24.10 router: the version from Cargo.toml, then
    the next patch version, then removal."""
    if "x86_64" not in ARCHES:
        raise Skip("needs the x86_64 package (PKG_ARCHES)")
    tool("opkg")
    binary, new_binary = ipk_path_binary("x86_64"), upgrade_binary("x86_64")

    def build(d, version):
        out = os.path.join(d, "ipk-" + version)
        r = run([sys.executable, os.path.join(PKG, "build-ipk.py"), "--out", out, "--no-luci", "--version", version,
                 "--arch", "x86_64", "--binary", f"x86_64={binary if version == cargo_version() else new_binary}"])
        eq(r.returncode, 0, r.stderr)
        return os.path.join(out, os.listdir(out)[0])

    def opkg(root, *args):
        return in_root(root, "opkg", *args)

    def install(d, root):
        shutil.copy(build(d, cargo_version()), os.path.join(root, "tmp", "old.ipk"))
        return opkg(root, "install", "/tmp/old.ipk")

    def upgrade(d, root):
        shutil.copy(build(d, next_version()), os.path.join(root, "tmp", "new.ipk"))
        return opkg(root, "install", "/tmp/new.ipk")

    lifecycle("opkg", install, upgrade, lambda d, root: opkg(root, "remove", "homeport"))


@test
def apk_install_upgrade_remove_with_scripts():
    """apk-tools 3.0.2 with --root (scripts chrooted), as on a 25.12 router: homeport by
    name from the signed feed, then the next patch version from a second feed, then
    `apk del`."""
    if "x86_64" not in ARCHES:
        raise Skip("needs the x86_64 package (PKG_ARCHES)")
    apk = apk_tool()

    def apk_run(root, *args):
        return run([apk, "--root", root, "--no-network", "--arch", "x86_64", *args])

    def feed(d, version):
        out = os.path.join(d, "apk-" + version)
        key = os.path.join(d, "feed.key")
        if not os.path.exists(key):
            eq(run(["openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", key]).returncode, 0, "key")
        binaries = None if version == cargo_version() else {"x86_64": upgrade_binary("x86_64")}
        build_apk_feed(out, ["x86_64"], version=version, sign_key=key, binaries=binaries)
        return out

    def install(d, root):
        out = feed(d, cargo_version())
        stubs, stub_pub = stub_apks(apk_tool(), d, ("firewall4", "ca-bundle"))
        for pem in (stub_pub, os.path.join(out, "keys", "homeport-feed.pem")):
            shutil.copy(pem, os.path.join(root, "etc/apk/keys"))
        with open(os.path.join(d, "repos"), "w") as f:
            f.write(stubs + "\n")
        return apk_run(root, "add", "--initdb", "--repository", stubs,
                       "--repository", os.path.join(out, "x86_64", "packages.adb"), "homeport")

    def upgrade(d, root):
        out = feed(d, next_version())
        stubs = open(os.path.join(d, "repos")).read().strip()
        return apk_run(root, "upgrade", "--repository", stubs, "--repository", os.path.join(out, "x86_64", "packages.adb"))

    lifecycle("apk", install, upgrade, lambda d, root: apk_run(root, "del", "homeport"))


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
        os.path.join(STANDIN, "procd.sh"),
        os.path.join(STANDIN, "bin", "nft"),
        os.path.join(STANDIN, "bin", "fw4"),
    ]
    tmp = tempfile.mkdtemp(prefix="hp-ctl-")
    # the apk (v3) maintainer scripts, as build-apk.py writes them
    import importlib.util
    spec = importlib.util.spec_from_file_location("build_apk", os.path.join(PKG, "build-apk.py"))
    build_apk = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build_apk)
    ipk_mod = build_apk.ipk
    for name, text in (("post-install", build_apk.POST_INSTALL + ipk_mod.HOMEPORT_POSTINST_PKG.split("\n", 1)[1]),
                       ("pre-deinstall", build_apk.PRE_DEINSTALL + ipk_mod.HOMEPORT_PRERM_PKG.split("\n", 1)[1])):
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


def run_init(action, config, *args, fw4="stopped", fw4_state=None):
    """Runs the init script's action under the stand-in rc.common, with the stand-in nft
    and fw4 (standin/bin) first on PATH: fw4 is their state (stopped, stale or current,
    see standin/bin/nft), or fw4_state names a state file kept across calls. Returns the
    calls in order (procd_*, nft, fw4 and the homeport recorder), homeport's arguments
    and the recorder's path."""
    with tempfile.TemporaryDirectory() as d:
        if fw4_state is None:
            fw4_state = os.path.join(d, "fw4.state")
            with open(fw4_state, "w") as f:
                f.write(fw4 + "\n")
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
        env = dict(os.environ, PROCD_LOG=log, UCI_CONFIG_DIR=os.path.join(d, "config"), HOMEPORT_PROG=prog,
                   FW4_STANDIN_STATE=fw4_state, PATH=os.path.join(STANDIN, "bin") + ":" + os.environ["PATH"])
        r = run(["sh", os.path.join(STANDIN, "rc.common"), INIT, action, *args], env=env)
        eq(r.returncode, 0, f"init {action}: {r.stderr}")
        calls = [line.split("\t") for line in open(log).read().splitlines()]
        progcalls = open(proglog).read().splitlines() if os.path.exists(proglog) else []
        return calls, progcalls, prog


ENABLED = "config homeport 'main'\n\toption enabled '1'\n\toption interface 'wan'\n"


@test
def init_start_declares_instance():
    calls, progcalls, prog = run_init("start", ENABLED)
    calls = [c for c in calls if c[0].startswith("procd_")]
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


FW4_RELOAD = ["fw4", "-q", "reload"]


def fw4_calls(calls):
    return [c for c in calls if c[0] in ("nft", "fw4")]


def asked(calls, *words):
    """Whether an nft call's arguments, options left out, are these words."""
    return any(c[0] == "nft" and [a for a in c[1:] if not a.startswith("-")] == list(words) for c in calls)


@test
def init_reloads_fw4_once_when_includes_missing():
    """Fresh install: fw4 is loaded but from before homeport's automatic includes were on
    disk, so fw4's forward chain has no accept for them and the pinhole sets are missing.
    start_service reloads fw4 once, before the instance opens (as miniupnpd's init does
    when its fw4 chain is missing); the next start finds the includes and leaves fw4 be."""
    with tempfile.TemporaryDirectory() as d:
        state = os.path.join(d, "fw4.state")
        with open(state, "w") as f:
            f.write("stale\n")
        calls, _, _ = run_init("start", ENABLED, fw4_state=state)
        reloads = [i for i, c in enumerate(calls) if c[0] == "fw4"]
        eq([calls[i] for i in reloads], [FW4_RELOAD], f"fw4 calls: {fw4_calls(calls)}")
        opened = calls.index(["procd_open_instance", "main"])
        check(reloads[0] < opened, f"fw4 reloaded after the instance opened: {calls}")
        eq(open(state).read().strip(), "current", "fw4 state after the reload (stand-in)")
        again, _, _ = run_init("start", ENABLED, fw4_state=state)
        eq([c for c in again if c[0] == "fw4"], [], "second start: includes present, no reload")
        check(["procd_open_instance", "main"] in again, "instance on the second start")


@test
def init_no_fw4_reload_when_includes_present():
    calls, _, _ = run_init("start", ENABLED, fw4="current")
    check(asked(calls, "list", "table", "inet", "fw4"), f"fw4's table not looked for: {fw4_calls(calls)}")
    check(asked(calls, "list", "set", "inet", "fw4", "homeport_pinholes6"),
          f"homeport's set not looked for: {fw4_calls(calls)}")
    eq([c for c in calls if c[0] == "fw4"], [], "fw4 calls with the includes loaded")
    check(["procd_open_instance", "main"] in calls, "instance opened")


@test
def init_no_fw4_reload_when_firewall_stopped():
    """`service firewall stop`: no table inet fw4. The init script leaves the firewall
    alone (starting it is the user's call) and starts the daemon anyway."""
    calls, _, _ = run_init("start", ENABLED, fw4="stopped")
    check(asked(calls, "list", "table", "inet", "fw4"), f"fw4's table not looked for: {fw4_calls(calls)}")
    eq([c for c in fw4_calls(calls) if not asked([c], "list", "table", "inet", "fw4")], [],
       "nothing but the table look-up with fw4 stopped")
    check(["procd_open_instance", "main"] in calls, "instance opened")


@test
def init_disabled_leaves_fw4_alone():
    calls, progcalls, _ = run_init("start", "config homeport 'main'\n\toption enabled '0'\n", fw4="stale")
    eq(fw4_calls(calls), [], "nft/fw4 calls while disabled")
    eq(progcalls, ["flush -c /etc/config/homeport"], "disabled start still flushes")


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
        doc = json.load(open(fixture))
        # Written by a live process (this one): `status` finds its writer running.
        doc["pid"] = os.getpid()
        with open(os.path.join(state, "status.json"), "w") as f:
            json.dump(doc, f)
        eq(plugin_call("call", "status", prog_body=body), doc, "status document through the plugin")
        # A writer that is gone: `status` exits 1, and the plugin still hands the views the
        # document, marked not running with every forward inactive (what status.js shows).
        doc["pid"] = 4194304 + 7
        with open(os.path.join(state, "status.json"), "w") as f:
            json.dump(doc, f)
        got = plugin_call("call", "status", prog_body=body)
        eq(got.get("running"), False, f"a stopped daemon is not running: {got}")
        check(got["forwards"] and all(not f["active"] and f["reason"] == "homeport is not running" for f in got["forwards"]),
              f"a stopped daemon has no active forward: {got['forwards']}")


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
                    pairs.update((ty, k) for k in dep if not k.startswith("_"))
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
def luci_doctor_page():
    """The Diagnose view shows each finding of `homeport doctor --json` (issue 15), and the
    plugin's error object when there is no answer."""
    doc = {"problems": 1, "findings": [
        {"level": "ok", "subject": "WAN eth1", "text": "the IPv4 address 203.0.113.7 is public"},
        {"level": "problem", "subject": "forward '<b>nas</b>'", "text": "nothing listens on 192.168.1.10:443"}]}
    rec = harness("doctor", {"rpc": {"homeport.doctor": doc}, "uci": {}})
    for want in ("1 problem(s) found.", "WAN eth1", "forward '<b>nas</b>'", "nothing listens on 192.168.1.10:443", "Problem"):
        check(want in rec["text"], f"{want!r} not on the page: {rec['text']}")
    eq(rec["declares"], [{"object": "homeport", "method": "doctor", "params": []}], "one rpc call")
    rec = harness("doctor", {"rpc": {"homeport.doctor": {"error": "homeport doctor gave no answer"}}, "uci": {}})
    check("homeport doctor gave no answer" in rec["text"], "error shown")


@test
def rpcd_plugin_call_doctor():
    """`doctor` passes the document on although the binary exits 1 (problems found)."""
    doc = {"problems": 1, "findings": [{"level": "problem", "subject": "WAN eth1", "text": "CGNAT"}]}
    body = "#!/bin/sh\n[ \"$1 $2\" = 'doctor --json' ] || exit 3\nprintf '%s\\n' '" + json.dumps(doc) + "'\nexit 1\n"
    eq(plugin_call("call", "doctor", prog_body=body), doc, "call doctor passes the document through")
    check("error" in plugin_call("call", "doctor"), "failing binary gives an error object")


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
    eq([n for n, o in opts.items() if not n.startswith("_") and not o["modalonly"]][:7],
       ["name", "proto", "src_dport", "dest_ip", "dest_port", "src_ip", "enabled"], "table columns in order")
    # Issue 14: the target is one of dest_ip, dest_mac, dest_host, chosen in the dialog.
    for dev in ("dest_mac", "dest_host"):
        eq(opts[dev]["depends"], [{"_target": dev[5:]}], f"{dev} only for its kind of target")
    eq(opts["dest_ip"]["depends"], [{"_target": "ip"}], "dest_ip only for an address target")
    check("aa:bb:cc:dd:ee:01" in opts["dest_mac"]["values"], f"LAN devices by MAC: {opts['dest_mac']['values']}")
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
    "homeport": {"enabled", "interface", "device", "zone", "debounce", "log_level", "probe_url"},
    "ddns": {"enabled", "service", "domain", "username", "password", "family", "ip_source", "ip_url", "server",
             "use_https", "cacert", "update_url", "lookup_host", "dns_server", "check_interval", "force_interval",
             "retry_interval", "allow_private", "zone", "key_name", "key_algorithm", "key_secret",
             "cloudflare_zone", "password_ipv6", "answer", "ip_device"},
    "forward": {"name", "enabled", "proto", "src_dport", "dest_ip", "dest_mac", "dest_host", "dest_port", "src_ip",
                "reflection", "family", "comment"},
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
    "src_ip": "198.51.100.0/24", "reflection": "1", "comment": "test", "password_ipv6": "secret6", "answer": "good",
    "ip_device": "aa:bb:cc:dd:ee:01", "dest_mac": "aa:bb:cc:dd:ee:01", "dest_host": "nas",
    "probe_url": "https://probe.example.net/",
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
