"""The shared QuickJS runtime (a worker's VUs share runtimes, 256 VUs a
runtime, a context each; src/js/vm.c; the default, C6_SHARED_RT=0 gives each
VU a runtime of its own). Nothing a script sees may change, so the same
script must pass either way: per-VU globals, a promise job queued before
sleep() still pending after it (k6 runs jobs only once the function returns
to the event loop; a shared job queue would let another VU run it
meanwhile), and recursion cut off (QuickJS's stack overflow error) at the
same depth in every VU and iteration (the stack limit must follow each VU's
own stack). Not k6 behaviour to compare: k6 has no such switch; the
script's expectations are k6's (goja runs jobs after the call returns).
C6_SHARED_RT=3: groups of 3 VUs a runtime, so 7 runtimes on the worker."""

import re

import pytest


@pytest.mark.parametrize("shared", [None, "0", "3"])
def test_vu_state_is_its_own(c6, shared):
    r = c6("shared_runtime.js", "--workers", "1", "-u", "20", "-i", "100", env={"C6_SHARED_RT": shared})
    assert r.code == 0, r
    assert r.count("iterations") == 100, r
    assert re.search(r"checks_succeeded[ .]*: 100\.00% +300 out of 300", r.out), r


@pytest.mark.parametrize("shared", [None, "0", "3"])
def test_shared_functions_run_in_their_vu(c6, shared):
    """A module's compiled functions are the runtime's (one copy for its
    VUs: scripts/quickjs-shared-function.patch, vm_load_bytecode); each runs
    in the context of the VU that calls it. A module with a tagged template
    keeps a copy a VU (its strings array belongs to one context), and that
    array and its raw strings are frozen as in k6 (goja; the spec's
    GetTemplateObject): QuickJS left their length writable once read from
    bytecode (scripts/quickjs-template-seal.patch)."""
    r = c6("shared_function.js", "--workers", "1", "-u", "20", "-i", "100", env={"C6_SHARED_RT": shared})
    assert r.code == 0, r
    assert r.count("iterations") == 100, r
    assert re.search(r"checks_succeeded[ .]*: 100\.00% +700 out of 700", r.out), r
