#!/usr/bin/python3
"""Peak memory and step time of a whole PyTorch training run, the twin of examples/mnist_aegan.

Trains the same networks with the same step as bench_gan.py on the IDX files of --data (shuffled
batches of 64 in [-1, 1], drop_last), then prints one JSON line with the peak resident set size
(getrusage ru_maxrss) and the mean step time. Compare with the demo run under /usr/bin/time:

  /usr/bin/python3 benchmarks/torch/train_aegan.py --data data/mnist --epochs 1 --threads 2
  /usr/bin/time -f '%M KB' build/examples/mnist_aegan/mnist_aegan --epochs 1 --threads 2 --out /tmp/m
"""
import argparse
import gzip
import json
import os
import resource
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import numpy as np  # noqa: E402
import torch  # noqa: E402

from bench_gan import BATCH, make_step  # noqa: E402


def read_idx_images(folder):
    for name in ("train-images-idx3-ubyte", "train-images-idx3-ubyte.gz"):
        path = os.path.join(folder, name)
        if os.path.exists(path):
            opener = gzip.open if name.endswith(".gz") else open
            with opener(path, "rb") as f:
                raw = f.read()
            n, h, w = (int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(3))
            return np.frombuffer(raw, dtype=np.uint8, offset=16).reshape(n, 1, h, w)
    sys.exit(f"train_aegan.py: no train-images-idx3-ubyte(.gz) in {folder}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="data/mnist")
    ap.add_argument("--preset", default="aegan", choices=["aegan", "dcgan"])
    ap.add_argument("--width", type=int, default=32)
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    images = torch.from_numpy(read_idx_images(args.data).astype(np.float32) / 127.5 - 1.0)
    steps_per_epoch = images.shape[0] // BATCH
    state = {"order": None, "i": 0}

    def next_batch():
        if state["order"] is None or state["i"] == steps_per_epoch:
            state["order"], state["i"] = torch.randperm(images.shape[0]), 0
        idx = state["order"][state["i"] * BATCH:(state["i"] + 1) * BATCH]
        state["i"] += 1
        return images[idx]

    step = make_step(args.preset, args.width, next_batch)
    t0 = time.perf_counter()
    for _ in range(args.epochs * steps_per_epoch):
        step()
    seconds = time.perf_counter() - t0
    print(json.dumps({"preset": args.preset, "width": args.width, "steps": args.epochs * steps_per_epoch,
                      "ms_per_step": 1e3 * seconds / (args.epochs * steps_per_epoch),
                      "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


if __name__ == "__main__":
    main()
