#!/usr/bin/env python3
"""How deep the VUs' coroutine stacks of a running c6 have ever gone (a
measurement, not a test; issue 17).

A page a VU's stack touched once stays resident for the whole run, so a VU's
stack costs the deepest it ever went, rounded up to pages. This reads every
stack slot of process PID through /proc/PID/mem and finds the lowest byte
that is not zero (a slot starts zeroed): the depth below the slot's top.
Prints how many stacks, their depths (min, median, p90, max) and how many
stacks keep 1, 2, 3... pages. With --frames BIN (the c6 binary the process
runs), also the return addresses left in the deepest stack, resolved with
addr2line: which frames went that deep.

    python3 bench/stack_depth.py PID [--frames build/c6]

Slots as src/vu/coro.c lays them out: with guard pages, a mapping of its own
per stack (VU_STACK_SIZE + the canary's page: 260 KB); without (many VUs),
slabs of 64 such slots after a page, each slot's top 64 bytes the canary of
the slot above it. Needs the right to read the process's memory (same user
with ptrace allowed, or root).
"""
import argparse
import statistics
import struct
import subprocess

SLOT = 256 * 1024 + 4096  # VU_STACK_SIZE (src/vu/vu.c) + the canary's page, as coro_new rounds it
SLAB = 64                 # CORO_SLAB_STACKS
CANARY = 64               # CORO_CANARY_WORDS * 8
PAGE = 4096


def stacks(pid):
    """(bottom, top) of every stack slot: its lowest address and the end of its usable part."""
    out = []
    with open(f"/proc/{pid}/maps") as f:
        for line in f:
            fields = line.split()
            a, b = (int(x, 16) for x in fields[0].split("-"))
            if not fields[1].startswith("rw") or len(fields) > 5:
                continue  # stacks are anonymous read-write mappings
            if b - a == SLOT:
                out.append((a, b))
            elif b - a == PAGE + SLAB * SLOT:
                base = a + PAGE
                out.extend((base + i * SLOT, base + (i + 1) * SLOT - CANARY) for i in range(SLAB))
    return out


def lowest_used(mem, bottom, top):
    """The lowest non-zero byte's address in [bottom, top), or None."""
    for pg in range(bottom, top, PAGE):
        try:
            mem.seek(pg)
            data = mem.read(min(PAGE, top - pg))
        except OSError:
            continue
        stripped = data.lstrip(b"\0")
        if stripped:
            return pg + len(data) - len(stripped)
    return None


def frames(pid, binary, mem, bottom, top):
    """Return addresses into binary's text in [bottom, top): (depth, function, file:line)."""
    text, base = [], None
    with open(f"/proc/{pid}/maps") as f:
        for line in f:
            fields = line.split()
            if len(fields) > 5 and fields[5].endswith(binary.split("/")[-1]):
                a, b = (int(x, 16) for x in fields[0].split("-"))
                base = a if base is None else base
                if "x" in fields[1]:
                    text.append((a, b))
    mem.seek(bottom)
    data = mem.read(top - bottom)
    hits = []
    for off in range(0, len(data) - 7, 8):
        v = struct.unpack_from("<Q", data, off)[0]
        if any(a <= v < b for a, b in text):
            hits.append((top - (bottom + off), hex(v - base)))
    if not hits:
        return []
    res = subprocess.run(["addr2line", "-f", "-s", "-e", binary] + [h[1] for h in hits],
                         capture_output=True, text=True, check=False).stdout.split("\n")
    return [(d, res[2 * i], res[2 * i + 1]) for i, (d, _) in enumerate(hits)]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("pid", type=int)
    ap.add_argument("--frames", metavar="BIN", help="the c6 binary: resolve the deepest stack's return addresses")
    args = ap.parse_args()
    depths = []
    deepest = None
    with open(f"/proc/{args.pid}/mem", "rb", 0) as mem:
        for bottom, top in stacks(args.pid):
            low = lowest_used(mem, bottom, top)
            if low is None or top - low <= CANARY:
                continue  # a slot no VU has used
            depths.append(top - low)
            if deepest is None or top - low > deepest[0]:
                deepest = (top - low, low, top)
        if not depths:
            raise SystemExit(f"stack_depth: no VU stacks found in process {args.pid}")
        depths.sort()
        pages = {}
        for d in depths:
            n = (d + PAGE - 1) // PAGE
            pages[n] = pages.get(n, 0) + 1
        print(f"{len(depths)} stacks: depth min {depths[0]} B, median {int(statistics.median(depths))} B, "
              f"p90 {depths[int(len(depths) * 0.9)]} B, max {depths[-1]} B")
        print("pages kept: " + ", ".join(f"{n} page{'s' if n > 1 else ''}: {c}" for n, c in sorted(pages.items())))
        if args.frames:
            print(f"deepest stack ({deepest[0]} B), return addresses from the deepest up:")
            for d, fn, where in frames(args.pid, args.frames, mem, deepest[1] - deepest[1] % 8, deepest[2])[:40]:
                print(f"  {d:6d} B  {fn}  {where}")


if __name__ == "__main__":
    main()
