/* test_ts.c - TypeScript type erasure: the types become spaces, everything
 * else (JavaScript, newlines, columns) stays as it was. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "js/ts.h"

static void strip_is(const char *in, const char *want) {
    char err[200] = "";
    char *out = ts_strip(in, strlen(in), err, sizeof err);
    if (!out) fail_msg("ts_strip(\"%s\") failed: %s", in, err);
    assert_int_equal(strlen(out), strlen(in));
    assert_string_equal(out, want);
    free(out);
}

static void same(const char *in) { strip_is(in, in); }

static void strip_fails(const char *in, const char *msg) {
    char err[200] = "";
    char *out = ts_strip(in, strlen(in), err, sizeof err);
    assert_null(out);
    assert_non_null(strstr(err, msg));
}

static void test_names(void **state) {
    (void)state;
    assert_true(ts_is_ts("/a/script.ts"));
    assert_true(ts_is_ts("lib.mts"));
    assert_false(ts_is_ts("script.js"));
    assert_false(ts_is_ts("ts"));
    assert_false(ts_is_ts("a.d.tsx"));
}

static void test_javascript_unchanged(void **state) {
    (void)state;
    same("const o = { a: 1, b: c ? d : e, [k]: f(x) };\n");
    same("let x = a < b && c > (d);\nif (a)!b && c();\n");
    same("const re = /a:b\\/c/g, d = x / 2 / y;\n");
    same("loop: for (let i = 0; i < n; i++) { continue loop; }\n");
    same("switch (x) {\n  case 1:\n    const y = 2\n    break\n  default:\n    z()\n}\n");
    same("const t = `a ${b ? `c:${d}` : 'e'} f`; const s = 'x: y';\n");
    same("export default function (data) { return data.a ? data.b : { c: 1 }; }\n");
    same("const f = (a, b = { c: 1 }) => ({ a, b }); x = a ? (b) : c;\n");
    same("import { a as b } from './x.js'; export { b as c };\nexport * as ns from './y.js';\n");
}

static void test_annotations(void **state) {
    (void)state;
    strip_is("const x: number = 1, y: string[] = [];", "const x         = 1, y           = [];");
    strip_is("function f(a: A<B>, b?: C): D | E {}", "function f(a      , b    )        {}");
    strip_is("const g = (a: number): Promise<void> => a;", "const g = (a        )                => a;");
    strip_is("let h: (a: X) => Y = (a) => a;", "let h              = (a) => a;");
    strip_is("const o = { m(a: T): U { return a; } };", "const o = { m(a   )    { return a; } };");
    strip_is("try {} catch (e: unknown) {}", "try {} catch (e         ) {}");
    strip_is("let v: { a: number; b: 'x' | 'y' }\nv = 1", "let v                             \nv = 1");
}

static void test_declarations(void **state) {
    (void)state;
    strip_is("interface A extends B { x: number }\nlet a = 1;", "                                   \nlet a = 1;");
    strip_is("type T<K> = { [k in K]: string };\nx();", "                                 \nx();");
    strip_is("export type U = 'a' | 'b'\nexport const u = 1;", "                         \nexport const u = 1;");
    strip_is("declare const __ENV: any;\nx();", "                         \nx();");
    strip_is("import type { A } from 'k6/http';\nimport { type B, c } from './c.ts'; c();",
             "                                 \nimport {         c } from './c.ts'; c();");
    strip_is("export default interface I { a: 1 }\nx();", "                                   \nx();");
    strip_is("export type { A } from './a.ts';", "                                ");
    strip_is("function f(a: string): void;\nfunction f(a: any) {}",
             "                            \nfunction f(a     ) {}");
}

static void test_expressions(void **state) {
    (void)state;
    strip_is("const r = res as Foo<Bar>; const s = {} satisfies S;",
             "const r = res            ; const s = {}            ;");
    strip_is("a!.b; f(c!, d!); e![0];", "a .b; f(c , d ); e [0];");
    strip_is("const m = new Map<string, number[]>(); f<T>(x);", "const m = new Map                  (); f   (x);");
    strip_is("const id = <T,>(x: T): T => x;", "const id =     (x   )    => x;");
    strip_is("const n = <number>x;", "const n =         x;");
}

static void test_type_only_imports_dropped(void **state) {
    (void)state;
    strip_is("import { Options } from 'k6/options';\nlet o: Options;",
             "                                     \nlet o         ;");
    strip_is("import http, { Params, get } from 'k6/http';\nlet p: Params = get(x);",
             "import       {         get } from 'k6/http';\nlet p         = get(x);");
    strip_is("import d, * as ns from './a.ts';\nf(`${ns.x}`);", "import    * as ns from './a.ts';\nf(`${ns.x}`);");
    strip_is("import { a as b, c } from './a.ts';\nb.c();", "import { a as b    } from './a.ts';\nb.c();");
    same("import './side.ts';\nimport { x } from './x.ts';\nx();\n");
}

static void test_classes(void **state) {
    (void)state;
    strip_is("abstract class A<T> extends B<T> implements C, D {\n"
             "  private readonly x: T[] = [];\n"
             "  y?: string;\n"
             "  z!: number;\n"
             "  abstract m(): void;\n"
             "  public n(a: T): this { return this; }\n"
             "}",
             "         class A    extends B                    {\n"
             "                   x      = [];\n"
             "  y         ;\n"
             "  z         ;\n"
             "                     \n"
             "         n(a   )       { return this; }\n"
             "}");
}

static void test_needs_code(void **state) {
    (void)state;
    strip_fails("const a = 1;\nenum E { A, B }", "TypeScript enum is not supported by c6's type stripping (line 2)");
    strip_fails("const enum E { A }", "enum");
    strip_fails("namespace N { export const a = 1; }", "namespace");
    strip_fails("class P { constructor(private x: number) {} }", "parameter propert");
}

/* Every prefix of a script is handled without reading past its end. */
static void test_truncated_input(void **state) {
    (void)state;
    const char *src = "import { type A } from 'a.ts';\ninterface I<T> { a: T }\n"
                      "class C<T> implements I<T> { a!: T; m<U>(x: U): `t${1}` { return x as any; } }\n"
                      "const f = <T,>(a: T[]): a is T[] => /x[/]/.test(`${a}`) ? a! : { b: 1 }; /* c";
    size_t n = strlen(src);
    for (size_t k = 0; k <= n; k++) {
        char *in = malloc(k ? k : 1);
        memcpy(in, src, k);
        char err[200];
        char *out = ts_strip(in, k, err, sizeof err);
        if (out) assert_int_equal(strlen(out), k);
        free(out);
        free(in);
    }
}

/* A script ending in `namespace` or `module` (found by tests/fuzz/fuzz_ts.c):
 * the token after it was read before checking there is one, past the end
 * of the token array when the tokens fill it (256 here; heap overflow under
 * make asan). The word is kept as JavaScript. */
static void test_namespace_at_end(void **state) {
    (void)state;
    char src[300];
    memset(src, ';', 255);
    strcpy(src + 255, "namespace");
    same(src);
    memcpy(src + 255, "module", 7);
    same(src);
    same("namespace");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),           cmocka_unit_test(test_javascript_unchanged),
        cmocka_unit_test(test_annotations),     cmocka_unit_test(test_declarations),
        cmocka_unit_test(test_expressions),     cmocka_unit_test(test_type_only_imports_dropped),
        cmocka_unit_test(test_classes),         cmocka_unit_test(test_needs_code),
        cmocka_unit_test(test_truncated_input), cmocka_unit_test(test_namespace_at_end),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
