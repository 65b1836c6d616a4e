#!/usr/bin/python3
"""The matrix products of one GPT-2-small forward, through numpy on the BLAS it links.

The reference side of bench/bench_hf.cpp: the same products attnviz's forward does, at the same
shapes, in float32, and nothing else (no softmax, norms, GELU or masks): per layer x·W_Q, x·W_K,
x·W_V [n, 768]·[768, 768], per head Q·Kᵀ [n, 64]·[64, n] and A·V [n, n]·[n, 64] (12 heads, full
n×n as attnviz computes them), concat·W_O, the MLP's [n, 768]·[768, 3072] and [n, 3072]·[3072, 768];
then the unembedding [n, 768]·[768, 50257]. Prints one JSON line: the best of --repeats, the
BLAS library numpy loaded and, for OpenBLAS, the kernel it chose for this CPU and its threads.
"""
import argparse
import ctypes
import json
import time

import numpy as np


def blas_info():
    path = ""
    with open("/proc/self/maps") as maps:
        for line in maps:
            name = line.split()[-1]
            base = name.rsplit("/", 1)[-1]
            if base.startswith(("libblas.so", "libopenblas")) and not path.rsplit("/", 1)[-1].startswith("libopenblas"):
                path = name
    info = {"library": path, "kernel": "unknown", "threads": 0}
    try:
        lib = ctypes.CDLL(path)
        lib.openblas_get_corename.restype = ctypes.c_char_p
        info["kernel"] = lib.openblas_get_corename().decode()
        info["threads"] = lib.openblas_get_num_threads()
    except (OSError, AttributeError):
        pass
    return info


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, required=True)
    ap.add_argument("--repeats", type=int, default=3)
    a = ap.parse_args()
    n, d, h, f, V, L = a.n, 768, 12, 3072, 50257, 12
    dh = d // h
    rng = np.random.default_rng(1)
    w = lambda *shape: (rng.standard_normal(shape, dtype=np.float32) * 0.02)
    layers = [dict(q=w(d, d), k=w(d, d), v=w(d, d), o=w(d, d), up=w(d, f), down=w(f, d)) for _ in range(L)]
    U = w(V, d)
    x = rng.standard_normal((n, d), dtype=np.float32)

    def forward():
        for p in layers:
            q = (x @ p["q"]).reshape(n, h, dh).transpose(1, 0, 2)  # [h, n, dh]
            k = (x @ p["k"]).reshape(n, h, dh).transpose(1, 0, 2)
            v = (x @ p["v"]).reshape(n, h, dh).transpose(1, 0, 2)
            s = q @ k.transpose(0, 2, 1)                           # [h, n, n]
            o = (s @ v).transpose(1, 0, 2).reshape(n, d)           # [n, d] concat
            _ = o @ p["o"]
            _ = (x @ p["up"]) @ p["down"]
        return x @ U.T                                             # [n, V]

    forward()  # warm-up: thread pool and page faults
    best = float("inf")
    for _ in range(a.repeats):
        t0 = time.perf_counter()
        forward()
        best = min(best, time.perf_counter() - t0)
    flops = L * (2 * n * d * d * 4 + 4 * n * n * d + 4 * n * d * f) + 2 * n * d * V
    print(json.dumps({"n": n, "seconds": best, "gflop": flops / 1e9, **blas_info()}))


if __name__ == "__main__":
    main()
