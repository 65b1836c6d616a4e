#!/usr/bin/env python3
"""Writes the safetensors seed corpus (corpus/safetensors/): tiny valid files in the layout
core/io/safetensors.hpp describes, each a few hundred bytes. Run from anywhere; rerun only to
change the seeds (the bytes are committed)."""
import json
import pathlib
import struct

OUT = pathlib.Path(__file__).resolve().parent / "corpus" / "safetensors"


def safetensors(tensors, metadata=None):
    """tensors: [(name, dtype, shape, raw little-endian bytes)] laid out in order."""
    header, data = {}, b""
    if metadata:
        header["__metadata__"] = metadata
    for name, dtype, shape, raw in tensors:
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-(8 + len(text)) % 8)
    return struct.pack("<Q", len(text)) + text + data


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    seeds = {
        "gpt2_like.safetensors": safetensors(
            [
                ("wte.weight", "F32", [3, 2], struct.pack("<6f", 0.5, -1.0, 2.0, 0.0, 1e-3, -7.25)),
                ("h.0.ln_1.weight", "BF16", [2], struct.pack("<2H", 0x3F80, 0xC000)),
                ("h.0.attn.bias", "F16", [1, 1, 2, 2], struct.pack("<4H", 0x3C00, 0, 0x3C00, 0x3C00)),
            ],
            {"format": "pt"},
        ),
        "mixed_dtypes.safetensors": safetensors(
            [
                ("step", "I64", [], struct.pack("<q", 42)),
                ("scale", "F64", [2], struct.pack("<2d", 1.5, -0.25)),
                ("mask", "BOOL", [3], b"\x01\x00\x01"),
                ("empty", "I32", [0, 4], b""),
                ("ids", "U8", [2], b"\x07\xff"),
            ]
        ),
        "no_tensors.safetensors": safetensors([]),
    }
    for name, data in seeds.items():
        (OUT / name).write_bytes(data)
        print(f"{OUT / name}: {len(data)} bytes")


if __name__ == "__main__":
    main()
