"""UTF-8 text that becomes a JS string, and a JS string that goes back to
UTF-8, with non-ASCII characters at every offset around an eight-byte
boundary (issue 17: scripts/quickjs-ascii-scan.patch finds all-ASCII text
eight bytes at a time in QuickJS's JS_NewStringLen and JS_ToCStringLen2;
the bytes before, at and after the first non-ASCII one must come out as
before). open() decodes the file's UTF-8 into strings; console.log encodes
them back."""
import json

CHARS = ["\u00e9", "\u20ac", "\U0001F600", "\u00ff"]


def lines():
    out = []
    for n in range(0, 26):  # length of the ASCII text around the character
        out.append("".join(chr(0x41 + (i % 26)) for i in range(n)))  # all ASCII
        for at in range(0, n + 1):
            for ch in CHARS:
                s = "".join(chr(0x61 + (i % 26)) for i in range(n))
                out.append(s[:at] + ch + s[at:])
    return out


SCRIPT = """
const text = open('./lines.txt');
export const options = { vus: 1, iterations: 1 };
export default function () {
  for (const l of text.split('\\n')) {
    console.log(JSON.stringify([l.length, Array.from(l).map((c) => c.codePointAt(0))]) + ' ' + l);
  }
}
"""


def test_text_around_eight_byte_boundaries_round_trips(c6, tmp_path):
    want = lines()
    (tmp_path / "lines.txt").write_bytes("\n".join(want).encode("utf-8"))
    (tmp_path / "s.js").write_text(SCRIPT)
    r = c6(str(tmp_path / "s.js"), "-q", "--log-format", "raw", cwd=str(tmp_path))
    assert r.code == 0, r
    got = [l for l in r.err.splitlines() if l.startswith("[")]
    assert len(got) == len(want) > 1400, (len(got), len(want))
    for line, w in zip(got, want):
        meta, _, text = line.partition("] ")
        length, cps = json.loads(meta + "]")
        # length in UTF-16 code units, as JS counts
        assert length == len(w.encode("utf-16-le")) // 2, (line, w)
        assert cps == [ord(c) for c in w], (line, w)
        assert text == w, (line, w)
