#!/usr/bin/python3
"""Check peer_numpy.py's hand-written gradients against PyTorch autograd.

Both peers must time the same computation, so the numpy gradients of
L = 1/2 sum_mu (f(x_mu) - y_mu)^2 are compared with loss.backward() in
float64 on a small random problem. Exits 1 when a relative error exceeds
1e-6; the bound is not tighter because peer_numpy keeps 2/sqrt(pi) in float32,
which alone gives relative errors near 5e-8.
"""
import math
import sys

import numpy as np
import torch

import peer_numpy

TOLERANCE = 1e-6


def main():
    rng = np.random.default_rng(1)
    d, N, n = 7, 11, 13
    x = rng.standard_normal((n, d))
    y = peer_numpy.erf(x[:, 0])
    w = rng.standard_normal((N, d)) / math.sqrt(d)
    a = rng.standard_normal(N) / math.sqrt(N)
    failed = False
    for act, phi, dphi, torch_phi in (
            ("erf", peer_numpy.erf, peer_numpy.erf_derivative, torch.erf),
            ("relu", peer_numpy.relu, peer_numpy.relu_derivative, torch.relu)):
        grad_w, grad_a = peer_numpy.gradients(w, a, x, y, phi, dphi)
        tw = torch.tensor(w, requires_grad=True)
        ta = torch.tensor(a, requires_grad=True)
        loss = 0.5 * ((torch_phi(torch.tensor(x) @ tw.T) @ ta - torch.tensor(y)) ** 2).sum()
        loss.backward()
        for name, mine, ref in (("w", grad_w, tw.grad.numpy()), ("a", grad_a, ta.grad.numpy())):
            error = np.abs(mine - ref).max() / np.abs(ref).max()
            print(f"{act} dL/d{name}: max relative error {error:.2e}")
            failed |= not error < TOLERANCE
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
