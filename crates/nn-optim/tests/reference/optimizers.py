"""Reference sequences for tests/optimizers.rs: torch.optim.Adam, AdamW and RMSprop, f64 and f32.

Run: /work/venv/bin/python crates/nn-optim/tests/reference/optimizers.py
It prints Rust constants that tests/optimizers.rs holds verbatim (torch 2.x, CPU, single-tensor
path: foreach=False).

The problem: a weight W (2×3) and a bias b (2), each element p with the gradient
    g = a·(p − c) + 0.5·(p·p)
(a and c fixed per element), recomputed from the current values before every step, and the
learning rate changed per step as a schedule would. nn decays weights only, never biases:
torch gets the same by putting the bias in a parameter group with weight_decay=0.
Each row of a table is [W row-major, b] after one step.
"""
import numpy as np
import torch

W0 = [0.5, -1.0, 0.25, 1.5, 0.0, -0.75]
B0 = [0.1, -0.2]
A_W, C_W = [1.0, 2.0, 0.5, 3.0, 1.5, 0.8], [1.0, -1.0, 0.0, 2.0, 0.5, -0.5]
A_B, C_B = [2.0, 0.7], [-1.0, 0.3]
ADAM_LRS = [0.1, 0.1, 0.05, 0.05, 0.02, 0.02]
RMSPROP_LRS = [0.01, 0.01, 0.005, 0.005, 0.002, 0.002]

CASES = [
    # (name, optimizer class, lrs, options, weight decay of the weight group)
    ("ADAM", torch.optim.Adam, ADAM_LRS, {}, 0.0),
    ("ADAM_L2", torch.optim.Adam, ADAM_LRS, {}, 0.1),
    ("ADAMW", torch.optim.AdamW, ADAM_LRS, {}, 0.1),
    ("AMSGRAD", torch.optim.AdamW, ADAM_LRS, {"amsgrad": True, "betas": (0.8, 0.9)}, 0.1),
    ("RMSPROP", torch.optim.RMSprop, RMSPROP_LRS, {}, 0.0),
    ("RMSPROP_MOMENTUM", torch.optim.RMSprop, RMSPROP_LRS, {"momentum": 0.9}, 0.0),
    ("RMSPROP_CENTERED", torch.optim.RMSprop, RMSPROP_LRS, {"centered": True, "alpha": 0.9}, 0.0),
    ("RMSPROP_L2", torch.optim.RMSprop, RMSPROP_LRS, {"momentum": 0.5, "centered": True}, 0.1),
]


def grad(p, a, c):
    return a * (p - c) + 0.5 * (p * p)


def run(cls, lrs, options, wd, dtype):
    t = lambda v: torch.tensor(v, dtype=dtype)
    w, b = t(W0), t(B0)
    groups = [{"params": [w], "weight_decay": wd}, {"params": [b], "weight_decay": 0.0}]
    opt = cls(groups, lr=lrs[0], foreach=False, **options)
    rows = []
    for lr in lrs:
        for g in opt.param_groups:
            g["lr"] = lr
        with torch.no_grad():
            w.grad = grad(w, t(A_W), t(C_W))
            b.grad = grad(b, t(A_B), t(C_B))
        opt.step()
        rows.append(w.tolist() + b.tolist())
    return rows


def literal(v, ty):
    """Shortest round-trip text of v as the Rust type ty."""
    return repr(float(v)) if ty == "f64" else str(np.float32(v))


def rust_table(name, ty, rows):
    body = "\n".join("    [" + ", ".join(literal(v, ty) for v in row) + "]," for row in rows)
    return f"#[rustfmt::skip]\nconst {name}_{ty.upper()}: [[{ty}; 8]; {len(rows)}] = [\n{body}\n];"


if __name__ == "__main__":
    print(f"// torch {torch.__version__}")
    for name, cls, lrs, options, wd in CASES:
        for ty, dtype in [("f64", torch.float64), ("f32", torch.float32)]:
            print(rust_table(name, ty, run(cls, lrs, options, wd, dtype)))
