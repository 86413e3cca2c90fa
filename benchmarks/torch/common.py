"""Shared helpers for the PyTorch side of the benchmarks.

Each bench_*.py prints one JSON object {"rows": [{"name", "time_ns", ...}], "torch": version}
whose row names match the Google Benchmark names of the C++ binary of the same family
(without the "/real_time" suffix), so benchmarks/compare.py can pair them.
"""
import argparse
import json
import os
import re
import statistics
import sys
import time


def measure(fn, min_time=0.3, repeats=5, warmup=5):
    """Wall time of one call of fn in each of `repeats` timed blocks, in nanoseconds.

    Calls fn `warmup` times, then picks a block size that takes about min_time / repeats seconds
    and times `repeats` blocks with time.perf_counter. Returns (block means, calls timed): the
    same kind of sample as one Google Benchmark repetition on the C++ side.
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
        samples.append((time.perf_counter() - t0) / per_block * 1e9)
    return samples, per_block * repeats


# Shared libraries that do PyTorch's dense math; which ones a process maps decides how fast its
# Linear layers and some convolutions run.
MATH_LIBRARIES = re.compile(r"lib(open)?blas|libblis|libflexiblas|libmkl|libdnnl|liblapack")


def math_libraries():
    """Paths of the BLAS / LAPACK / oneDNN libraries this process has mapped (after importing torch)."""
    import torch  # noqa: F401  (loads them)

    found = set()
    try:
        with open("/proc/self/maps") as f:
            for line in f:
                fields = line.split()  # address perms offset dev inode [path]
                path = fields[5] if len(fields) >= 6 else ""
                if MATH_LIBRARIES.search(os.path.basename(path)):
                    found.add(path)
    except OSError:
        pass
    return sorted(found)


def openblas_core():
    """The kernel set OpenBLAS chose for this CPU (openblas_get_corename), or None without OpenBLAS.

    OpenBLAS picks its kernels by CPU model number, so a release older than the CPU takes it for
    an old one: Debian 12's 0.3.21 runs SSE3 "Prescott" kernels on an Emerald Rapids Xeon.
    """
    import ctypes

    for path in math_libraries():
        if "openblas" in os.path.basename(path):
            try:
                lib = ctypes.CDLL(path)  # the copy torch already mapped: same library, same state
                lib.openblas_get_corename.restype = ctypes.c_char_p
                return lib.openblas_get_corename().decode()
            except (OSError, AttributeError):
                return None
    return None


def cpu_capability():
    """The instruction set of ATen's own vectorised kernels ("default", "avx2", "avx512"), which
    ATEN_CPU_CAPABILITY caps, or None when this PyTorch does not say.

    torch.backends.cpu.get_cpu_capability() names it in newer releases; 1.13 only prints it in
    torch.__config__.show() ("CPU capability usage: AVX2", "NO AVX" for the default kernels).
    """
    import torch

    try:
        from torch.backends import cpu
        name = cpu.get_cpu_capability()
    except (ImportError, AttributeError):
        m = re.search(r"CPU capability usage: (.+)", torch.__config__.show())
        if not m:
            return None
        name = m.group(1).strip()
    name = name.lower()
    return "default" if name == "no avx" else name


# oneDNN's dnnl_cpu_isa_t values (dnnl_types.h), named as ONEDNN_MAX_CPU_ISA spells them (lower case).
ONEDNN_ISAS = {0x1: "sse41", 0x3: "avx", 0x7: "avx2", 0x407: "avx2_vnni", 0x27: "avx512_core",
               0x67: "avx512_core_vnni", 0xe7: "avx512_core_bf16", 0x3e7: "avx512_core_amx"}


def onednn_isa():
    """The instruction set oneDNN's kernels use on this CPU (dnnl_get_effective_cpu_isa, which
    ONEDNN_MAX_CPU_ISA caps), or None when PyTorch maps no oneDNN library of its own."""
    import ctypes

    for path in math_libraries():
        if os.path.basename(path).startswith("libdnnl"):
            try:
                isa = ctypes.CDLL(path).dnnl_get_effective_cpu_isa()
            except (OSError, AttributeError):
                return None
            return ONEDNN_ISAS.get(isa, f"0x{isa:x}")
    return None


def runtime():
    """What compare.py reports about the PyTorch side before it times anything."""
    import torch

    return {"torch": torch.__version__, "math_libraries": math_libraries(), "openblas_core": openblas_core(),
            "cpu_capability": cpu_capability(), "onednn_isa": onednn_isa()}


def emit(rows):
    import torch

    json.dump({"torch": torch.__version__, "rows": rows}, sys.stdout, indent=1)
    sys.stdout.write("\n")


def main_runtime():
    json.dump(runtime(), sys.stdout)
    sys.stdout.write("\n")


def run_rows(rows):
    """The command line of every bench_<family>.py: times the rows of rows(threads) and prints JSON.

    rows(threads) yields (name, threads, make) where make() builds the function to time.
      --min-time S    seconds per row (default 0.3)
      --filter REGEX  run only rows whose name matches
      --threads 1,2   thread counts
      --repeats N     timed blocks per row (default 5); each row reports every block and their median
    """
    import torch

    ap = argparse.ArgumentParser()
    ap.add_argument("--min-time", type=float, default=0.3)
    ap.add_argument("--filter", default="")
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    if args.repeats < 1:
        ap.error(f"--repeats must be at least 1, got {args.repeats}")
    threads = [int(t) for t in args.threads.split(",")]
    pattern = re.compile(args.filter)
    out = []
    for name, t, make in rows(threads):
        if not pattern.search(name):
            continue
        torch.set_num_threads(t)
        torch.manual_seed(0)
        fn = make()
        blocks, iters = measure(fn, min_time=args.min_time, repeats=args.repeats)
        out.append({"name": name, "time_ns": statistics.median(blocks), "samples_ns": blocks, "iterations": iters,
                    "threads": t})
    emit(out)
