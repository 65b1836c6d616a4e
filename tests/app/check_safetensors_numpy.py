"""trace.safetensors read by numpy as it is: every tensor equals trace.json's, bit for bit.

    python3 check_safetensors_numpy.py ATTNVIZ_EXE SCRATCH_DIR

Exports one configuration (causal, window, padding, ALiBi: masked cells and the bias; three
pre-LN layers with a GELU MLP and the full logits, so layers 1 and 2 are recomputed on the way
out) as JSON and as safetensors, then reads the binary file with nothing but the format's layout
and numpy (8-byte little-endian header length, JSON header, little-endian F32 data), and with the
`safetensors` package too when it is installed. Exit 77 (skipped) without numpy.
"""
import json
import shutil
import struct
import subprocess
import sys
from pathlib import Path

try:
    import numpy as np
except ImportError:
    print("numpy is not installed: skipped")
    sys.exit(77)

exe, scratch = sys.argv[1], Path(sys.argv[2])
shutil.rmtree(scratch, ignore_errors=True)
scratch.mkdir(parents=True)
flags = ["--text", "the cat <pad> sat on the mat", "--heads", "4", "--kv-heads", "2", "--causal", "--window", "3",
         "--padding", "0", "--pos", "alibi", "--layers", "3", "--mlp", "gelu", "--norm", "layer", "--logits", "full"]
for fmt in ("json", "safetensors"):
    subprocess.run([exe, "export", *flags, "--format", fmt, "--out", str(scratch / fmt)], check=True)

full = json.loads((scratch / "json" / "trace.json").read_text())
summary = json.loads((scratch / "safetensors" / "trace.json").read_text())
raw = (scratch / "safetensors" / "trace.safetensors").read_bytes()
(n,) = struct.unpack("<Q", raw[:8])
header = json.loads(raw[8:8 + n])
assert header.pop("__metadata__") == {"format": "attnviz-trace", "version": "2"}
# trace.json's tensors under one name each: the top level's, the model's logits, then every layer's.
expected = {name: entry for name, entry in full["tensors"].items()}
expected["stack.logits"] = full["logits"]
for layer in full["layers"]:
    for name, entry in layer["tensors"].items():
        expected[f"layers.{layer['layer']}.{name}"] = entry
assert list(header) == list(expected), (list(header), list(expected))
assert summary["tensors_file"] == "trace.safetensors" and "tensors" not in summary
assert summary["layers"] == [{"layer": l, "tensors_prefix": f"layers.{l}."} for l in range(3)], summary["layers"]
assert summary["logits"] == {"kind": "full", "shape": full["logits"]["shape"], "tensor": "stack.logits"}
for key in ("config", "tokens", "diagnostics", "stack", "next_token", "logit_lens", "head_scores", "vocab"):
    assert summary[key] == full[key], key

try:
    from safetensors.numpy import load_file
    loaded = load_file(str(scratch / "safetensors" / "trace.safetensors"))
except ImportError:
    loaded = None

worst = 0
for name, info in header.items():
    begin, end = info["data_offsets"]
    got = np.frombuffer(raw, dtype="<f4", count=(end - begin) // 4, offset=8 + n + begin).reshape(info["shape"])
    entry = expected[name]
    want = np.array([-np.inf if v is None else v for v in entry["data"]], dtype=np.float32).reshape(entry["shape"])
    assert info["dtype"] == "F32" and list(got.shape) == entry["shape"], name
    differ = int(np.count_nonzero(got.view(np.uint32) != want.view(np.uint32)))
    worst = max(worst, differ)
    if loaded is not None:
        assert np.array_equal(loaded[name], got), name
    print(f"{name:24} {str(entry['shape']):14} values differing in bits: {differ}")
print("safetensors package:", "checked too" if loaded is not None else "not installed")
print("PASS" if worst == 0 else "FAIL")
sys.exit(0 if worst == 0 else 1)
