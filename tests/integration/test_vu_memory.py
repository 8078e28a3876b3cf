"""C6_VU_MEMORY=1: the measurement aid behind bench/vu_memory.sh (issue 17).

c6 prints, once, what QuickJS holds for the first regular VU after its init
(src/js/vm.c, vm_report_memory); without the variable nothing is printed. A
c6-only diagnostic: k6 has no counterpart, so nothing here is k6 output.
"""
import re

LINE = re.compile(r"c6 vu-memory: quickjs (\d+) B in (\d+) allocations; atoms (\d+) \((\d+) B\)")


def test_vu_memory_line_once_with_plausible_numbers(c6):
    r = c6("basic_get.js", "-u", "3", "-i", "3", env={"C6_VU_MEMORY": "1"})
    assert r.code == 0, r
    lines = LINE.findall(r.err)
    assert len(lines) == 1, r.err  # VU 1 only, not the compile VU nor VUs 2, 3
    size, count, atoms, atom_bytes = map(int, lines[0])
    # a runtime and a context with every intrinsic, k6/http loaded: tens of KB
    assert 20_000 < size < 2_000_000, lines
    assert count > 100 and atoms > 200 and atom_bytes > 0, lines


def test_vu_memory_silent_by_default(c6):
    r = c6("basic_get.js", "-u", "2", "-i", "2", env={"C6_VU_MEMORY": None})
    assert r.code == 0, r
    assert "vu-memory" not in r.err, r.err
