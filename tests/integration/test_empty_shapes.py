"""Empty objects built in every iteration (issue 17).

scripts/quickjs-shape-cache.patch: a context's shape table keeps its empty
Object.prototype shape at hand (no reference: cleared when the shape leaves
the table), so an object literal or JS_NewObject takes it without reading
ctx->class_proto and the table's bucket (cold cache lines at 10,000 VUs);
the same for the last other prototype JS_NewObjectProtoClass was given
(a class instance's, k6/http's Response).
The empty shape is changed in place when its only object gets a property,
a new prototype or is frozen, and freed with its last object; the next
empty object must still be a plain, empty, extensible object of
Object.prototype. The values below are stock QuickJS's (c6 before the
patch), in every iteration of 2 VUs.
"""

ONE = " ".join([
    '["k0"]x-O=667',       # {} then a property (its shape changed in place)
    '[]x-O=8000',          # {} after that, and JSON.parse('{}')
    '[]x-N=4000',          # setPrototypeOf({}, null), Object.create(null)
    '[]-fO=4000',          # Object.freeze({}), preventExtensions({})
    '["c"]x-?true=2000',   # new C()
    '[]x-?true=2000',      # Object.create(C.prototype)
    '["k1"]x-O=667',
    '["k2"]x-O=666',
])


def test_empty_objects_look_the_same_when_their_shape_is_kept(c6):
    r = c6("js/empty_shapes.js")
    assert r.code == 0, r
    assert r.console() == [ONE] * 6, r.console()
