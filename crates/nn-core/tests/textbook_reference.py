"""Reference numbers for the textbook's worked 2-2-2 example (section 2.2), in plain Python.

Run: python3 crates/nn-core/tests/textbook_reference.py
It prints every quantity that tests/textbook.rs asserts, computed by the chain rule exactly as
the chapter does it (hidden weights updated with the output weights from before the step).
"""
from math import exp

i1, i2 = 0.10, 0.20
w1, w2, w3, w4, b1 = 0.05, 0.15, 0.10, 0.20, 0.35
w5, w6, w7, w8, b2 = 0.25, 0.35, 0.30, 0.40, 0.50
t1, t2, lr = 0.85, 0.30, 1.0
sig = lambda z: 1 / (1 + exp(-z))

l_h1, l_h2 = w1 * i1 + w2 * i2 + b1, w3 * i1 + w4 * i2 + b1
h1, h2 = sig(l_h1), sig(l_h2)
l_o1, l_o2 = w5 * h1 + w6 * h2 + b2, w7 * h1 + w8 * h2 + b2
o1, o2 = sig(l_o1), sig(l_o2)
E1, E2 = 0.5 * (t1 - o1) ** 2, 0.5 * (t2 - o2) ** 2
d_o1, d_o2 = (o1 - t1) * o1 * (1 - o1), (o2 - t2) * o2 * (1 - o2)  # dE/dl_o
g5, g6, g7, g8 = d_o1 * h1, d_o1 * h2, d_o2 * h1, d_o2 * h2
d_h1 = (d_o1 * w5 + d_o2 * w7) * h1 * (1 - h1)  # dE/dl_h1
d_h2 = (d_o1 * w6 + d_o2 * w8) * h2 * (1 - h2)
g1, g2, g3, g4 = d_h1 * i1, d_h1 * i2, d_h2 * i1, d_h2 * i2
rows = dict(
    l_h1=l_h1, l_h2=l_h2, out_h1=h1, out_h2=h2, l_o1=l_o1, l_o2=l_o2, out_o1=o1, out_o2=o2,
    E_o1=E1, E_o2=E2, E_total=E1 + E2, dE_dw5=g5, dE_dw1=g1,
    w1=w1 - lr * g1, w2=w2 - lr * g2, w3=w3 - lr * g3, w4=w4 - lr * g4,
    w5=w5 - lr * g5, w6=w6 - lr * g6, w7=w7 - lr * g7, w8=w8 - lr * g8,
    b_hidden_grad=d_h1 + d_h2, b_out_grad=d_o1 + d_o2,
)
for k, v in rows.items():
    print(f"{k} = {v:.12f}")
