// The same empty VU twice: with __ENV.TOUCH set, its init reads every lazily
// built intrinsic's global (the context then holds what stock QuickJS builds
// at once); without, none of them (tests/integration/test_lazy_intrinsics.py).
if (__ENV.TOUCH) [Map, Set, WeakMap, WeakSet, ArrayBuffer, Uint8Array, DataView, WeakRef, FinalizationRegistry, Date, RegExp];
export default function () {}
