#!/usr/bin/python3
"""PyTorch side of benchmarks/bench_data.cpp: loading the emoji folder with PIL + torchvision.

torchvision's ImageFolder over $AEGAN_EMOJI_DIR (else data/emoji), each image composited over
white, resized to SxS with PIL's antialiasing, centre-cropped and kept as uint8, gathered into one
[N, 3, S, S] tensor with its labels: what aegan::data::load_image_folder returns. One thread reads
in-process; T > 1 threads are T DataLoader worker processes, the way a PyTorch user spreads
decoding over cores.

Run with Debian's /usr/bin/python3 (python3-torch, python3-torchvision, python3-pil). Prints JSON
(see common.py); the options are common.run_rows's.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch  # noqa: E402
from PIL import Image  # noqa: E402
from torchvision import datasets, transforms  # noqa: E402

from common import run_rows  # noqa: E402


def emoji_folder():
    return os.environ.get("AEGAN_EMOJI_DIR") or "data/emoji"


def rgb_over_white(path):
    with open(path, "rb") as f:
        image = Image.open(f).convert("RGBA")
    background = Image.new("RGBA", image.size, (255, 255, 255, 255))
    return Image.alpha_composite(background, image).convert("RGB")


def make_load(size, threads):
    transform = transforms.Compose([transforms.Resize(size), transforms.CenterCrop(size), transforms.PILToTensor()])

    def fn():
        folder = datasets.ImageFolder(emoji_folder(), transform=transform, loader=rgb_over_white)
        loader = torch.utils.data.DataLoader(folder, batch_size=256, num_workers=threads if threads > 1 else 0)
        images, labels = zip(*loader)
        return torch.cat(images), torch.cat(labels)

    return fn


def rows(threads):
    if not os.path.isdir(emoji_folder()):
        sys.exit(f"bench_data.py: no emoji folder at {emoji_folder()}: run scripts/fetch_emoji.sh or set AEGAN_EMOJI_DIR")
    for size in (32, 64):
        for t in threads:
            yield f"load_emoji/size:{size}/threads:{t}", t, lambda s=size, t=t: make_load(s, t)


if __name__ == "__main__":
    run_rows(rows)
