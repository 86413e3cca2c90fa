#!/usr/bin/python3
"""PyTorch side of benchmarks/bench_inference.cpp: one forward of a batch through a trained network.

The networks are bench_gan.py's (image_nets.hpp's at 1x28x28 and 3x32x32, PyTorch's DCGAN example
at 3x64x64), in eval mode and run under torch.inference_mode(), the way a PyTorch user serves a
model: batch norm with its running statistics and no autograd bookkeeping at all.

Run with Debian's /usr/bin/python3 (python3-torch). Prints JSON (see common.py).
  --min-time S    seconds per row (default 0.3)
  --filter REGEX  run only rows whose name matches
  --threads 1,2   thread counts
  --repeats N     timed blocks per row (default 5)
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch  # noqa: E402

from bench_gan import canonical_dcgan, dcgan_init, encoder, generator  # noqa: E402
from common import run_rows  # noqa: E402

BATCH, LATENT, DCGAN_LATENT = 64, 16, 100


def make_forward(net, x):
    """A call of net on the fixed batch x, as serving code makes it."""
    net = dcgan_init(net).eval()

    def fn():
        with torch.inference_mode():
            return net(x)

    return fn


def codes(latent):
    return torch.randn(BATCH, latent)


def rows(threads):
    for t in threads:
        yield f"mnist_generate/threads:{t}", t, lambda: make_forward(generator(1, 28, 32, LATENT), codes(LATENT))
    for t in threads:
        yield f"mnist_encode/threads:{t}", t, lambda: make_forward(encoder(1, 28, 32, LATENT), torch.rand(BATCH, 1, 28, 28) * 2 - 1)
    for t in threads:
        yield f"emoji_generate/threads:{t}", t, lambda: make_forward(generator(3, 32, 32, LATENT), codes(LATENT))
    for t in threads:
        yield f"dcgan64_generate/threads:{t}", t, lambda: make_forward(canonical_dcgan(nz=DCGAN_LATENT)[0], codes(DCGAN_LATENT))


if __name__ == "__main__":
    run_rows(rows)
