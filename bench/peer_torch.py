#!/usr/bin/python3
"""Time full-batch Langevin training of a two-layer network in PyTorch.

The network is f(x) = sum_i a_i phi(w_i . x) with phi = erf or ReLU, in
float32, written as a PyTorch user writes it: autograd computes the gradient
of L = 1/2 sum_mu (f(x_mu) - y_mu)^2 through loss.backward(), and the Langevin
update runs by hand under torch.no_grad():

    theta <- theta - lr (dL/dtheta + gamma theta) + sqrt(2 lr T) xi

Priors w ~ N(0, 1/d) and a ~ N(0, 1/N) give gamma_w = T d and gamma_a = T N.
Per-layer steps lr_w = h (1/d) / T and lr_a = h (1/N) / T, with T = 0.01 and
h = 1e-5 by default (--h). The readout step is stable only below
h = 2 N T / lambda_max(Phi^T Phi), where Phi (n, N) contains the hidden
activations. At initialization that bound ranges from 3e-5 (ReLU, largest
size) to 2e-3 (erf, smallest size), so h = 0.01 overflows to inf and NaN
within about 15 steps at every benchmark size. The JSON field "diverged" is
true when the test MSE after the last step is not finite or above 1e3.

Inputs x ~ N(0, I_d), teacher y = erf(x_1). The test MSE on 1000 points is
computed every 100 steps and counts in the timing.

Prints one JSON line with the steps per second of the timed steps. Import,
data generation and a few warm-up steps are not timed.
"""
import argparse
import json
import math
import time

import torch

T = 0.01
N_TEST = 1000
TEST_EVERY = 100
# Targets lie in [-1, 1], so a larger test MSE means the weights blew up.
DIVERGED_MSE = 1e3
WARMUP_STEPS = 5


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


def main():
    args = parse_args()
    torch.set_num_threads(2)
    torch.manual_seed(args.seed)
    d, N, n = args.d, args.N, args.n
    phi = torch.erf if args.act == "erf" else torch.relu

    x_train = torch.randn(n, d)
    y_train = torch.erf(x_train[:, 0])
    x_test = torch.randn(N_TEST, d)
    y_test = torch.erf(x_test[:, 0])

    w = (torch.randn(N, d) / math.sqrt(d)).requires_grad_()
    a = (torch.randn(N) / math.sqrt(N)).requires_grad_()
    # (parameter, learning rate, gamma) for each layer
    layers = [(w, args.h * (1.0 / d) / T, T * d), (a, args.h * (1.0 / N) / T, T * N)]

    def langevin_step():
        loss = 0.5 * ((phi(x_train @ w.T) @ a - y_train) ** 2).sum()
        w.grad = None
        a.grad = None
        loss.backward()
        with torch.no_grad():
            for theta, lr, gamma in layers:
                theta -= lr * (theta.grad + gamma * theta)
                theta += math.sqrt(2.0 * lr * T) * torch.randn_like(theta)

    def test_mse():
        with torch.no_grad():
            return ((phi(x_test @ w.T) @ a - y_test) ** 2).mean().item()

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

    print(json.dumps({
        "peer": "torch", "act": args.act, "d": d, "N": N, "n": n, "steps": args.steps,
        "wall_s": round(wall, 4), "steps_per_s": round(args.steps / wall, 2),
        "h": args.h, "test_mse": mse if math.isfinite(mse) else None,
        "diverged": not mse < DIVERGED_MSE,
        "torch": torch.__version__, "threads": torch.get_num_threads(),
    }))


if __name__ == "__main__":
    main()
