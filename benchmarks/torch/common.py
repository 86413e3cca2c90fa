"""Shared helpers for the PyTorch side of the benchmarks.

Each bench_*.py prints one JSON object {"rows": [{"name", "time_ns", ...}], "torch": version}
whose row names match the Google Benchmark names of the C++ binary of the same family
(without the "/real_time" suffix), so benchmarks/compare.py can pair them.
"""
import argparse
import json
import re
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


def run_rows(rows):
    """The command line of every bench_<family>.py: times the rows of rows(threads) and prints JSON.

    rows(threads) yields (name, threads, make) where make() builds the function to time.
      --min-time S    seconds per row (default 0.3)
      --filter REGEX  run only rows whose name matches
      --threads 1,2   thread counts
    """
    import torch

    ap = argparse.ArgumentParser()
    ap.add_argument("--min-time", type=float, default=0.3)
    ap.add_argument("--filter", default="")
    ap.add_argument("--threads", default="1,2")
    args = ap.parse_args()
    threads = [int(t) for t in args.threads.split(",")]
    pattern = re.compile(args.filter)
    out = []
    for name, t, make in rows(threads):
        if not pattern.search(name):
            continue
        torch.set_num_threads(t)
        torch.manual_seed(0)
        fn = make()
        ns, iters = measure(fn, min_time=args.min_time)
        out.append({"name": name, "time_ns": ns, "iterations": iters, "threads": t})
    emit(out)
