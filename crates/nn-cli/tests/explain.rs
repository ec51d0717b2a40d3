//! `nn explain` against the textbook's worked example (section 2.2; numbers from the chapter).
mod common;
use common::{close, nn, ok, tempdir, value};

/// Printed values are rounded to 9 decimals and the chapter truncates some of its own (e.g.
/// ∂E/∂w5 = −0.0183750215… is printed −0.018375021), so text is compared to 1.5e-9.
const TEXT_TOL: f64 = 1.5e-9;

/// The 22 quantities the chapter prints (section 2.2; /work/shared/seed/README.md):
/// (line prefix in the text output, JSON pointer, textbook value).
const TEXTBOOK: &[(&str, &str, f64)] = &[
    ("l_h1 =", "/layers/0/neurons/0/l", 0.385),
    ("l_h2 =", "/layers/0/neurons/1/l", 0.400),
    ("out_h1 =", "/layers/0/neurons/0/out", 0.595078474),
    ("out_h2 =", "/layers/0/neurons/1/out", 0.598687660),
    ("l_o1 =", "/layers/1/neurons/0/l", 0.8583102995),
    ("l_o2 =", "/layers/1/neurons/1/l", 0.9179986062),
    ("out_o1 =", "/layers/1/neurons/0/out", 0.702307507),
    ("out_o2 =", "/layers/1/neurons/1/out", 0.714634132),
    ("E_o1 =", "/losses/E_o1", 0.010906536),
    ("E_o2 =", "/losses/E_o2", 0.085960731),
    ("E_total =", "/E_total", 0.096867268),
    ("∂E/∂out_o1 =", "/layers/1/neurons/0/dE_dout", -0.147692493),
    ("∂out_o1/∂l_o1", "/layers/1/neurons/0/dout_dl", 0.209071672),
    ("∂E/∂w5 =", "/layers/1/weights/0/grad", -0.018375021),
    ("w5⁺ =", "/layers/1/weights/0/updated", 0.268375021),
    ("∂E/∂l_o1 =", "/layers/1/neurons/0/dE_dl", -0.030878316),
    (
        "∂E_o1/∂out_h1 =",
        "/layers/0/neurons/0/dE_dout_paths/0/value",
        -0.007719579,
    ),
    (
        "∂E_o2/∂out_h1 =",
        "/layers/0/neurons/0/dE_dout_paths/1/value",
        0.025367174,
    ),
    (
        "∂E/∂out_h1 = ∂E_o1",
        "/layers/0/neurons/0/dE_dout",
        0.017647595,
    ),
    ("∂out_h1/∂l_h1", "/layers/0/neurons/0/dout_dl", 0.240960084),
    ("∂E/∂w1 =", "/layers/0/weights/0/grad", 0.000425237),
    ("w1⁺ =", "/layers/0/weights/0/updated", 0.049574763),
];

/// The other six updated weights, from w⁺ = w − ∂E/∂w (η = 1) with
/// ∂E/∂w2 = ∂E/∂l_h1·i2, ∂E/∂w3,4 = ∂E/∂l_h2·i1,2, ∂E/∂w6 = ∂E/∂l_o1·out_h2,
/// ∂E/∂w7,8 = ∂E/∂l_o2·out_h1,2 (cross-checked in nn-core/tests/textbook_reference.py).
const UPDATED: &[(&str, f64)] = &[
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
    assert_eq!(TEXTBOOK.len(), 22);
    for &(prefix, _, want) in TEXTBOOK {
        close(value(&out, prefix), want, TEXT_TOL, prefix);
    }
    for &(prefix, want) in UPDATED {
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
fn json_holds_all_22_textbook_quantities_to_1e9() {
    let out = ok(&["explain", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&out).expect("valid JSON");
    for &(prefix, pointer, want) in TEXTBOOK {
        let got = v.pointer(pointer).and_then(|p| p.as_f64());
        let got = got.unwrap_or_else(|| panic!("no number at {pointer} ({prefix})"));
        close(got, want, 1e-9, pointer);
    }
    let w1 = &v["layers"][0]["weights"][0];
    assert_eq!(
        (w1["name"].as_str(), w1["from"].as_str(), w1["to"].as_str()),
        (Some("w1"), Some("i1"), Some("h1"))
    );
    let path = &v["layers"][0]["neurons"][0]["dE_dout_paths"][1];
    assert_eq!(
        (path["name"].as_str(), path["via"].as_str()),
        (Some("∂E_o2/∂out_h1"), Some("o2"))
    );
    assert_eq!(
        (path["weight"].as_str(), path["weight_value"].as_f64()),
        (Some("w7"), Some(0.3))
    );
    // The output layer has no paths to sum.
    assert!(v["layers"][1]["neurons"][0].get("dE_dout_paths").is_none());
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

/// E_total after steps 0–10, 100 and 1000 of the textbook's step at η = 1, from
/// `python3 crates/nn-cli/tests/reference/explain_steps.py` (plain IEEE-double Python).
const FROZEN_BIAS_SERIES: &[(u64, f64)] = &[
    (0, 0.09686726820253264),
    (1, 0.0911171235200405),
    (2, 0.08548260999311608),
    (3, 0.07998944137375955),
    (4, 0.07466243182645889),
    (5, 0.06952452516846523),
    (6, 0.06459595014805282),
    (7, 0.05989355560694934),
    (8, 0.05543036132427888),
    (9, 0.051215338491509575),
    (10, 0.047253411767376116),
    (100, 0.0002474755620619406),
    (1000, 6.408347793458268e-14),
];

/// The same with the biases updated too (the default), from the same script.
const UPDATED_BIAS_SERIES: &[(u64, f64)] = &[
    (0, 0.09686726820253264),
    (1, 0.08311974126382007),
    (2, 0.07023671461542703),
    (3, 0.05853865571272917),
    (4, 0.04824631224967356),
    (5, 0.039446809140253704),
    (6, 0.0321009788810709),
    (7, 0.02607884374200619),
    (8, 0.021202923035112103),
    (9, 0.017284265378842534),
    (10, 0.01414553343601186),
    (100, 4.587976943212059e-06),
    (1000, 4.77399514614708e-29),
];

/// `(step, E_total)` pairs of the JSON's `steps` object.
fn series(v: &serde_json::Value) -> Vec<(u64, f64)> {
    let items = v["steps"]["E_total"].as_array().expect("an E_total series");
    items
        .iter()
        .map(|p| (p["step"].as_u64().unwrap(), p["E_total"].as_f64().unwrap()))
        .collect()
}

fn assert_series(got: &[(u64, f64)], want: &[(u64, f64)]) {
    assert_eq!(got.len(), want.len(), "{got:?}");
    for (&(s, e), &(ws, we)) in got.iter().zip(want) {
        assert_eq!(s, ws);
        // 1e-12 absolute, and 1e-6 relative so that the tiny late values count too.
        close(e, we, 1e-12, &format!("E_total after step {s}"));
        close(
            e,
            we,
            1e-6 * we,
            &format!("E_total after step {s} (relative)"),
        );
    }
}

#[test]
fn steps_with_frozen_biases_match_the_reference_series() {
    let args = [
        "explain",
        "--steps",
        "1000",
        "--freeze-bias",
        "--format",
        "json",
    ];
    let v: serde_json::Value = serde_json::from_str(&ok(&args)).unwrap();
    assert_series(&series(&v), FROZEN_BIAS_SERIES);
    assert_eq!(v["steps"]["freeze_bias"], true);
    assert_eq!(v["network"]["freeze_bias"], true);
    // The explained step keeps the biases too; the outputs end at the targets.
    let b_o1 = &v["layers"][1]["neurons"][0]["bias"];
    assert_eq!(
        (b_o1["value"].as_f64(), b_o1["updated"].as_f64()),
        (Some(0.5), Some(0.5))
    );
    close(
        v["steps"]["outputs"]["o1"].as_f64().unwrap(),
        0.85,
        1e-6,
        "out_o1",
    );
    close(
        v["steps"]["outputs"]["o2"].as_f64().unwrap(),
        0.30,
        1e-6,
        "out_o2",
    );
}

#[test]
fn steps_print_a_falling_series_and_update_biases_by_default() {
    let v: serde_json::Value =
        serde_json::from_str(&ok(&["explain", "--steps", "1000", "--format", "json"])).unwrap();
    let got = series(&v);
    // The default agrees with the reference to 1e-12 absolute; its last value (5e-29) is far
    // below what a double can resolve of `t − out`, so only the first 12 are compared relatively.
    assert_series(&got[..12], &UPDATED_BIAS_SERIES[..12]);
    close(
        got[12].1,
        UPDATED_BIAS_SERIES[12].1,
        1e-12,
        "E_total after step 1000",
    );
    let text = ok(&["explain", "--steps", "1000"]);
    assert!(text.contains("== Keep iterating: 1000 steps"), "{text}");
    assert!(text.contains("biases updated too"), "{text}");
    let printed: Vec<f64> = ["0", "1", "2", "10", "100", "1000"]
        .iter()
        .map(|s| {
            value(
                &text.replace(&format!("  {s:>8}  "), &format!("step {s} = ")),
                &format!("step {s} ="),
            )
        })
        .collect();
    assert!(printed.windows(2).all(|w| w[1] < w[0]), "{printed:?}");
    close(printed[1], 0.083119741, TEXT_TOL, "E_total after step 1");
    assert!(text.contains("out_o1 = 0.85"), "{text}");
}

#[test]
fn plot_loss_needs_steps_and_pictures_need_svg_or_png() {
    let (_dir, dir) = tempdir();
    let run = nn(&["explain", "--plot-loss", &format!("{dir}/loss.png")]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("--steps"), "{}", run.stderr);
    assert!(!std::path::Path::new(&format!("{dir}/loss.png")).exists());
    // A picture nn cannot draw fails before anything is printed, and writes nothing.
    let pdf = format!("{dir}/step.pdf");
    let run = nn(&["explain", "--plot", &pdf]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("a plot is written as SVG or PNG; name it .svg or .png"),
        "{}",
        run.stderr
    );
    assert!(run.stdout.is_empty() && !std::path::Path::new(&pdf).exists());
}

#[test]
fn the_step_is_drawn_as_svg_and_png() {
    let (_dir, dir) = tempdir();
    let (svg, png, loss) = (
        format!("{dir}/step.svg"),
        format!("{dir}/step.png"),
        format!("{dir}/loss.svg"),
    );
    let out = ok(&[
        "explain",
        "--plot",
        &svg,
        "--steps",
        "20",
        "--plot-loss",
        &loss,
    ]);
    assert!(
        out.contains(&format!("picture of the step written to {svg}")),
        "{out}"
    );
    let text = std::fs::read_to_string(&svg).unwrap();
    for w in 1..=8 {
        assert!(text.contains(&format!("\nw{w} = ")), "w{w} missing");
        assert!(text.contains(&format!("∂E/∂w{w} = ")), "∂E/∂w{w} missing");
    }
    for number in [
        "0.595078474",
        "0.268375022",
        "-0.007719579",
        "0.025367174",
        "0.096867268",
    ] {
        assert!(text.contains(number), "{number} missing");
    }
    assert!(std::fs::read_to_string(&loss)
        .unwrap()
        .contains("E_total over 20 steps"));
    ok(&["explain", "--plot", &png, "--format", "json"]);
    let bytes = std::fs::read(&png).unwrap();
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    assert!(bytes.len() < 100_000, "{} bytes", bytes.len());
}

#[test]
fn a_3_4_2_tanh_model_is_drawn() {
    let (_dir, dir) = tempdir();
    let model = format!("{dir}/net.json");
    ok(&["explain", "--save-model", &model]);
    let mut m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&model).unwrap()).unwrap();
    m["architecture"]["sizes"] = serde_json::json!([3, 4, 2]);
    m["features"] = serde_json::json!(["a", "b", "c"]);
    let hidden = &mut m["layers"][0];
    hidden["in_features"] = 3.into();
    hidden["out_features"] = 4.into();
    hidden["activation"]["kind"] = "tanh".into();
    hidden["weight"] = serde_json::json!([
        [0.1, 0.2, 0.3],
        [-0.1, 0.4, 0.2],
        [0.3, -0.2, 0.1],
        [0.2, 0.2, -0.3]
    ]);
    hidden["bias"] = serde_json::json!([0.1, 0.0, -0.1, 0.2]);
    let output = &mut m["layers"][1];
    output["in_features"] = 4.into();
    output["weight"] = serde_json::json!([[0.5, -0.5, 0.25, 0.1], [0.3, 0.2, -0.4, 0.6]]);
    std::fs::write(&model, m.to_string()).unwrap();
    let svg = format!("{dir}/net.svg");
    let out = ok(&[
        "explain", "--model", &model, "--input", "1,0.5,-1", "--plot", &svg,
    ]);
    assert!(
        out.contains("Network 3-4-2 (activations: tanh, sigmoid)"),
        "{out}"
    );
    let text = std::fs::read_to_string(&svg).unwrap();
    // w1–w12 into h1–h4, w13–w20 into o1, o2; every hidden output has two paths.
    assert!(text.contains("\nw12 = ") && text.contains("\nw20 = "));
    // l_h1 = 0.1·1 + 0.2·0.5 + 0.3·(−1) + 0.1 = 0; out_h1 = tanh 0 = 0.
    assert!(text.contains("\nl_h1 = 0.000000000\n") && text.contains("\nout_h1 = 0.000000000\n"));
    assert!(text.contains("∂E_o2/∂out_h4 = ∂E/∂l_o2·w20 = "));
}

#[test]
fn diverging_steps_are_a_clear_error() {
    // The textbook network made linear: with η = 1000 every step overshoots further, until
    // E_total overflows.
    let (_dir, dir) = tempdir();
    let model = format!("{dir}/net.json");
    ok(&["explain", "--save-model", &model]);
    let text = std::fs::read_to_string(&model).unwrap();
    std::fs::write(&model, text.replace("\"sigmoid\"", "\"identity\"")).unwrap();
    let run = nn(&[
        "explain", "--model", &model, "--lr", "1000", "--steps", "100",
    ]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("(diverged); try a lower --lr"),
        "{}",
        run.stderr
    );
    assert!(
        run.stdout.is_empty(),
        "nothing printed before the error: {}",
        run.stdout
    );
}
