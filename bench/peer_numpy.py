#!/usr/bin/python3
"""Time full-batch Langevin training of a two-layer network in numpy.

The same workload as peer_torch.py, with the gradients written by hand:
f(x) = sum_i a_i phi(w_i . x), phi = erf or ReLU, float32, loss
L = 1/2 sum_mu (f(x_mu) - y_mu)^2, and for each layer

    theta <- theta - lr (dL/dtheta + gamma theta) + sqrt(2 lr T) xi

with gamma_w = T d, gamma_a = T N, lr_w = h (1/d) / T, lr_a = h (1/N) / T,
T = 0.01 and h = 1e-5 by default (--h), below the readout's stability limit
at every benchmark size (see peer_torch.py). The JSON field "diverged" is
true when the test MSE after the last step is not finite or above 1e3. Inputs x ~ N(0, I_d), teacher y = erf(x_1), test MSE on 1000 points
every 100 steps. erf is scipy.special.erf (Debian package python3-scipy).

numpy uses as many OpenBLAS threads as OpenBLAS chooses by default (set
OPENBLAS_NUM_THREADS to change it). Prints one JSON line; import, data
generation and a few warm-up steps are not timed.
"""
import argparse
import json
import math
import time

import numpy as np
from scipy.special import erf

T = 0.01
N_TEST = 1000
TEST_EVERY = 100
# Targets lie in [-1, 1], so a larger test MSE means the weights blew up.
DIVERGED_MSE = 1e3
WARMUP_STEPS = 5
TWO_OVER_SQRT_PI = np.float32(2.0 / math.sqrt(math.pi))


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--act", choices=("erf", "relu"), default="erf",
                        help="activation phi")
    parser.add_argument("--d", type=int, default=20, help="input dimension")
    parser.add_argument("--N", type=int, default=100, metavar="N", help="hidden units")
    parser.add_argument("--n", type=int, default=200, metavar="n", help="training points")
    parser.add_argument("--steps", type=int, default=1000, help="timed Langevin steps")
    parser.add_argument("--h", type=float, default=1e-5,
                        help="step size in units of prior variance over T")
    parser.add_argument("--seed", type=int, default=0, help="random seed")
    return parser.parse_args()


def relu(z):
    return np.maximum(z, 0)


def erf_derivative(z):
    return TWO_OVER_SQRT_PI * np.exp(-z * z)


def relu_derivative(z):
    return (z > 0).astype(np.float32)


def gradients(w, a, x, y, phi, dphi):
    """Return dL/dw (N, d) and dL/da (N,) for L = 1/2 sum (f(x) - y)^2."""
    z = x @ w.T                              # (n, N)
    hidden = phi(z)
    residual = hidden @ a - y                # (n,)
    grad_a = hidden.T @ residual             # (N,)
    grad_z = np.outer(residual, a) * dphi(z)  # (n, N)
    grad_w = grad_z.T @ x                    # (N, d)
    return grad_w, grad_a


def main():
    args = parse_args()
    rng = np.random.default_rng(args.seed)
    d, N, n = args.d, args.N, args.n
    phi, dphi = (erf, erf_derivative) if args.act == "erf" else (relu, relu_derivative)
    f32 = np.float32

    x_train = rng.standard_normal((n, d), dtype=f32)
    y_train = erf(x_train[:, 0])
    x_test = rng.standard_normal((N_TEST, d), dtype=f32)
    y_test = erf(x_test[:, 0])

    w = rng.standard_normal((N, d), dtype=f32) / f32(math.sqrt(d))
    a = rng.standard_normal(N, dtype=f32) / f32(math.sqrt(N))
    lr_w, lr_a = f32(args.h * (1.0 / d) / T), f32(args.h * (1.0 / N) / T)
    gamma_w, gamma_a = f32(T * d), f32(T * N)
    sigma_w, sigma_a = f32(math.sqrt(2 * lr_w * T)), f32(math.sqrt(2 * lr_a * T))

    def langevin_step():
        grad_w, grad_a = gradients(w, a, x_train, y_train, phi, dphi)
        w[...] -= lr_w * (grad_w + gamma_w * w)
        w[...] += sigma_w * rng.standard_normal(w.shape, dtype=f32)
        a[...] -= lr_a * (grad_a + gamma_a * a)
        a[...] += sigma_a * rng.standard_normal(a.shape, dtype=f32)

    def test_mse():
        return float(np.mean((phi(x_test @ w.T) @ a - y_test) ** 2))

    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(WARMUP_STEPS):
            langevin_step()
        mse = test_mse()

        start = time.perf_counter()
        for step in range(1, args.steps + 1):
            langevin_step()
            if step % TEST_EVERY == 0:
                mse = test_mse()
        wall = time.perf_counter() - start
        mse = test_mse()  # after the last step, untimed

    assert w.dtype == f32
    assert a.dtype == f32
    print(json.dumps({
        "peer": "numpy", "act": args.act, "d": d, "N": N, "n": n, "steps": args.steps,
        "wall_s": round(wall, 4), "steps_per_s": round(args.steps / wall, 2),
        "h": args.h, "test_mse": mse if math.isfinite(mse) else None,
        "diverged": not mse < DIVERGED_MSE, "numpy": np.__version__,
    }))


if __name__ == "__main__":
    main()
