#!/usr/bin/env python3
"""Where the bytes of a wasm file go: code size per crate, and the data segments.

Usage: wasm_breakdown.py FILE.wasm [TOP]

FILE must still have its `name` section (wasm-bindgen output without
--remove-name-section), whose function names wasm-bindgen has demangled. Each function body
is charged to the crate its name starts with (`<T as tokio::io::AsyncRead>::poll` is
charged to the first path inside the angle brackets, so to the type's crate; methods of
primitive types to `core`); functions without a name are `?`. Prints the TOP (default 12) crates by code bytes, then the totals.
"""

from __future__ import annotations

import re
import sys
from collections import Counter


def leb(data: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return result, pos


def sections(data: bytes):
    pos = 8
    while pos < len(data):
        sid = data[pos]
        size, pos = leb(data, pos + 1)
        yield sid, data[pos : pos + size]
        pos += size


def imported_functions(payload: bytes) -> int:
    count, pos = leb(payload, 0)
    functions = 0
    for _ in range(count):
        for _ in range(2):  # module, field
            length, pos = leb(payload, pos)
            pos += length
        kind = payload[pos]
        pos += 1
        if kind == 0:  # func: type index
            _, pos = leb(payload, pos)
            functions += 1
        elif kind == 1:  # table: reftype, limits
            pos += 1
            flags, pos = leb(payload, pos)
            _, pos = leb(payload, pos)
            if flags & 1:
                _, pos = leb(payload, pos)
        elif kind == 2:  # memory: limits
            flags, pos = leb(payload, pos)
            _, pos = leb(payload, pos)
            if flags & 1:
                _, pos = leb(payload, pos)
        elif kind == 3:  # global: valtype, mut
            pos += 2
        elif kind == 4:  # tag
            pos += 1
            _, pos = leb(payload, pos)
    return functions


def function_names(payload: bytes) -> dict[int, str]:
    length, pos = leb(payload, 0)
    if payload[pos : pos + length] != b"name":
        return {}
    pos += length
    names: dict[int, str] = {}
    while pos < len(payload):
        sub = payload[pos]
        size, pos = leb(payload, pos + 1)
        end = pos + size
        if sub == 1:
            count, p = leb(payload, pos)
            for _ in range(count):
                index, p = leb(payload, p)
                length, p = leb(payload, p)
                names[index] = payload[p : p + length].decode("utf-8", "replace")
                p += length
        pos = end
    return names


PRIMITIVES = re.compile(r"(str|char|bool|[iuf](8|16|32|64|128|size)|\[|\()\b")


def crate_of(name: str) -> str:
    name = name.lstrip("<&*").removeprefix("mut ").removeprefix("dyn ")
    if PRIMITIVES.match(name) or name.startswith(("[", "(")):
        return "core"
    match = re.match(r"([A-Za-z_][A-Za-z0-9_]*)(::|\[)", name)
    if match:
        return match.group(1)
    return name.split("::")[0][:40] or "?"


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    data = open(argv[0], "rb").read()
    top = int(argv[1]) if len(argv) > 1 else 12
    imports = 0
    bodies: list[int] = []
    names: dict[int, str] = {}
    data_bytes = 0
    for sid, payload in sections(data):
        if sid == 2:
            imports = imported_functions(payload)
        elif sid == 10:
            count, pos = leb(payload, 0)
            for _ in range(count):
                size, body = leb(payload, pos)
                bodies.append(body - pos + size)
                pos = body + size
        elif sid == 11:
            data_bytes = len(payload)
        elif sid == 0:
            names.update(function_names(payload))
    per_crate: Counter[str] = Counter()
    for i, size in enumerate(bodies):
        per_crate[crate_of(names.get(imports + i, "?"))] += size
    code = sum(bodies)
    print(f"{argv[0]}: {len(data)} bytes; code {code} in {len(bodies)} functions, data {data_bytes}")
    for crate, size in per_crate.most_common(top):
        print(f"  {size:>8}  {100 * size / code:5.1f}%  {crate}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
