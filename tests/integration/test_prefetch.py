"""What an iteration reads first, asked for ahead (issue 17).

scripts/quickjs-prefetch.patch + src/js/vm.c (vm_iter_begin, vm_prefetch):
at a VU's first iteration c6 records the lines its function reads first
(the function, its bytecode header, closure variables and what they hold,
the global object, __ENV's object), and asks for them a step of the
worker's ready queue before the VU runs. Only addresses are kept and
nothing is read through a getter: nothing a script sees changes. The
values below are stock c6's (before the patch).
"""


def test_env_getter_is_not_called_by_the_prefetch_record(c6):
    # __ENV is read at the first iteration's start for its object: as an
    # own data property only (a getter called there would count 1)
    r = c6("js/env_getter.js")
    assert r.code == 0, r
    assert r.console() == ["calls 0"] * 3, r.console()


def test_default_functions_of_other_kinds_run_as_before(c6):
    # a bound function, one with many closure variables, __ENV a number
    r = c6("js/prefetch_kinds.js")
    assert r.code == 0, r
    assert sorted(r.console()) == sorted(
        ["bound %d 21 g 42" % i for i in (0, 0, 1, 1)] + ["many %d 21 g 42" % i for i in (0, 0, 1, 1)]
    ), r.console()


def test_global_lookups_recorded_with_a_full_global_table(c6):
    # 300 more globals: the look-ups of __ENV and __ITER walk hash chains
    # when their lines are recorded; deleting __ENV afterwards is seen
    r = c6("js/prefetch_globals.js", env={"X": "x1"})
    assert r.code == 0, r
    lines = sorted(r.console())
    want = sorted(
        ["iter 0 env x1 g7 7 g299 299"] * 2 + ["iter %d env gone g7 seven g299 299" % i for i in (1, 2, 3) for _ in (0, 1)]
    )
    assert lines == want, lines


def test_learned_lookups_call_no_getter_and_follow_shape_changes(c6):
    # the second iteration's look-ups on o are recorded; the getter runs
    # only when the script reads it, and o's later new shape reads right
    r = c6("js/prefetch_learn.js")
    assert r.code == 0, r
    got = sorted(r.console())
    assert len(got) == 10, got
    # each VU runs in its own context (its own o and calls)
    for i in range(5):
        want = "iter %d x %s calls %d" % (i, "y undefined" if i < 3 else "undefined 49", i + 1)
        assert got.count(want) == 2, (want, got)
