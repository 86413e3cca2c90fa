#!/usr/bin/python3
"""PyTorch side of benchmarks/bench_gan.cpp: one whole training step of a GAN.

The networks are those of include/aegan/models/image_nets.hpp (the MNIST demo's at 1x28x28, the
emoji ones at 3x32x32) or the canonical DCGAN of PyTorch's examples at 3x64x64, and the step is that of
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


def stage_plan(size, w, cap=8):
    """models::stage_plan: halve the size down to a base of 4..7; widths double per stage up to w*cap."""
    base, k = size, 0
    while base % 2 == 0 and base // 2 >= 4:
        base, k = base // 2, k + 1
    return base, [w * min(1 << j, cap) for j in range(k)]


def generator(c, s, w, z):
    b, widths = stage_plan(s, w)
    layers = [nn.Linear(z, widths[-1] * b * b, bias=False), nn.BatchNorm1d(widths[-1] * b * b), nn.ReLU(),
              nn.Unflatten(1, (widths[-1], b, b))]
    for j in range(len(widths) - 1, 0, -1):
        layers += [nn.ConvTranspose2d(widths[j], widths[j - 1], 4, 2, 1, bias=False), nn.BatchNorm2d(widths[j - 1]), nn.ReLU()]
    return nn.Sequential(*layers, nn.ConvTranspose2d(widths[0], c, 4, 2, 1), nn.Tanh())


def conv_trunk(c, widths, batch_norm):
    layers = [nn.Conv2d(c, widths[0], 4, 2, 1), nn.LeakyReLU(0.2)]
    for j in range(1, len(widths)):
        layers.append(nn.Conv2d(widths[j - 1], widths[j], 4, 2, 1, bias=not batch_norm))
        if batch_norm:
            layers.append(nn.BatchNorm2d(widths[j]))
        layers.append(nn.LeakyReLU(0.2))
    return layers + [nn.Flatten()]


def encoder(c, s, w, z):
    b, widths = stage_plan(s, w)
    return nn.Sequential(*conv_trunk(c, widths, True), nn.Linear(widths[-1] * b * b, z))


def image_critic(c, s, w):
    b, widths = stage_plan(s, w)
    return nn.Sequential(*conv_trunk(c, widths, False), nn.Linear(widths[-1] * b * b, 1))


def canonical_dcgan(nz=100, ngf=64, ndf=64, nc=3):
    """Generator and discriminator of pytorch/examples dcgan/main.py (sigmoid left to the BCE-with-logits loss)."""
    def up(i, o):
        return [nn.ConvTranspose2d(i, o, 4, 2, 1, bias=False), nn.BatchNorm2d(o), nn.ReLU()]

    def down(i, o):
        return [nn.Conv2d(i, o, 4, 2, 1, bias=False), nn.BatchNorm2d(o), nn.LeakyReLU(0.2)]

    g = nn.Sequential(nn.Unflatten(1, (nz, 1, 1)), nn.ConvTranspose2d(nz, ngf * 8, 4, 1, 0, bias=False), nn.BatchNorm2d(ngf * 8),
                      nn.ReLU(), *up(ngf * 8, ngf * 4), *up(ngf * 4, ngf * 2), *up(ngf * 2, ngf),
                      nn.ConvTranspose2d(ngf, nc, 4, 2, 1, bias=False), nn.Tanh())
    d = nn.Sequential(nn.Conv2d(nc, ndf, 4, 2, 1, bias=False), nn.LeakyReLU(0.2), *down(ndf, ndf * 2), *down(ndf * 2, ndf * 4),
                      *down(ndf * 4, ndf * 8), nn.Conv2d(ndf * 8, 1, 4, 1, 0, bias=False), nn.Flatten())
    return g, d


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


def make_step(preset, width, next_batch=None, image=(1, 28, 28), latent=LATENT, canonical=False, seed=1):
    """One training step as a function; next_batch() gives the real images (default: one fixed batch).

    The networks are image_nets.hpp's for `image` (C, S, S) at `width`, or with canonical=True
    PyTorch's DCGAN example at 3x64x64 with latent 100. `seed` seeds torch's generator, which then
    draws the initial weights and everything random in training.
    """
    torch.manual_seed(seed)
    c, s = image[0], image[1]
    if canonical:
        g, dx = (dcgan_init(n) for n in canonical_dcgan(nz=latent))
    else:
        g, dx = dcgan_init(generator(c, s, width, latent)), dcgan_init(image_critic(c, s, width))
    use_encoder = preset == "aegan"
    e = dcgan_init(encoder(c, s, width, latent)) if use_encoder else None
    dz = dcgan_init(latent_critic(latent)) if use_encoder else None
    ge_params = list(g.parameters()) + (list(e.parameters()) if e else [])
    ge_opt = adam(ge_params, 2e-4)
    dx_opt = adam(dx.parameters(), 1e-4)
    dz_opt = adam(dz.parameters(), 1e-4) if dz else None
    ema = copy.deepcopy(g)
    ema_params = list(zip(ema.parameters(), g.parameters()))
    ema_buffers = list(zip(ema.buffers(), g.buffers()))
    real = torch.rand(BATCH, *image) * 2 - 1

    def freeze(m, frozen):
        for p in m.parameters():
            p.requires_grad_(not frozen)

    def fn():
        x = next_batch() if next_batch else real
        z = torch.randn(BATCH, latent)
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
            critic_loss(dz, torch.randn(BATCH, latent), [z_enc.detach(), z_rec.detach()]).backward()
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

    fn.ema_generator = ema  # what samples come from, as in AEGANTrainer::sample
    return fn


def rows(threads):
    for preset in ("aegan", "dcgan"):
        for w in (32, 64):
            for t in threads:
                yield f"{preset}_step/width:{w}/threads:{t}", t, lambda p=preset, w=w: make_step(p, w)
    for t in threads:
        yield f"emoji_aegan_step/threads:{t}", t, lambda: make_step("aegan", 32, image=(3, 32, 32))
    for t in threads:
        yield f"dcgan64_step/threads:{t}", t, lambda: make_step("dcgan", 64, image=(3, 64, 64), latent=100, canonical=True)


if __name__ == "__main__":
    run_rows(rows)
