#!/usr/bin/python3
"""PyTorch side of benchmarks/bench_conv.cpp: the same rows, the same shapes, float32.

The layers of an MNIST DCGAN, of the 3x32x32 emoji networks and of the canonical 3x64x64 DCGAN at
batch 64 (kernel 4, stride 2, padding 1), forward under no_grad and forward + backward with input
gradients, and BatchNorm2d in training mode.
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

from common import run_rows  # noqa: E402

BATCH = 64
CONVS = [(1, 64, 28), (64, 128, 14), (1, 32, 28), (32, 64, 14), (32, 64, 16), (64, 128, 8), (128, 256, 16)]
CONV_TRANSPOSES = [(128, 64, 7), (64, 1, 14), (64, 32, 7), (32, 1, 14), (128, 64, 4), (64, 32, 8), (256, 128, 8)]
BATCHNORMS = [(64, 14), (32, 14)]


def forward(layer, shape):
    torch.manual_seed(1)
    x = torch.rand(*shape) * 2 - 1

    def fn():
        with torch.no_grad():
            return layer(x)

    return fn


def forward_backward(layer, shape):
    torch.manual_seed(2)
    x = (torch.rand(*shape) * 2 - 1).requires_grad_()
    with torch.no_grad():
        seed = torch.rand(*layer(x).shape) * 2 - 1

    def fn():
        layer.zero_grad(set_to_none=True)
        x.grad = None
        layer(x).backward(seed)

    return fn


def rows(threads):
    for kind, make in (("fwd", forward), ("fwdbwd", forward_backward)):
        for t in threads:
            for i, o, hw in CONVS:
                yield (f"conv2d_{kind}/in:{i}/out:{o}/hw:{hw}/threads:{t}", t,
                       lambda i=i, o=o, hw=hw, make=make: make(torch.nn.Conv2d(i, o, 4, 2, 1), (BATCH, i, hw, hw)))
    for kind, make in (("fwd", forward), ("fwdbwd", forward_backward)):
        for t in threads:
            for i, o, hw in CONV_TRANSPOSES:
                yield (f"conv_transpose2d_{kind}/in:{i}/out:{o}/hw:{hw}/threads:{t}", t,
                       lambda i=i, o=o, hw=hw, make=make: make(torch.nn.ConvTranspose2d(i, o, 4, 2, 1), (BATCH, i, hw, hw)))
    for kind, make in (("fwd", forward), ("fwdbwd", forward_backward)):
        for t in threads:
            for c, hw in BATCHNORMS:
                yield (f"batchnorm2d_{kind}/c:{c}/hw:{hw}/threads:{t}", t,
                       lambda c=c, hw=hw, make=make: make(torch.nn.BatchNorm2d(c).train(), (BATCH, c, hw, hw)))


if __name__ == "__main__":
    run_rows(rows)
