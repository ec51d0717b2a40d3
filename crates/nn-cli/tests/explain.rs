//! `nn explain` against the textbook's worked example (section 2.2; numbers from the chapter).
mod common;
use common::{close, nn, ok, tempdir, value};

/// Printed values are rounded to 9 decimals and the chapter truncates some of its own (e.g.
/// ∂E/∂w5 = −0.0183750215… is printed −0.018375021), so text is compared to 1.5e-9.
const TEXT_TOL: f64 = 1.5e-9;

/// (line prefix in the text output, textbook value)
const TEXTBOOK: &[(&str, f64)] = &[
    ("l_h1 =", 0.385),
    ("out_h1 =", 0.595078474),
    ("out_h2 =", 0.598687660),
    ("out_o1 =", 0.702307507),
    ("out_o2 =", 0.714634132),
    ("E_o1 =", 0.010906536),
    ("E_o2 =", 0.085960731),
    ("E_total =", 0.096867268),
    ("∂E/∂out_o1 =", -0.147692493),
    ("∂out_o1/∂l_o1", 0.209071672),
    ("∂E/∂l_o1 =", -0.030878316),
    ("∂E/∂w5 =", -0.018375021),
    ("∂E_o1/∂out_h1 =", -0.007719579),
    ("∂E_o2/∂out_h1 =", 0.025367174),
    ("∂E/∂out_h1 = ∂E_o1", 0.017647595),
    ("∂out_h1/∂l_h1", 0.240960084),
    ("∂E/∂w1 =", 0.000425237),
    ("w5⁺ =", 0.268375021),
    ("w1⁺ =", 0.049574763),
    // The other six updated weights, from w⁺ = w − ∂E/∂w (η = 1) with
    // ∂E/∂w2 = ∂E/∂l_h1·i2, ∂E/∂w3,4 = ∂E/∂l_h2·i1,2, ∂E/∂w6 = ∂E/∂l_o1·out_h2,
    // ∂E/∂w7,8 = ∂E/∂l_o2·out_h1,2 (cross-checked in nn-core/tests/textbook_reference.py).
    ("w2⁺ =", 0.149149527),
    ("w3⁺ =", 0.099447028),
    ("w4⁺ =", 0.198894056),
    ("w6⁺ =", 0.368486467),
    ("w7⁺ =", 0.249681803),
    ("w8⁺ =", 0.349376620),
];

#[test]
fn text_matches_the_textbook() {
    let out = ok(&["explain"]);
    for &(prefix, want) in TEXTBOOK {
        close(value(&out, prefix), want, TEXT_TOL, prefix);
    }
    assert!(
        out.contains("out_h1 = sigmoid(l_h1) = 0.595078474"),
        "{out}"
    );
    assert!(
        out.contains("w5⁺ = 0.250000000 − 1·(-0.018375022) = 0.268375022"),
        "{out}"
    );
}

#[test]
fn json_matches_the_textbook_to_1e9() {
    let out = ok(&["explain", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&out).expect("valid JSON");
    let f = |p: &serde_json::Value| p.as_f64().expect("a number");
    close(f(&v["E_total"]), 0.096867268, 1e-9, "E_total");
    close(f(&v["losses"]["E_o1"]), 0.010906536, 1e-9, "E_o1");
    let hidden = &v["layers"][0];
    let output = &v["layers"][1];
    close(f(&hidden["neurons"][0]["out"]), 0.595078474, 1e-9, "out_h1");
    close(f(&output["neurons"][0]["out"]), 0.702307507, 1e-9, "out_o1");
    close(
        f(&output["neurons"][0]["dE_dout"]),
        -0.147692493,
        1e-9,
        "dE/dout_o1",
    );
    close(
        f(&hidden["neurons"][0]["dE_dout"]),
        0.017647595,
        1e-9,
        "dE/dout_h1",
    );
    let w5 = &output["weights"][0];
    assert_eq!(w5["name"], "w5");
    close(f(&w5["grad"]), -0.018375021, 1e-9, "dE/dw5");
    close(f(&w5["updated"]), 0.268375021, 1e-9, "w5+");
    let w1 = &hidden["weights"][0];
    assert_eq!(
        (w1["name"].as_str(), w1["from"].as_str(), w1["to"].as_str()),
        (Some("w1"), Some("i1"), Some("h1"))
    );
    close(f(&w1["grad"]), 0.000425237, 1e-9, "dE/dw1");
    close(f(&w1["updated"]), 0.049574763, 1e-9, "w1+");
}

#[test]
fn an_edited_model_file_is_explained() {
    let (_dir, dir) = tempdir();
    let path = format!("{dir}/net.json");
    ok(&["explain", "--save-model", &path]);
    let mut model: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(model["format"], "nn-model");
    assert_eq!(model["layers"][1]["weight"][0][0], 0.25); // w5
    model["layers"][1]["weight"][0][0] = serde_json::json!(0.5);
    std::fs::write(&path, serde_json::to_string(&model).unwrap()).unwrap();
    let out = ok(&["explain", "--model", &path]);
    // l_o1 = 0.5·out_h1 + 0.35·out_h2 + 0.5 = 1.007079918, out_o1 = σ(l_o1) = 0.732448296
    close(value(&out, "l_o1 ="), 1.007079918, TEXT_TOL, "l_o1");
    close(value(&out, "out_o1 ="), 0.732448296, TEXT_TOL, "out_o1");
    let wrong = nn(&["explain", "--model", &path, "--input", "1,2,3"]);
    assert_eq!(wrong.code, 2);
    assert!(
        wrong
            .stderr
            .contains("--input has 3 values but the network needs 2"),
        "{}",
        wrong.stderr
    );
}

#[test]
fn custom_input_target_and_rate() {
    // lr 0.5 halves the step: w5⁺ = 0.25 − 0.5·(−0.018375021) = 0.259187511
    let out = ok(&["explain", "--lr", "0.5"]);
    close(
        value(&out, "w5⁺ ="),
        0.2591875108,
        TEXT_TOL,
        "w5+ at lr 0.5",
    );
    // Zero input: l_h1 = b = 0.35
    let out = ok(&["explain", "--input", "0,0", "--target", "1,0"]);
    close(value(&out, "l_h1 ="), 0.35, TEXT_TOL, "l_h1");
}
