#!/usr/bin/python3
"""PyTorch side of benchmarks/bench_dense.cpp: the same rows, the same shapes, float32.

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

IN, OUT = 784, 256


def linear_fwd(batch):
    torch.manual_seed(1)
    lin = torch.nn.Linear(IN, OUT)
    x = torch.rand(batch, IN) * 2 - 1

    def fn():
        with torch.no_grad():
            return lin(x)

    return fn


def linear_fwdbwd(batch):
    torch.manual_seed(2)
    lin = torch.nn.Linear(IN, OUT)
    x = (torch.rand(batch, IN) * 2 - 1).requires_grad_()
    seed = torch.rand(batch, OUT) * 2 - 1

    def fn():
        # Dropping the gradients (set_to_none) is PyTorch's fastest zero_grad and what aegan's
        # zero_grad does; backward then writes fresh gradients instead of adding into zeros.
        lin.zero_grad(set_to_none=True)
        x.grad = None
        y = lin(x)
        y.backward(seed)

    return fn


def adam_step():
    torch.manual_seed(3)
    w = torch.nn.Parameter(torch.rand(1000, 1000) * 2 - 1)
    b = torch.nn.Parameter(torch.rand(1000) * 2 - 1)
    w.grad = torch.rand(1000, 1000) * 2 - 1
    b.grad = torch.rand(1000) * 2 - 1
    opt = torch.optim.Adam([w, b], lr=1e-3)
    return opt.step


def ae_step():
    torch.manual_seed(4)
    model = torch.nn.Sequential(
        torch.nn.Linear(IN, 32), torch.nn.ReLU(), torch.nn.Linear(32, IN), torch.nn.Sigmoid()
    )
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    x = torch.rand(256, IN)
    loss_fn = torch.nn.MSELoss()

    def fn():
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), x)
        loss.backward()
        opt.step()

    return fn


def rows(threads):
    for t in threads:
        for b in (64, 256):
            yield f"linear_fwd/batch:{b}/threads:{t}", t, lambda b=b: linear_fwd(b)
    for t in threads:
        for b in (64, 256):
            yield f"linear_fwdbwd/batch:{b}/threads:{t}", t, lambda b=b: linear_fwdbwd(b)
    for t in threads:
        yield f"adam_step/threads:{t}", t, adam_step
    for t in threads:
        yield f"ae_step/threads:{t}", t, ae_step


if __name__ == "__main__":
    run_rows(rows)
