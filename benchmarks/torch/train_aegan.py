#!/usr/bin/python3
"""A whole PyTorch training run, the twin of examples/mnist_aegan and of `aegan train`.

Trains the same networks with the same step as bench_gan.py on the IDX files of --data, or with
--images on a folder of images fitted to 3x--size x--size over white (as `aegan train --images`
loads it), in shuffled batches of 64 in [-1, 1] (drop_last); then prints one JSON line with the
peak resident set size (getrusage ru_maxrss) and the mean step time. --samples DIR writes --count
images from the generator's EMA and the prior as numbered PNGs, which `aegan eval --generated DIR`
scores exactly as it scores aegan's own samples. Compare with the demo run under /usr/bin/time:

  /usr/bin/python3 benchmarks/torch/train_aegan.py --data data/mnist --epochs 1 --threads 2
  /usr/bin/time -f '%M KB' build/examples/mnist_aegan/mnist_aegan --epochs 1 --threads 2 --out /tmp/m
  /usr/bin/python3 benchmarks/torch/train_aegan.py --images data/emoji --size 32 --epochs 20 --samples /tmp/twin
  build/examples/aegan/aegan eval --generated /tmp/twin --dataset emoji
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

from bench_gan import BATCH, LATENT, make_step  # noqa: E402


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


def read_folder_images(folder, size):
    from bench_data import rgb_over_white
    from torchvision import datasets, transforms

    transform = transforms.Compose([transforms.Resize(size), transforms.CenterCrop(size), transforms.PILToTensor()])
    dataset = datasets.ImageFolder(folder, transform=transform, loader=rgb_over_white)
    return torch.stack([image for image, _ in dataset]).numpy()


def write_samples(generator, latent, count, folder):
    from PIL import Image

    os.makedirs(folder, exist_ok=True)
    generator.eval()
    with torch.no_grad():
        images = generator(torch.randn(count, latent))
    pixels = ((images.clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8).permute(0, 2, 3, 1).numpy()
    for i, p in enumerate(pixels):
        Image.fromarray(p[:, :, 0] if p.shape[2] == 1 else p).save(os.path.join(folder, f"{i:05d}.png"))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="data/mnist")
    ap.add_argument("--preset", default="aegan", choices=["aegan", "dcgan"])
    ap.add_argument("--width", type=int, default=32)
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--images", help="a folder of images (class subfolders) instead of --data's IDX files")
    ap.add_argument("--size", type=int, default=32, help="with --images: the image side S")
    ap.add_argument("--samples", help="write --count generated images into this folder")
    ap.add_argument("--count", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=1, help="seeds the initial weights, the batch order and the noise")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    raw = read_folder_images(args.images, args.size) if args.images else read_idx_images(args.data)
    images = torch.from_numpy(raw.astype(np.float32) / 127.5 - 1.0)
    steps_per_epoch = images.shape[0] // BATCH
    state = {"order": None, "i": 0}

    def next_batch():
        if state["order"] is None or state["i"] == steps_per_epoch:
            state["order"], state["i"] = torch.randperm(images.shape[0]), 0
        idx = state["order"][state["i"] * BATCH:(state["i"] + 1) * BATCH]
        state["i"] += 1
        return images[idx]

    step = make_step(args.preset, args.width, next_batch, image=tuple(images.shape[1:]), seed=args.seed)
    t0 = time.perf_counter()
    for _ in range(args.epochs * steps_per_epoch):
        step()
    seconds = time.perf_counter() - t0
    print(json.dumps({"preset": args.preset, "width": args.width, "steps": args.epochs * steps_per_epoch,
                      "ms_per_step": 1e3 * seconds / (args.epochs * steps_per_epoch),
                      "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
    if args.samples:
        write_samples(step.ema_generator, LATENT, args.count, args.samples)


if __name__ == "__main__":
    main()
