#!/usr/bin/env python3
"""Copy a few glyphs of the 2017 render suite's NotoCJK font into the oracle suite.

    python3 tools/oracle/trim_glyphs.py [SHARED]      (SHARED defaults to ../shared)

Reads SHARED/conformance/assets/glyphs/NotoCJK/RANGE.pbf (MapLibre's test
fixtures, see the suite's licence file) and writes
tests/oracle/assets/glyphs/NotoCJK/RANGE.pbf holding only the glyphs of TEXT
(and their vertical punctuation forms), so CJK styles stay small. Each glyph
message is copied byte for byte; a range without any of them is written
empty (a valid PBF with the stack and range). Standard library only.
"""
import os
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
# The characters the symbol-line CJK styles use, with the vertical forms of
# their punctuation (MapLibre's verticalizePunctuation).
TEXT = "中山路北京大道（）「」—：︵︶﹁﹂︱︰"


def varint(buf, i):
    shift = value = 0
    while True:
        b = buf[i]
        i += 1
        value |= (b & 0x7F) << shift
        shift += 7
        if b < 0x80:
            return value, i


def put_varint(v):
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        out.append(b | (0x80 if v else 0))
        if not v:
            return bytes(out)


def fields(buf):
    """(field number, wire type, raw bytes of the whole field, payload) of a message."""
    i = 0
    while i < len(buf):
        start = i
        key, i = varint(buf, i)
        num, wire = key >> 3, key & 7
        if wire == 0:
            val, i = varint(buf, i)
        elif wire == 2:
            n, i = varint(buf, i)
            val = buf[i:i + n]
            i += n
        elif wire == 5:
            val = buf[i:i + 4]
            i += 4
        elif wire == 1:
            val = buf[i:i + 8]
            i += 8
        else:
            raise ValueError("wire type %d" % wire)
        yield num, wire, buf[start:i], val


def trim(data, keep):
    out = bytearray()
    for num, wire, raw, stack in fields(data):
        if num != 1 or wire != 2:
            continue
        body = bytearray()
        for n2, w2, raw2, val2 in fields(stack):
            if n2 == 3:
                gid = next((v for n3, _, _, v in fields(val2) if n3 == 1), None)
                if gid not in keep:
                    continue
            body += raw2
        out += put_varint((1 << 3) | 2) + put_varint(len(body)) + body
    return bytes(out)


def main():
    shared = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "..", "shared")
    src = os.path.join(shared, "conformance", "assets", "glyphs", "NotoCJK")
    dst = os.path.join(ROOT, "tests", "oracle", "assets", "glyphs", "NotoCJK")
    os.makedirs(dst, exist_ok=True)
    keep = {ord(c) for c in TEXT}
    for start in sorted({c // 256 * 256 for c in keep} | {0}):
        name = "%d-%d.pbf" % (start, start + 255)
        with open(os.path.join(src, name), "rb") as f:
            data = trim(f.read(), keep)
        with open(os.path.join(dst, name), "wb") as f:
            f.write(data)
        print("wrote", name, len(data), "bytes")


if __name__ == "__main__":
    main()
