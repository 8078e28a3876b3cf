// A module with a tagged template (tests/integration/test_shared_runtime.py):
// its strings array is an object of one context, so this module's compiled
// function is not shared between VUs (JS_ShareFunction); each VU gets
// its own array, the same one at each evaluation of the template.
export function strings() { return ((s) => s)`a${1}b`; }
