"""`c6 target` runs build/c6-target, the test server built as a program of
its own so that c6 does not link GnuTLS (issue 11, "Build hygiene"). c6-only:
k6 has no `target` command, so there is no k6 source to cite here.

What must hold for users and tests: `c6 target ...` keeps working as one
process (exec: the pid the caller started serves, gets its signals and
exits with the server's code), c6-target is found next to the c6 binary,
and a missing c6-target is a clear error, not a silent failure.
"""
import os
import pathlib
import re
import shutil
import signal
import subprocess
import time

import pytest

from test_target import Server


def _needed(path):
    """The DT_NEEDED entries of an ELF file (readelf, from binutils)."""
    out = subprocess.run(["readelf", "-d", path], capture_output=True, text=True, check=True).stdout
    return re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", out)


def test_c6_does_not_link_gnutls_the_target_does(c6_bin):
    """GnuTLS is in c6-target's link and not in c6's (it is loaded into c6
    only as a dependency of Debian's libcurl and libmicrohttpd)."""
    c6_libs = _needed(c6_bin)
    target_libs = _needed(str(pathlib.Path(c6_bin).parent / "c6-target"))
    assert c6_libs, "readelf found no NEEDED entries in c6"
    assert not [lib for lib in c6_libs if "gnutls" in lib], c6_libs
    assert [lib for lib in target_libs if "gnutls" in lib], target_libs
    # the target brings no load-generator libraries either
    assert not [lib for lib in target_libs if lib.startswith(("libuv", "libcurl", "libnghttp2"))], target_libs


def test_c6_target_execs_the_server_in_the_same_process(c6_bin):
    """The pid started as `c6 target` is c6-target itself, and SIGTERM to
    it ends the server with exit code 0 (target.c's main)."""
    s = Server(c6_bin, "--listen", "127.0.0.1:0")
    try:
        assert s.url, "c6 target did not announce its address"
        exe = os.readlink(f"/proc/{s.proc.pid}/exe")
        assert os.path.basename(exe) == "c6-target", exe
        assert os.path.dirname(exe) == os.path.dirname(os.path.realpath(c6_bin))
    finally:
        rc = s.stop(signal.SIGTERM)
    assert rc == 0


def test_c6_target_passes_usage_errors_through(c6_bin):
    """A bad option: the server's message and usage, exit code 1."""
    r = subprocess.run([c6_bin, "target", "--no-such-option"], capture_output=True, text=True, timeout=30)
    assert r.returncode == 1
    assert "c6 target: unknown or incomplete option '--no-such-option'" in r.stderr
    assert "usage: c6 target [--listen HOST:PORT]" in r.stderr


def test_c6_target_without_the_server_binary(c6_bin, tmp_path):
    """A c6 whose directory has no c6-target says where it looked, exit 1."""
    lone = tmp_path / "c6"
    shutil.copy2(os.path.realpath(c6_bin), lone)
    t0 = time.monotonic()
    r = subprocess.run([str(lone), "target", "--listen", "127.0.0.1:0"], capture_output=True,
                       text=True, timeout=30)
    assert time.monotonic() - t0 < 20
    assert r.returncode == 1
    want = f"c6 target: cannot run {tmp_path}/c6-target: No such file or directory"
    assert want in r.stderr, r.stderr
    assert r.stdout == ""
