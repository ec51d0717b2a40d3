//! The JSON rendering of `nn explain`: every quantity the text prints, at full precision.

use serde_json::{json, Value};

use crate::explain::{path_terms, Step};

/// The explanation as JSON.
pub fn to_json(step: &Step) -> Value {
    let tr = step.trace;
    let n = step.names;
    let last = n.neurons.len() - 1;
    let losses: serde_json::Map<String, Value> = n.neurons[last]
        .iter()
        .enumerate()
        .map(|(j, o)| (format!("E_{o}"), json!(tr.losses[[0, j]])))
        .collect();
    let layers: Vec<Value> = (0..tr.layers.len()).map(|l| layer_json(step, l)).collect();
    json!({
        "network": {
            "sizes": step.net.sizes(),
            "activations": step.net.layers().iter().map(|l| l.activation().name()).collect::<Vec<_>>(),
            "loss": step.loss.name(),
            "lr": step.lr,
            "freeze_bias": step.freeze_bias,
        },
        "input": named(&n.neurons[0], tr.layers[0].input.row(0).iter()),
        "target": named(&n.neurons[last], step.target.row(0).iter()),
        "layers": layers,
        "losses": losses,
        "E_total": tr.total,
    })
}

fn layer_json(step: &Step, l: usize) -> Value {
    let names = &step.names.neurons[l + 1];
    let neurons: Vec<Value> = (0..names.len()).map(|j| neuron_json(step, l, j)).collect();
    json!({ "layer": l + 1, "activation": step.net.layers()[l].activation().name(),
            "neurons": neurons, "weights": weights_json(step, l) })
}

/// One neuron; hidden neurons also list the terms `∂E/∂out_h` sums (`dE_dout_paths`).
fn neuron_json(step: &Step, l: usize, j: usize) -> Value {
    let lt = &step.trace.layers[l];
    let mut v = json!({
        "name": step.names.neurons[l + 1][j], "l": lt.linear[[0, j]], "out": lt.out[[0, j]],
        "dE_dout": lt.d_out[[0, j]], "dout_dl": lt.d_out_d_linear[[0, j]],
        "dE_dl": lt.d_linear[[0, j]],
        "bias": {"value": lt.bias[j], "grad": lt.grad_bias[j], "updated": lt.new_bias[j]},
    });
    if l + 1 < step.trace.layers.len() {
        let next = &step.names.neurons[l + 2];
        let paths: Vec<Value> = path_terms(step, l, j)
            .into_iter()
            .map(|p| {
                json!({
                    "name": p.label, "via": next[p.via], "dE_dl_via": p.d_linear,
                    "weight": p.weight, "weight_value": p.weight_value, "value": p.value,
                })
            })
            .collect();
        v["dE_dout_paths"] = Value::Array(paths);
    }
    v
}

fn weights_json(step: &Step, l: usize) -> Vec<Value> {
    let lt = &step.trace.layers[l];
    let n = step.names;
    let mut out = Vec::new();
    for ((j, i), &w) in lt.weight.indexed_iter() {
        out.push(json!({
            "name": n.weight(l, j, i), "from": n.neurons[l][i], "to": n.neurons[l + 1][j],
            "value": w, "dl_dw": lt.input[[0, i]], "grad": lt.grad_weight[[j, i]],
            "updated": lt.new_weight[[j, i]],
        }));
    }
    out
}

/// `{name: value, …}`.
pub fn named<'a>(names: &[String], values: impl Iterator<Item = &'a f64>) -> Value {
    Value::Object(
        names
            .iter()
            .cloned()
            .zip(values.map(|&v| json!(v)))
            .collect(),
    )
}
