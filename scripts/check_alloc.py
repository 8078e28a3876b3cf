#!/usr/bin/env python3
"""The allocation rule (issue 12): every malloc/calloc/realloc/strdup/strndup
result in src/ is checked. `make test` runs this; it prints each finding and
fails when there is one.

An allocation passes when its result
  - is assigned to a name (`p = malloc(..)`, `char *p = strdup(..)`, also a
    member or an element: `o->name = strdup(..)`) and that same name is tested
    for NULL within the next LOOKAHEAD lines (`!p`, `p == NULL`, `p != NULL`,
    `if (p)`, `p ?`, `p &&`, `p ||`, `(p)` alone in a condition);
  - is tested where it is made (`if (!(p = malloc(..)))`, `... ? ... :`);
  - is returned (`return strdup(..)`): the function's own callers check it
    (its comment says it returns NULL when out of memory);
  - or the line says why not in a comment: `/* alloc-ok: <why> */`.
realloc's result must not be assigned to its own first argument (the block
would leak when it fails): `q = realloc(p, n); if (!q) ...; p = q;`.
Wrappers that check for the caller (xrealloc, which aborts with a message;
buf_*/doc_* in util/buf.h, which return -1 / set oom) are not matched: only
the five libc names, called directly.
"""
import os
import re
import sys

LOOKAHEAD = 8
ALLOC = re.compile(r'(?<![\w.>])(malloc|calloc|realloc|strdup|strndup)\s*\(')
OK_MARK = 'alloc-ok:'


def strip_comments_and_strings(text):
    """Blank out comments, string and char literals (keeping line breaks)."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith('/*', i):
            j = text.find('*/', i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r'[^\n]', ' ', text[i:j]))
            i = j
        elif text.startswith('//', i):
            j = text.find('\n', i)
            j = n if j < 0 else j
            out.append(' ' * (j - i))
            i = j
        elif c in '"\'':
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == '\\' else 1
            out.append(c + re.sub(r'[^\n]', ' ', text[i + 1:j]) + c)
            i = j + 1
        else:
            out.append(c)
            i += 1
    return ''.join(out)


def call_end(code, start):
    """Index just past the ')' closing the call whose '(' is at start."""
    depth = 0
    for k in range(start, len(code)):
        if code[k] == '(':
            depth += 1
        elif code[k] == ')':
            depth -= 1
            if depth == 0:
                return k + 1
    return len(code)


def null_tested(name, text):
    n = re.escape(name)
    pats = [
        r'!\s*\(?\s*' + n + r'(?![\w\[.])(?!\s*->)',
        r'(?<![\w.>])' + n + r'\s*[!=]=\s*NULL',
        r'NULL\s*[!=]=\s*' + n + r'(?![\w\[.])',
        r'(?:if|while)\s*\(\s*' + n + r'\s*\)',
        r'(?<![\w.>])' + n + r'\s*(?:\?|&&|\|\|)',
        r'(?:&&|\|\|)\s*' + n + r'\s*(?:\)|&&|\|\|)',
        r'(?<![\w\])\s])\s*\(\s*' + n + r'\s*(?:&&|\|\|)',
    ]
    return any(re.search(p, text) for p in pats)


def check_file(path):
    raw = open(path, encoding='utf-8', errors='replace').read()
    code = strip_comments_and_strings(raw)
    raw_lines = raw.split('\n')
    findings = []
    for m in ALLOC.finditer(code):
        line_no = code.count('\n', 0, m.start()) + 1
        if OK_MARK in raw_lines[line_no - 1] or (line_no >= 2 and OK_MARK in raw_lines[line_no - 2]
                                                 and raw_lines[line_no - 2].strip().startswith(('/*', '//'))):
            continue
        fn = m.group(1)
        paren = m.end() - 1
        end = call_end(code, paren)
        # the statement around the call
        stmt_start = max(code.rfind(';', 0, m.start()), code.rfind('{', 0, m.start()),
                         code.rfind('}', 0, m.start())) + 1
        before = code[stmt_start:m.start()]
        stmt_end = code.find(';', end)
        stmt_end = len(code) if stmt_end < 0 else stmt_end
        after = code[end:stmt_end]
        # `return [cond ? ] alloc(..)`: the caller checks
        if re.search(r'\breturn\b', before):
            continue
        # the name it is assigned to (the last `name =` before the call, also
        # `name = cond ? alloc(..) : NULL`)
        am = None
        for am in re.finditer(r'(\*?[A-Za-z_][\w]*(?:\s*(?:->|\.)\s*[A-Za-z_]\w*|\s*\[[^\]]*\])*)\s*=(?!=)',
                              before):
            pass
        if fn == 'realloc' and am:
            first = code[paren + 1:end - 1].split(',')[0].strip()
            if re.sub(r'\s', '', first) == re.sub(r'\s', '', am.group(1)):
                findings.append((line_no, f'{fn}: result assigned to its own first argument (leaks when it fails)'))
                continue
        # tested where it is made: `!(p = alloc(..))`, `(p = alloc(..)) == NULL`, `if ((p = alloc(..)))`
        if am and (re.search(r'!\s*\(\s*$', before[:am.start()])
                   or re.search(r'(?:(?:if|while)\s*\(|&&|\|\|)\s*\(\s*$', before[:am.start()])):
            continue
        if re.match(r'\s*\)*\s*(?:\?|&&|\|\||[!=]=\s*NULL)', after):
            continue
        if not am:
            findings.append((line_no, f'{fn}: result not assigned to a name that is then checked'))
            continue
        name = re.sub(r'\s', '', am.group(1))
        if re.search(r'[\w*,\]}]\s*$', before[:am.start()]):   # `T *p = ...`: a declaration, not `*p = ...`
            name = name.lstrip('*')
        rest = code[stmt_end:]
        window = '\n'.join(rest.split('\n')[:LOOKAHEAD + 1])
        window = re.sub(r'\s*(->|\.)\s*', r'\1', window)
        if null_tested(name, window) or (name.startswith('*') and null_tested(name.lstrip('*'), window)):
            continue
        # a declaration `T *p = malloc(..), *q = ...;` tested further on as a group
        findings.append((line_no, f'{fn}: "{name}" not tested for NULL within {LOOKAHEAD} lines'))
    return findings


SELF_TEST = [   # (snippet, findings expected)
    ('char *p = malloc(8);\nmemcpy(p, "x", 1);\n', 1),
    ('char *p = malloc(8);\nif (!p) return -1;\n', 0),
    ('char *p = malloc(8);\nfree(p);\n', 1),                       # free(p) is no test
    ('p = realloc(p, 16);\nif (!p) return;\n', 1),                  # leaks the block on failure
    ('char *q = realloc(p, 16);\nif (!q) return;\np = q;\n', 0),
    ('if (!(s = strdup(x))) return NULL;\n', 0),
    ('if (n && !(s = strdup(x))) return NULL;\n', 0),
    ('return strdup(x);\n', 0),
    ('x->name = c ? strndup(a, n) : NULL;\nuse(x->name);\n', 1),
    ('x->name = c ? strndup(a, n) : NULL;\nif (c && !x->name) return -1;\n', 0),
    ('*out = malloc(n);\nif (!*out) return -1;\n', 0),
    ('s->v = calloc(4, 8); /* alloc-ok: tested by the caller */\n', 0),
    ('v = xrealloc(v, 8);\nw = js_malloc(ctx, 8);\n', 0),
    ('f(strdup(a));\n', 1),
]


def self_test():
    import tempfile
    bad = 0
    for snippet, want in SELF_TEST:
        with tempfile.NamedTemporaryFile('w', suffix='.c', delete=False) as f:
            f.write('void f(void) {\n' + snippet + '}\n')
        got = len(check_file(f.name))
        os.unlink(f.name)
        if got != want:
            print(f'check_alloc self-test: {want} finding(s) expected, {got} found in:\n{snippet}', file=sys.stderr)
            bad += 1
    return bad


def main(root):
    if self_test():
        return 2
    total = 0
    for d, _, files in os.walk(os.path.join(root, 'src')):
        for f in sorted(files):
            if not f.endswith(('.c', '.h')):
                continue
            p = os.path.join(d, f)
            for line, why in check_file(p):
                print(f'{os.path.relpath(p, root)}:{line}: {why}')
                total += 1
    if total:
        print(f'{total} unchecked allocation(s): check each result (see scripts/check_alloc.py)', file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), '..')))
