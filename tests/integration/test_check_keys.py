"""Which checks check() runs, in which order (issue 17).

k6 (internal/js/modules/k6/k6.go, Check) walks checks.Keys(): the object's
own enumerable string keys in Object.keys order, taken before the first
check runs. c6 takes them straight from an ordinary object's shape
(JS_GetOwnEnumStringKeys, scripts/quickjs-own-keys.patch: no array) when
that gives the same list, else through JS_GetOwnPropertyNames: array-index
keys (first, ascending), more than 8 keys, an array. Each case pins the
names called against Object.keys.
"""
from conftest import parse_checks

WANT = [
    "plain: b a s | b a status is 200",
    "indexes: 2 10 b a | 2 10 b a",
    "big index: 7 big z | 7 4294967294 z",
    "many: k0 k1 k2 k3 k4 k5 k6 k7 k8 k9 k10 | k0 k1 k2 k3 k4 k5 k6 k7 k8 k9 k10",
    "hidden: v g | v g",
    "deleted: b c a2 | b c a",
    # 'second', deleted by 'first', is still a check (undefined: failed)
    "changed while checking: first | first second",
    "inherited: own | own",
    "array: i0 i1 | 0 1",
]


def test_check_runs_the_object_keys_in_order(c6):
    r = c6("js/check_keys.js")
    assert r.code == 0, r
    assert r.console() == WANT * 2, r.console()
    checks = parse_checks(r.out)
    assert checks["second"]["ok"] is False, checks
    assert "third" not in checks and "ne" not in checks and "p" not in checks, checks
    assert checks["4294967294"]["ok"] is True, checks
