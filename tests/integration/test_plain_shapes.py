"""Plain objects made the same way in every iteration (issue 17).

scripts/quickjs-dead-shapes.patch: a context keeps the last 4 plain-object
shapes (Object.prototype, 1 to 8 properties) their last object left, so the
next object built the same way finds its shape in the shape table instead of
cloning and hashing a new one (-600 instructions an iteration of
bench/scripts/check.js). A kept shape is shared, so changing an object
that uses it copies it first; objects freed by the cycle collector do not
give theirs (their prototype could go in the same collection). Nothing a
script can see changes: the values below are stock QuickJS's (c6 before the
patch), in every iteration of 2 VUs, with 3,000 objects in cycles an
iteration for the collector.
"""

ONE = " ".join([
    '["x","y","b"]["wec","wec","wec"]falsetrue',   # in a cycle
    '["a","z"]["wec","wec"]falsetrue',
    '["p","q","s"]["wec","wec","wec"]falsetrue',   # JSON.parse
    '["t"]["wec"]falsetrue',
    '["l"]["wec"]falsetrue',                       # delete k
    '["k","l","m"]["wec","wec","wec"]falsetrue',   # a property more
    '["k","l"]["-e-","-e-"]truetrue',              # frozen
    '["k","l"]["w-c","wec"]falsetrue',             # k made non-enumerable
    'null',                                        # prototype set to null
    '["k","l"]["wec","wec"]falsetrue',             # the same literal after all that
])


def test_plain_objects_look_the_same_when_their_shapes_are_kept(c6):
    r = c6("js/plain_shapes.js")
    assert r.code == 0, r
    # sum of a.x + b.z + j.q[1].r over i < 3000: 2 * 4498500 + 3 * 3000
    assert r.console() == ["9006000 " + " | ".join([ONE] * 3)] * 8, r.console()
