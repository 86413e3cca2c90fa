#!/usr/bin/python3
"""aegan vs PyTorch, side by side: the one command behind scripts/bench.sh.

For every family with both a built binary <build>/benchmarks/bench_<family> and a script
benchmarks/torch/bench_<family>.py, runs the two alternately for --rounds rounds (aegan first in
even rounds, PyTorch first in odd ones, so slow drift on a shared machine hits both sides), pairs
the rows by name and prints, per row, the median (or --stat min) time of each side and the ratio
aegan / torch. Within a round each side times every row as --repetitions blocks of about
min-time / repetitions seconds (Google Benchmark repetitions; common.measure's blocks), and every
block is one sample: both sides are summarised by the same statistic over the same kind of sample.

Exit status: non-zero only when a benchmark fails to run or prints something unreadable; a slow
ratio is reported (the "status" column), never an error.

  benchmarks/compare.py [--build-dir build-bench] [--family dense] [--rounds 3] [--min-time 0.3]
                        [--repetitions 5] [--filter REGEX] [--threads 1,2] [--stat median|min] [--omp-wait-policy active|passive]
                        [--quiet SECONDS] [--nice N] [--markdown FILE] [--json FILE] [--allow-reference-blas]
                        [--openblas-coretype auto|keep|NAME] [--isa native|avx512|avx2|baseline] [--jobs N]

--isa limits both sides to one instruction set. native (the default) times the binaries already
built in --build-dir (scripts/bench.sh builds them with -march=native) and PyTorch as installed.
avx512, avx2 and baseline first configure and build, with -DAEGAN_NATIVE=OFF and -march=x86-64-v4,
-march=x86-64-v3 or no -march at all (the compiler's x86-64 default), a Release build of the
families' bench_<family> targets in build-bench-<isa> (or --build-dir; an existing build is reused
and rebuilt incrementally, --jobs N compile jobs), and run it with AEGAN_ISA=<isa>, which caps
aegan's run-time kernel choice. PyTorch then runs with ATEN_CPU_CAPABILITY (ATen's own kernels:
avx512, avx2, default), ONEDNN_MAX_CPU_ISA (AVX512_CORE, AVX2, SSE41) and OPENBLAS_CORETYPE
(SkylakeX, Haswell, Nehalem, even over one in the environment; an explicit --openblas-coretype
still wins), and compare.py checks that each library reports the set it was given. Refuses
(status 2) an ISA whose CPU flags /proc/cpuinfo lacks. The footer, the Markdown and the JSON name
each side's instruction sets.

Refuses to run (status 2) when PyTorch would use Debian's reference BLAS instead of an optimised one
(install libopenblas0-openmp), unless --allow-reference-blas. When OpenBLAS takes the CPU for one
without AVX (a release older than the CPU model), PyTorch runs with the OPENBLAS_CORETYPE the CPU's
flags allow (--openblas-coretype). The footer names the CPU, PyTorch's BLAS / oneDNN libraries and
OpenBLAS's kernels, since the ratios depend on all three.
"""
import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Targets from the performance, own-images and inference issues: aegan/torch ratio at or below
# these (default 1.0). Whole GAN steps, on MNIST (aegan_step, dcgan_step) and on colour images
# (emoji_aegan_step, dcgan64_step), at 0.5; the autoencoder alone at 0.6; a loaded generator's
# eval-mode forward (the inference family's *_generate rows) at 0.5. The encoder row has no
# target of its own beyond the default.
TARGETS = [(re.compile(r"^ae_step/"), 0.6), (re.compile(r"^(aegan|dcgan|emoji_aegan|dcgan64)_step(/|$)"), 0.5),
           (re.compile(r"^\w+_generate(/|$)"), 0.5)]


def target_for(name):
    for pattern, target in TARGETS:
        if pattern.search(name):
            return target
    return 1.0


class RunError(Exception):
    pass


NICENESS = None  # --nice: scheduling niceness for the benchmark processes


def _set_niceness():
    os.setpriority(os.PRIO_PROCESS, 0, NICENESS)


ENV = None  # --omp-wait-policy: the environment both sides run in
TORCH_ENV = {}  # variables for the PyTorch side only (OPENBLAS_CORETYPE, see openblas_coretype; --isa's caps)
AEGAN_ENV = {}  # variables for the aegan side only (AEGAN_ISA)


def torch_env():
    return dict(ENV if ENV is not None else os.environ, **TORCH_ENV)


def aegan_env():
    return dict(ENV if ENV is not None else os.environ, **AEGAN_ENV)


def run_json(cmd, env=None):
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env if env is not None else ENV,
                          preexec_fn=_set_niceness if NICENESS is not None else None)
    if proc.returncode != 0:
        raise RunError(f"{' '.join(cmd)} exited with {proc.returncode}:\n{proc.stderr[-4000:]}")
    try:
        return json.loads(proc.stdout)
    except json.JSONDecodeError as e:
        raise RunError(f"{' '.join(cmd)} printed no valid JSON ({e}):\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")


def to_ns(value, unit):
    return value * {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}[unit]


def run_aegan(binary, args):
    """{row: [ns per iteration of each repetition]} from one run of a Google Benchmark binary."""
    cmd = [binary, "--benchmark_format=json", f"--benchmark_min_time={args.min_time / args.repetitions:g}",
           f"--benchmark_repetitions={args.repetitions}"]
    if args.filter:
        cmd.append(f"--benchmark_filter={args.filter}")
    data = run_json(cmd, aegan_env())
    rows = {}
    for b in data.get("benchmarks", []):
        if b.get("run_type", "iteration") != "iteration":
            continue  # Google Benchmark's own mean/median/stddev rows
        if b.get("error_occurred"):
            raise RunError(f"{binary}: {b['name']}: {b.get('error_message', 'error')}")
        name = re.sub(r"/real_time$", "", b["name"])
        rows.setdefault(name, []).append(to_ns(b["real_time"], b.get("time_unit", "ns")))
    return rows, data.get("context", {})


def run_torch(script, args):
    """{row: [ns per call of each timed block]} from one run of a benchmarks/torch script."""
    cmd = [args.python, script, f"--min-time={args.min_time}", f"--threads={args.threads}",
           f"--repeats={args.repetitions}"]
    if args.filter:
        cmd.append(f"--filter={args.filter}")
    data = run_json(cmd, torch_env())
    return {r["name"]: r.get("samples_ns", [r["time_ns"]]) for r in data["rows"]}


def probe_torch(python, torch_dir):
    """The PyTorch side's version and math libraries (common.runtime), before anything is timed."""
    code = f"import sys; sys.path.insert(0, {torch_dir!r}); import common; common.main_runtime()"
    return run_json([python, "-c", code], torch_env())


# Debian's netlib BLAS (package libblas3), which python3-torch falls back to when no optimised BLAS
# is installed: its matrix products run several times slower than OpenBLAS's, so a table against it
# flatters aegan (on an AMD EPYC: PyTorch's dcgan step 584 ms against 116 ms with OpenBLAS).
REFERENCE_BLAS = re.compile(r"/blas/libblas\.so")
OPTIMISED_BLAS = re.compile(r"openblas|blis|mkl|flexiblas")


def reference_blas(libraries):
    """The reference BLAS PyTorch would run on, or None when an optimised one is mapped."""
    if any(OPTIMISED_BLAS.search(os.path.basename(p)) for p in libraries):
        return None
    return next((p for p in libraries if REFERENCE_BLAS.search(p)), None)


# OpenBLAS kernel sets without AVX. OpenBLAS falls back to one of these for a CPU model newer than
# its release (Debian 12's 0.3.21 runs "Prescott" SSE3 kernels on family 6 model 207, an Emerald
# Rapids Xeon), which made PyTorch's dcgan W=64 step 241 ms instead of 121-125 there and every
# ratio flatter aegan (0.22-0.29 instead of 0.27-0.47).
PRE_AVX_CORES = {"prescott", "core2", "penryn", "dunnington", "nehalem", "atom", "katmai", "coppermine",
                 "northwood", "banias", "opteron", "opteron_sse3", "barcelona", "bobcat", "athlon"}


def openblas_coretype(core, flags):
    """The OPENBLAS_CORETYPE that gives this CPU the kernels its vector units can run, when OpenBLAS
    chose a kernel set without AVX for a CPU that has AVX2 or AVX-512; else None."""
    if core is None or core.lower() not in PRE_AVX_CORES:
        return None
    if {"avx512f", "avx512bw", "avx512dq", "avx512vl"} <= flags:
        return "SkylakeX"
    if {"avx2", "fma"} <= flags:
        return "Haswell"
    return None


# --isa: per instruction set, aegan's compiler flags, the /proc/cpuinfo flags the CPU needs for them
# (x86-64-v2, -v3 and -v4 as the x86-64 psABI defines the levels; lzcnt, flag abm, is left out since
# every CPU with AVX2 and BMI2 has it and some virtual machines hide the flag), and the values that
# cap PyTorch's three kernel libraries at the same set: ATEN_CPU_CAPABILITY (ATen's own vectorised
# kernels), ONEDNN_MAX_CPU_ISA (convolutions; AVX512_CORE is AVX-512 F/CD/BW/DQ/VL, x86-64-v4's
# set, without VNNI or BF16; SSE41 is oneDNN's lowest) and OPENBLAS_CORETYPE (matrix products;
# Nehalem's kernels use no AVX).
X86_64_V2 = ["cx16", "lahf_lm", "popcnt", "pni", "sse4_1", "sse4_2", "ssse3"]
X86_64_V3 = X86_64_V2 + ["avx", "avx2", "bmi1", "bmi2", "f16c", "fma", "movbe", "xsave"]
ISAS = {
    "avx512": {"cxx_flags": "-march=x86-64-v4", "cpu_flags": X86_64_V3 + ["avx512f", "avx512bw", "avx512cd", "avx512dq", "avx512vl"],
               "aten": "avx512", "onednn": "AVX512_CORE", "openblas": "SkylakeX"},
    "avx2": {"cxx_flags": "-march=x86-64-v3", "cpu_flags": X86_64_V3,
             "aten": "avx2", "onednn": "AVX2", "openblas": "Haswell"},
    "baseline": {"cxx_flags": "", "cpu_flags": ["sse", "sse2"],
                 "aten": "default", "onednn": "SSE41", "openblas": "Nehalem"},
}
ISA_VARIABLES = ("ATEN_CPU_CAPABILITY", "ONEDNN_MAX_CPU_ISA", "OPENBLAS_CORETYPE")


def isa_refusal(isa):
    """Why this machine cannot run --isa isa (a message naming what it lacks), or None when it can."""
    machine = platform.machine()
    if machine.lower() not in ("x86_64", "amd64"):
        return f"--isa {isa} is an x86-64 instruction set and this machine is {machine}"
    flags = cpu_flags()
    missing = [f for f in ISAS[isa]["cpu_flags"] if f not in flags]
    if missing:
        return (f"this CPU cannot run --isa {isa} ({ISAS[isa]['cxx_flags'] or 'x86-64'}): /proc/cpuinfo lacks the "
                f"flag{'s' if len(missing) > 1 else ''} {', '.join(missing)}")
    return None


def build_benchmarks(build_dir, isa, families, jobs):
    """Configures build_dir as a Release build of the benchmarks for isa (again when it exists: cheap,
    and it resets the flags) and builds bench_<family> for each family."""
    configure = ["cmake", "-S", ROOT, "-B", build_dir, "-DCMAKE_BUILD_TYPE=Release", "-DAEGAN_NATIVE=OFF",
                 f"-DCMAKE_CXX_FLAGS={ISAS[isa]['cxx_flags']}", "-DAEGAN_BUILD_BENCHMARKS=ON",
                 "-DAEGAN_BUILD_TESTS=OFF", "-DAEGAN_BUILD_EXAMPLES=OFF", "-DAEGAN_INSTALL=OFF"]
    targets = [f"bench_{f}" for f in families]
    build = ["cmake", "--build", build_dir, "-j", str(jobs), "--target"] + targets
    print(f"compare.py: --isa {isa}: building {', '.join(targets)} in {build_dir}", file=sys.stderr, flush=True)
    proc = subprocess.run(configure, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RunError(f"{' '.join(configure)} exited with {proc.returncode}:\n{proc.stdout[-2000:]}{proc.stderr[-4000:]}")
    proc = subprocess.run(build, stdout=sys.stderr)  # the compiler's progress and errors, off the table's stdout
    if proc.returncode != 0:
        raise RunError(f"{' '.join(build)} exited with {proc.returncode}")


def build_flags(build_dir):
    """The instruction-set flags build_dir's CMakeCache.txt gives aegan's benchmarks, in words."""
    cache = {}
    try:
        with open(os.path.join(build_dir, "CMakeCache.txt")) as f:
            for line in f:
                key, sep, value = line.rstrip("\n").partition("=")
                if sep and not line.startswith(("#", "//")):
                    cache[key.partition(":")[0]] = value
    except OSError:
        return "flags unknown (no CMakeCache.txt)"
    flags = (["-march=native"] if cache.get("AEGAN_NATIVE", "").upper() in ("ON", "1", "TRUE", "YES") else []) + \
        [f for f in cache.get("CMAKE_CXX_FLAGS", "").split() if f.startswith("-m")]
    return " ".join(flags) or "no -march (the compiler's default)"


def first_cpu():
    """The first CPU's fields in /proc/cpuinfo ({} where there is none)."""
    fields = {}
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if not line.strip():
                    break
                key, _, value = line.partition(":")
                fields[key.strip()] = value.strip()
    except OSError:
        pass
    return fields


def cpu_flags():
    return set(first_cpu().get("flags", "").split())


def cpu_model():
    """The first CPU's model name with its family and model numbers (VMs often mask the name)."""
    fields = first_cpu()
    name = fields.get("model name", "?")
    if "cpu family" in fields and "model" in fields:
        name += f" (family {fields['cpu family']}, model {fields['model']})"
    return name


def runnable():
    """Processes running or ready to run right now (this one included), from /proc/stat."""
    try:
        with open("/proc/stat") as f:
            for line in f:
                if line.startswith("procs_running"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return None


def wait_quiet(timeout):
    """Waits until nothing but this process has been runnable for ~1 s, or timeout seconds pass.
    Returns True when the machine went quiet."""
    deadline = time.monotonic() + timeout
    streak = 0
    while time.monotonic() < deadline:
        n = runnable()
        if n is None:
            return False
        streak = streak + 1 if n <= 1 else 0
        if streak >= 10:
            return True
        time.sleep(0.1)
    return False


def loadavg():
    try:
        with open("/proc/loadavg") as f:
            return float(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def fmt_time(ns):
    if ns is None:
        return "-"
    if ns >= 1e6:
        return f"{ns / 1e6:.3f} ms"
    return f"{ns / 1e3:.1f} us"


def spread(samples):
    """(max - min) / median over a row's blocks: how noisy it was."""
    if len(samples) < 2:
        return 0.0
    return (max(samples) - min(samples)) / statistics.median(samples)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build-dir", help="where the bench_<family> binaries are (built): default build-bench, or "
                                        "build-bench-<isa> for --isa other than native")
    ap.add_argument("--family", action="append", help="bench family (e.g. dense); default: every pair found")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--min-time", type=float, default=0.3, help="seconds per row per round, each side")
    ap.add_argument("--repetitions", type=int, default=5,
                    help="timed blocks per row per round, each side; every block is one sample")
    ap.add_argument("--filter", default="", help="regex on row names, passed to both sides")
    ap.add_argument("--threads", default="1,2", help="thread counts for the PyTorch side (aegan rows are fixed)")
    ap.add_argument("--python", default="/usr/bin/python3", help="Python with Debian's python3-torch")
    ap.add_argument("--markdown", help="also write the table as Markdown to this file")
    ap.add_argument("--json", help="also write every sample as JSON to this file")
    ap.add_argument("--quiet", type=float, default=0, metavar="SECONDS",
                    help="before each run, wait up to SECONDS for no other runnable process (shared machines)")
    ap.add_argument("--nice", type=int, metavar="N",
                    help="run both sides at niceness N (e.g. -10; negative needs root) so that other jobs on a "
                         "shared machine yield the CPU while a benchmark runs")
    ap.add_argument("--omp-wait-policy", choices=["active", "passive"],
                    help="set OMP_WAIT_POLICY for both sides (both use libgomp). 'passive' keeps idle OpenMP "
                         "threads from spinning, the only setting that gives sane 2-thread timings when other jobs "
                         "share the cores; the default (unset) spins, which is fastest on an idle machine")
    ap.add_argument("--stat", choices=["median", "min"], default="median",
                    help="how the samples (timed blocks) of one row combine (min is the steadier on a busy machine)")
    ap.add_argument("--openblas-coretype", default="auto", metavar="auto|keep|NAME",
                    help="OPENBLAS_CORETYPE for the PyTorch side. auto (default): when OpenBLAS took this CPU for "
                         "one without AVX (an OpenBLAS older than the CPU), set the kernels the CPU's flags allow "
                         "(SkylakeX for AVX-512, Haswell for AVX2); keep: never set it; NAME: set it to NAME")
    ap.add_argument("--isa", choices=["native"] + list(ISAS), default="native",
                    help="instruction set for both sides. native (default): the binaries in --build-dir as built, "
                         "PyTorch as installed; avx512 / avx2 / baseline: build aegan's benchmarks with "
                         "-march=x86-64-v4 / -march=x86-64-v3 / no -march and AEGAN_ISA, and cap PyTorch's ATen, "
                         "oneDNN and OpenBLAS at the same set")
    ap.add_argument("--jobs", type=int, default=1, help="parallel compile jobs for --isa's build (default 1)")
    ap.add_argument("--allow-reference-blas", action="store_true",
                    help="time PyTorch even when it would run on Debian's reference (netlib) BLAS, whose slow "
                         "matrix products make every ratio look better than it is")
    args = ap.parse_args()
    if args.rounds < 1 or args.repetitions < 1 or args.min_time <= 0:
        ap.error(f"--rounds and --repetitions must be at least 1 and --min-time positive, got "
                 f"{args.rounds}, {args.repetitions} and {args.min_time:g}")
    if args.jobs < 1:
        ap.error(f"--jobs must be at least 1, got {args.jobs}")
    combine = statistics.median if args.stat == "median" else min
    global NICENESS, ENV
    NICENESS = args.nice
    if args.omp_wait_policy:
        ENV = dict(os.environ, OMP_WAIT_POLICY=args.omp_wait_policy.upper())
    isa = ISAS.get(args.isa)  # None for native
    if isa:
        refusal = isa_refusal(args.isa)
        if refusal:
            print(f"compare.py: {refusal}", file=sys.stderr)
            return 2
        AEGAN_ENV["AEGAN_ISA"] = args.isa
        TORCH_ENV.update(ATEN_CPU_CAPABILITY=isa["aten"], ONEDNN_MAX_CPU_ISA=isa["onednn"])
    build_dir = args.build_dir or os.path.join(ROOT, "build-bench" if args.isa == "native" else f"build-bench-{args.isa}")

    bench_dir = os.path.join(build_dir, "benchmarks")
    torch_dir = os.path.join(ROOT, "benchmarks", "torch")
    families = args.family
    if isa:  # built below: every family with a source and a PyTorch script
        have = os.path.join(ROOT, "benchmarks", "bench_{}.cpp")
        unknown = [f for f in families or [] if not os.path.exists(have.format(f))]
        if unknown:
            print(f"compare.py: no benchmarks/bench_{unknown[0]}.cpp", file=sys.stderr)
            return 2
    else:
        have = os.path.join(bench_dir, "bench_{}")
    if not families:
        families = sorted(
            f[len("bench_"):-len(".py")]
            for f in os.listdir(torch_dir)
            if f.startswith("bench_") and f.endswith(".py") and os.path.exists(have.format(f[len("bench_"):-len(".py")]))
        )
    if not families:
        print(f"compare.py: no bench_<family> {'source in benchmarks/' if isa else 'binary in ' + bench_dir} has a "
              f"PyTorch script in {torch_dir}", file=sys.stderr)
        return 2

    try:
        runtime = probe_torch(args.python, torch_dir)
    except (RunError, OSError) as e:
        print(f"compare.py: cannot run PyTorch with {args.python}: {e}", file=sys.stderr)
        return 1
    chosen_core = runtime.get("openblas_core")
    if args.openblas_coretype == "auto":
        # --isa's kernels wherever OpenBLAS is the BLAS; else the fix for an OpenBLAS older than the CPU
        coretype = (isa["openblas"] if chosen_core else None) if isa else openblas_coretype(chosen_core, cpu_flags())
    else:
        coretype = None if args.openblas_coretype == "keep" else args.openblas_coretype
    inherited = os.environ.get("OPENBLAS_CORETYPE")
    if isa and args.openblas_coretype == "auto" and coretype and inherited and inherited.lower() != coretype.lower():
        print(f"compare.py: --isa {args.isa} runs OpenBLAS with OPENBLAS_CORETYPE={coretype} instead of the "
              f"environment's {inherited} (--openblas-coretype {inherited} keeps it)", file=sys.stderr)
    if coretype and not (args.openblas_coretype == "auto" and inherited is not None and not isa):
        TORCH_ENV["OPENBLAS_CORETYPE"] = coretype
        try:
            runtime = probe_torch(args.python, torch_dir)
        except (RunError, OSError) as e:
            print(f"compare.py: cannot run PyTorch with OPENBLAS_CORETYPE={coretype}: {e}", file=sys.stderr)
            return 1
        if args.openblas_coretype == "auto" and not isa:
            print(f"compare.py: OpenBLAS took this CPU for a {chosen_core} (no AVX); PyTorch runs with "
                  f"OPENBLAS_CORETYPE={coretype} (OpenBLAS now says {runtime.get('openblas_core')}); "
                  "--openblas-coretype keep to time it as installed", file=sys.stderr)
    if isa:  # each library must report the set it was given (one that says nothing is named "?" below)
        reported = {"ATEN_CPU_CAPABILITY": runtime.get("cpu_capability"), "ONEDNN_MAX_CPU_ISA": runtime.get("onednn_isa"),
                    "OPENBLAS_CORETYPE": runtime.get("openblas_core")}
        wrong = [f"{var}={TORCH_ENV[var]} but it reports {reported[var]}" for var in ISA_VARIABLES
                 if var in TORCH_ENV and reported[var] and reported[var].lower() != TORCH_ENV[var].lower()]
        if wrong:
            print(f"compare.py: PyTorch does not run --isa {args.isa}: {'; '.join(wrong)}", file=sys.stderr)
            return 2
    libraries = runtime.get("math_libraries", [])
    slow_blas = reference_blas(libraries)
    if slow_blas and not args.allow_reference_blas:
        print(f"compare.py: PyTorch would run on the reference BLAS {slow_blas}, several times slower than an "
              "optimised one, and the ratios would flatter aegan. Install Debian's libopenblas0-openmp (the BLAS "
              "these tables were measured with), or pass --allow-reference-blas.", file=sys.stderr)
        return 2
    cpu = cpu_model()
    if isa:
        try:
            build_benchmarks(build_dir, args.isa, families, args.jobs)
        except (RunError, OSError) as e:
            print(f"compare.py: {e}", file=sys.stderr)
            return 1

    load_before = loadavg()
    if load_before is not None and load_before > 1.0:
        print(f"compare.py: load average {load_before:.2f} before starting: other processes are running, "
              "timings (2-thread rows above all) will be noisy", file=sys.stderr)
    noisy_runs = 0
    samples = {}  # (family, row) -> {"aegan": [...], "torch": [...]}
    order = []
    torch_version = runtime.get("torch", "?")
    try:
        for rnd in range(args.rounds):
            for family in families:
                binary = os.path.join(bench_dir, f"bench_{family}")
                script = os.path.join(torch_dir, f"bench_{family}.py")
                for f in (binary, script):
                    if not os.path.exists(f):
                        raise RunError(f"missing {f}")
                sides = ["aegan", "torch"] if rnd % 2 == 0 else ["torch", "aegan"]
                for side in sides:
                    if args.quiet > 0 and not wait_quiet(args.quiet):
                        noisy_runs += 1
                    print(f"round {rnd + 1}/{args.rounds}: {family}: {side} ...", file=sys.stderr, flush=True)
                    if side == "aegan":
                        rows, _ = run_aegan(binary, args)
                    else:
                        rows = run_torch(script, args)
                    for name, blocks in rows.items():
                        key = (family, name)
                        if key not in samples:
                            samples[key] = {"aegan": [], "torch": []}
                            order.append(key)
                        samples[key][side].extend(blocks)
    except (RunError, OSError) as e:
        print(f"compare.py: {e}", file=sys.stderr)
        return 1

    table = []
    for key in order:
        family, name = key
        s = samples[key]
        a = combine(s["aegan"]) if s["aegan"] else None
        t = combine(s["torch"]) if s["torch"] else None
        m = re.search(r"/threads:(\d+)", name)
        threads = m.group(1) if m else "-"
        row = re.sub(r"/threads:\d+", "", name)
        ratio = a / t if a is not None and t is not None else None
        target = target_for(name)
        status = "-" if ratio is None else ("ok" if ratio <= target else "MISS")
        noise = max(spread(s["aegan"]), spread(s["torch"]))
        table.append((row, threads, a, t, ratio, target, status, noise))

    header = ("row", "threads", "aegan", "torch", "aegan/torch", "target", "status", "noise")
    cells = [header] + [
        (r, th, fmt_time(a), fmt_time(t), "-" if q is None else f"{q:.2f}", f"<= {tg:.1f}", st, f"{n * 100:.0f}%")
        for r, th, a, t, q, tg, st, n in table
    ]
    widths = [max(len(c[i]) for c in cells) for i in range(len(header))]
    for i, c in enumerate(cells):
        print("  ".join(x.ljust(w) if j == 0 else x.rjust(w) for j, (x, w) in enumerate(zip(c, widths))))
        if i == 0:
            print("  ".join("-" * w for w in widths))
    # Each side's instruction sets: aegan's compiler flags and AEGAN_ISA; what PyTorch's three kernel
    # libraries report, and the variables that set them (compare.py's or the caller's).
    aegan_vars = {k: v for k, v in aegan_env().items() if k == "AEGAN_ISA"}
    torch_vars = {k: torch_env()[k] for k in ISA_VARIABLES if k in torch_env()}
    torch_isas = {"ATen": runtime.get("cpu_capability"), "oneDNN": runtime.get("onednn_isa"),
                  "OpenBLAS": runtime.get("openblas_core")}
    flags = build_flags(build_dir)
    shown_dir = os.path.relpath(build_dir, ROOT)
    shown_dir = build_dir if shown_dir.startswith("..") else shown_dir
    isa_record = {"requested": args.isa,
                  "aegan": {"build_dir": build_dir, "flags": flags, "env": aegan_vars},
                  "torch": {"aten": torch_isas["ATen"], "onednn": torch_isas["oneDNN"],
                            "openblas": torch_isas["OpenBLAS"], "env": torch_vars}}
    isa_line = (f"ISA {args.isa}: aegan {flags}" + "".join(f", {k}={v}" for k, v in aegan_vars.items()) +
                f" ({shown_dir}); PyTorch " +
                (", ".join(f"{lib} {name}" for lib, name in torch_isas.items() if name) or "?") +
                (f" ({', '.join(f'{k}={v}' for k, v in torch_vars.items())})" if torch_vars else " (as installed)"))
    load_after = loadavg()
    loads = "?" if load_before is None else f"{load_before:.2f} before, {load_after:.2f} after"
    print(f"\n{args.stat}s of {args.rounds} interleaved rounds x {args.repetitions} blocks per side; torch {torch_version}; "
          f"noise = (max - min) / median over blocks, worse side; load average {loads}")
    print(f"CPU: {cpu}; PyTorch's math libraries: {', '.join(libraries) or 'none found'}")
    print(isa_line)
    if slow_blas:
        print(f"WARNING: PyTorch ran on the reference BLAS {slow_blas}: these ratios flatter aegan")
    if args.omp_wait_policy:
        print(f"OMP_WAIT_POLICY={args.omp_wait_policy.upper()} for both sides")
    if args.quiet > 0:
        print(f"{noisy_runs} of {2 * args.rounds * len(families)} runs started without a quiet second "
              f"(waited up to {args.quiet:g} s each)")

    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write("| " + " | ".join(header) + " |\n")
            f.write("|" + "|".join("---" if i == 0 else "---:" for i in range(len(header))) + "|\n")
            for c in cells[1:]:
                f.write("| " + " | ".join(c) + " |\n")
            f.write(f"\n{isa_line}\n")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"torch": torch_version, "cpu": cpu, "math_libraries": libraries,
                       "openblas_core": runtime.get("openblas_core"), "isa": isa_record,
                       "rounds": args.rounds, "repetitions": args.repetitions, "stat": args.stat,
                       "rows": [{"family": k[0], "name": k[1], **samples[k]} for k in order]}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
