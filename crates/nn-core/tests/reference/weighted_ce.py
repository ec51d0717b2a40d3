"""Reference values for crates/nn-core/tests/sample_weights.rs: per-sample (class) weighted
losses and every parameter gradient of two small networks, in float64 with PyTorch.

Run: /work/venv/bin/python crates/nn-core/tests/reference/weighted_ce.py
and paste the printed literals into the test.

- Cross-entropy: a 3-4-3 net (tanh hidden, identity output = logits), labels y, class
  weights c; the loss is F.cross_entropy(logits, y, weight=c), which divides by sum(c[y]).
- BCE: a 3-4-2 net (sigmoid hidden, identity output = logits), one weight w_i per sample
  applied to both of its outputs; nn's objective is sum_i w_i * mean_j bce_ij / sum_i w_i,
  i.e. F.binary_cross_entropy_with_logits(o, t, weight=w[:, None], reduction="sum")
  / (m * sum(w)) with m = 2 outputs.
"""
import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)

X = torch.tensor([[0.5, -1.0, 0.25], [1.5, 0.75, -0.5], [-0.25, 0.5, 1.0],
                  [0.0, -0.75, -1.25], [1.0, 1.0, 0.5]])
W1 = [[0.1, -0.2, 0.3], [0.4, 0.5, -0.6], [-0.7, 0.8, 0.9], [0.15, -0.25, 0.35]]
B1 = [0.05, -0.1, 0.15, -0.2]


def net(w2, b2, hidden):
    w1 = torch.tensor(W1, requires_grad=True)
    b1 = torch.tensor(B1, requires_grad=True)
    w2 = torch.tensor(w2, requires_grad=True)
    b2 = torch.tensor(b2, requires_grad=True)
    out = hidden(X @ w1.T + b1) @ w2.T + b2
    return out, [w1, b1, w2, b2]


def show(name, loss, params):
    loss.backward()
    print(f"// {name}")
    print(f"const {name}_LOSS: f64 = {loss.item()!r};")
    for pname, p in zip(["W1", "B1", "W2", "B2"], params):
        flat = ", ".join(repr(v) for v in p.grad.flatten().tolist())
        print(f"const {name}_G{pname}: [f64; {p.numel()}] = [{flat}];")


def cross_entropy():
    w2 = [[0.2, -0.3, 0.4, 0.1], [-0.5, 0.6, 0.2, -0.4], [0.3, 0.1, -0.2, 0.5]]
    logits, params = net(w2, [0.1, -0.05, 0.0], torch.tanh)
    y = torch.tensor([0, 2, 1, 2, 0])
    c = torch.tensor([0.5, 2.0, 1.25])
    show("CE", F.cross_entropy(logits, y, weight=c), params)


def bce():
    w2 = [[0.3, -0.2, 0.5, -0.1], [-0.4, 0.2, 0.1, 0.6]]
    logits, params = net(w2, [-0.1, 0.2], torch.sigmoid)
    t = torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [0.0, 0.0], [1.0, 0.0]])
    w = torch.tensor([1.0, 0.25, 3.0, 0.5, 2.0])
    summed = F.binary_cross_entropy_with_logits(logits, t, weight=w[:, None], reduction="sum")
    show("BCE", summed / (2 * w.sum()), params)


cross_entropy()
bce()
