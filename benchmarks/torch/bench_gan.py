#!/usr/bin/python3
"""PyTorch side of benchmarks/bench_gan.cpp: one whole training step of the MNIST demo's networks.

The networks are those of include/aegan/models/mnist_nets.hpp and the step is that of
include/aegan/train/aegan_trainer.hpp, written the way a PyTorch user would write them:
critics update on detached fakes, then one generator(+encoder) update with the critics frozen
(requires_grad_(False)), Adam(betas=(0.5, 0.999)) everywhere, and an EMA of the generator.

Run with Debian's /usr/bin/python3 (python3-torch). Prints JSON (see common.py).
  --min-time S    seconds per row (default 0.3)
  --filter REGEX  run only rows whose name matches
  --threads 1,2   thread counts
  --repeats N     timed blocks per row (default 5)
"""
import copy
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

from common import run_rows  # noqa: E402

BATCH, LATENT = 64, 16
# aegan preset: rec_x (L1), rec_z (MSE), adv_x_gen, adv_x_rec, adv_z_enc, adv_z_rec
AEGAN_WEIGHTS = dict(rec_x=1.0, rec_z=0.5, adv_x_gen=0.2, adv_x_rec=0.2, adv_z_enc=0.1, adv_z_rec=0.1)


def generator(w, z):
    return nn.Sequential(
        nn.Linear(z, 2 * w * 49, bias=False), nn.BatchNorm1d(2 * w * 49), nn.ReLU(), nn.Unflatten(1, (2 * w, 7, 7)),
        nn.ConvTranspose2d(2 * w, w, 4, 2, 1, bias=False), nn.BatchNorm2d(w), nn.ReLU(),
        nn.ConvTranspose2d(w, 1, 4, 2, 1), nn.Tanh())


def encoder(w, z):
    return nn.Sequential(
        nn.Conv2d(1, w, 4, 2, 1), nn.LeakyReLU(0.2), nn.Conv2d(w, 2 * w, 4, 2, 1, bias=False), nn.BatchNorm2d(2 * w),
        nn.LeakyReLU(0.2), nn.Flatten(), nn.Linear(2 * w * 49, z))


def image_critic(w):
    return nn.Sequential(
        nn.Conv2d(1, w, 4, 2, 1), nn.LeakyReLU(0.2), nn.Conv2d(w, 2 * w, 4, 2, 1), nn.LeakyReLU(0.2), nn.Flatten(),
        nn.Linear(2 * w * 49, 1))


def latent_critic(z):
    return nn.Sequential(nn.Linear(z, 128), nn.LeakyReLU(0.2), nn.Linear(128, 128), nn.LeakyReLU(0.2), nn.Linear(128, 1))


def dcgan_init(m):
    for name, p in m.named_parameters():
        with torch.no_grad():
            if name.endswith("bias"):
                p.zero_()
            elif p.dim() == 1:
                p.normal_(1.0, 0.02)
            else:
                p.normal_(0.0, 0.02)
    return m


def adam(params, lr):
    return torch.optim.Adam(params, lr=lr, betas=(0.5, 0.999))


def critic_loss(critic, real, fakes):
    logits = critic(real)
    loss = F.binary_cross_entropy_with_logits(logits, torch.ones_like(logits))
    for fake in fakes:
        logits = critic(fake)
        loss = loss + F.binary_cross_entropy_with_logits(logits, torch.zeros_like(logits)) / len(fakes)
    return loss


def fooling_loss(critic, fake):
    logits = critic(fake)
    return F.binary_cross_entropy_with_logits(logits, torch.ones_like(logits))


def make_step(preset, width, next_batch=None):
    """One training step as a function; next_batch() gives the real images (default: one fixed batch)."""
    torch.manual_seed(1)
    g = dcgan_init(generator(width, LATENT))
    dx = dcgan_init(image_critic(width))
    use_encoder = preset == "aegan"
    e = dcgan_init(encoder(width, LATENT)) if use_encoder else None
    dz = dcgan_init(latent_critic(LATENT)) if use_encoder else None
    ge_params = list(g.parameters()) + (list(e.parameters()) if e else [])
    ge_opt = adam(ge_params, 2e-4)
    dx_opt = adam(dx.parameters(), 1e-4)
    dz_opt = adam(dz.parameters(), 1e-4) if dz else None
    ema = copy.deepcopy(g)
    ema_params = list(zip(ema.parameters(), g.parameters()))
    ema_buffers = list(zip(ema.buffers(), g.buffers()))
    real = torch.rand(BATCH, 1, 28, 28) * 2 - 1

    def freeze(m, frozen):
        for p in m.parameters():
            p.requires_grad_(not frozen)

    def fn():
        x = next_batch() if next_batch else real
        z = torch.randn(BATCH, LATENT)
        x_gen = g(z)
        if use_encoder:
            z_enc = e(x)
            x_rec = g(z_enc)
            z_rec = e(x_gen)

        dx_opt.zero_grad(set_to_none=True)
        fakes = [x_gen.detach(), x_rec.detach()] if use_encoder else [x_gen.detach()]
        critic_loss(dx, x, fakes).backward()
        dx_opt.step()
        if use_encoder:
            dz_opt.zero_grad(set_to_none=True)
            critic_loss(dz, torch.randn(BATCH, LATENT), [z_enc.detach(), z_rec.detach()]).backward()
            dz_opt.step()

        freeze(dx, True)
        if dz:
            freeze(dz, True)
        ge_opt.zero_grad(set_to_none=True)
        if use_encoder:
            w = AEGAN_WEIGHTS
            total = (w["rec_x"] * F.l1_loss(x_rec, x) + w["rec_z"] * F.mse_loss(z_rec, z)
                     + w["adv_x_gen"] * fooling_loss(dx, x_gen) + w["adv_x_rec"] * fooling_loss(dx, x_rec)
                     + w["adv_z_enc"] * fooling_loss(dz, z_enc) + w["adv_z_rec"] * fooling_loss(dz, z_rec))
        else:
            total = fooling_loss(dx, x_gen)
        total.backward()
        ge_opt.step()
        freeze(dx, False)
        if dz:
            freeze(dz, False)
        with torch.no_grad():
            for shadow, live in ema_params:
                shadow.lerp_(live, 1 - 0.999)
            for shadow, live in ema_buffers:
                shadow.copy_(live)
        return total.item()

    return fn


def rows(threads):
    for preset in ("aegan", "dcgan"):
        for w in (32, 64):
            for t in threads:
                yield f"{preset}_step/width:{w}/threads:{t}", t, lambda p=preset, w=w: make_step(p, w)


if __name__ == "__main__":
    run_rows(rows)
