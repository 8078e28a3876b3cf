"""UTF-8 text that becomes a JS string, and a JS string that goes back to
UTF-8, with non-ASCII characters at every offset around an eight-byte
boundary (issue 17: scripts/quickjs-ascii-scan.patch finds all-ASCII text
32 then eight bytes at a time, and the last 1 to 7 bytes as the 8 that end
the text, in QuickJS's JS_NewStringLen and JS_ToCStringLen2; the bytes
before, at and after the first non-ASCII one must come out as before).
open() decodes the file's UTF-8 into strings; console.log encodes them back;
k6/encoding's b64decode(..., 's') makes a string of each text's bytes
(JS_NewStringLen), an invalid byte (0xFF) becoming U+FFFD as Go's string
conversion does."""
import base64
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


SCRIPT_B64 = """
import encoding from 'k6/encoding';
const cases = JSON.parse(open('./cases.json'));
export const options = { vus: 1, iterations: 1 };
export default function () {
  let bad = 0;
  for (const [b64, want] of cases) {
    const got = encoding.b64decode(b64, 'std', 's');
    if (got !== want) {
      bad++;
      console.log('MISMATCH ' + JSON.stringify([b64, want, got]));
    }
    console.log(JSON.stringify([got.length]) + ' ' + got);
  }
  console.log('checked ' + cases.length + ' bad ' + bad);
}
"""


def test_each_text_of_up_to_72_bytes_becomes_the_same_string(c6, tmp_path):
    # every length up to 72 (two 32-byte steps, an 8-byte one, the last 1-7
    # bytes), a non-ASCII character or an invalid byte at every offset
    texts = []
    for n in range(0, 73):
        ascii_text = "".join(chr(0x21 + (i % 90)) for i in range(n)).encode()
        texts.append(ascii_text)
        for at in range(0, n + 1):
            for ch in ("\u00e9".encode(), "\U0001F600".encode(), b"\xff"):
                texts.append(ascii_text[:at] + ch + ascii_text[at:])
    cases = [[base64.b64encode(t).decode(), t.decode("utf-8", "replace")] for t in texts]
    (tmp_path / "cases.json").write_text(json.dumps(cases))
    (tmp_path / "s.js").write_text(SCRIPT_B64)
    r = c6(str(tmp_path / "s.js"), "-q", "--log-format", "raw", cwd=str(tmp_path))
    assert r.code == 0, r
    lines = r.err.splitlines()
    assert f"checked {len(cases)} bad 0" in lines, [l for l in lines if not l.startswith("[")][:5]
    got = [l for l in lines if l.startswith("[")]
    assert len(got) == len(cases) > 8000, len(got)
    for line, (_, w) in zip(got, cases):
        meta, _, text = line.partition("] ")
        assert json.loads(meta + "]") == [len(w.encode("utf-16-le")) // 2], (line, w)
        assert text == w, (line, w)
