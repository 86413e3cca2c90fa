"""Shared helpers for the PyTorch side of the benchmarks.

Each bench_*.py prints one JSON object {"rows": [{"name", "time_ns", ...}], "torch": version}
whose row names match the Google Benchmark names of the C++ binary of the same family
(without the "/real_time" suffix), so benchmarks/compare.py can pair them.
"""
import json
import statistics
import sys
import time


def measure(fn, min_time=0.3, repeats=5, warmup=5):
    """Median wall time of one call of fn, in nanoseconds.

    Calls fn `warmup` times, then picks a block size that takes about min_time / repeats seconds
    and times `repeats` blocks with time.perf_counter; the median block mean is returned.
    """
    for _ in range(warmup):
        fn()
    n = 1
    while True:
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        dt = time.perf_counter() - t0
        if dt >= min_time / repeats / 2 or n >= 1 << 20:
            break
        n *= 2
    per_block = max(1, int(n * (min_time / repeats) / max(dt, 1e-9)))
    samples = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(per_block):
            fn()
        samples.append((time.perf_counter() - t0) / per_block)
    return statistics.median(samples) * 1e9, per_block * repeats


def emit(rows):
    import torch

    json.dump({"torch": torch.__version__, "rows": rows}, sys.stdout, indent=1)
    sys.stdout.write("\n")
