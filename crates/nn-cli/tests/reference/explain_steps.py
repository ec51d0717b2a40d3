"""E_total of the textbook's 2-2-2 sigmoid network over repeated gradient-descent steps.

Reference for crates/nn-cli/tests/explain.rs (`nn explain --steps 1000 [--freeze-bias]`).
Plain Python floats (IEEE double), no libraries: the chapter's network (section 2.2), inputs
0.10, 0.20, targets 0.85, 0.30, E_total = sum of 1/2 (t - out)^2, learning rate 1. Each step
computes every gradient from the parameters before the step, then updates the weights w1..w8
(and, unless frozen, the biases). Prints E_total after the selected steps 0..10, 100, 1000.

Run: python3 crates/nn-cli/tests/reference/explain_steps.py
"""
import math

X = [0.10, 0.20]
T = [0.85, 0.30]
STEPS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 100, 1000]


def sigmoid(z):
    return 1.0 / (1.0 + math.exp(-z))


def forward(w_h, b_h, w_o, b_o):
    h = [sigmoid(sum(w * x for w, x in zip(row, X)) + b) for row, b in zip(w_h, b_h)]
    o = [sigmoid(sum(w * v for w, v in zip(row, h)) + b) for row, b in zip(w_o, b_o)]
    return h, o


def e_total(o):
    return sum(0.5 * (t - y) ** 2 for t, y in zip(T, o))


def step(w_h, b_h, w_o, b_o, lr, freeze_bias):
    h, o = forward(w_h, b_h, w_o, b_o)
    d_o = [(y - t) * y * (1 - y) for y, t in zip(o, T)]  # dE/dl_o
    d_h = [sum(d_o[k] * w_o[k][j] for k in range(2)) * h[j] * (1 - h[j]) for j in range(2)]
    w_o = [[w_o[k][j] - lr * d_o[k] * h[j] for j in range(2)] for k in range(2)]
    w_h = [[w_h[j][i] - lr * d_h[j] * X[i] for i in range(2)] for j in range(2)]
    if not freeze_bias:
        b_o = [b - lr * d for b, d in zip(b_o, d_o)]
        b_h = [b - lr * d for b, d in zip(b_h, d_h)]
    return w_h, b_h, w_o, b_o


def series(freeze_bias, lr=1.0):
    params = ([[0.05, 0.15], [0.10, 0.20]], [0.35, 0.35], [[0.25, 0.35], [0.30, 0.40]], [0.50, 0.50])
    out = {}
    for s in range(STEPS[-1] + 1):
        if s in STEPS:
            out[s] = e_total(forward(*params)[1])
        params = step(*params, lr, freeze_bias)
    return out


for freeze in (True, False):
    print(f"freeze_bias = {freeze}")
    for s, e in series(freeze).items():
        print(f"    ({s}, {e!r}),")
