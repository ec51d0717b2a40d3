//! `nn gradcheck`, `nn schedule`, `nn descend` and `nn export` end to end.
mod common;
use common::{close, nn, ok, tempdir, value};

#[test]
fn gradcheck_passes_and_fails_on_threshold() {
    let out = ok(&["gradcheck"]);
    assert!(out.contains("ok: max relative error"), "{out}");
    let out = ok(&[
        "gradcheck",
        "--hidden",
        "6,5",
        "--activation",
        "sigmoid",
        "--loss",
        "mse",
        "--seed",
        "3",
    ]);
    assert!(out.contains("3-6-5-3 net"), "{out}");
    let strict = nn(&["gradcheck", "--threshold", "1e-30"]);
    assert_eq!(strict.code, 1);
    assert!(
        strict.stderr.contains("gradient check failed"),
        "{}",
        strict.stderr
    );
}

fn rates(out: &str) -> Vec<f64> {
    out.lines()
        .skip(1)
        .filter_map(|l| l.split_whitespace().nth(1)?.parse().ok())
        .collect()
}

#[test]
fn schedule_prints_literal_rates() {
    // step:3:0.5 — 0.1 for 3 epochs, then halved every 3
    let out = ok(&[
        "schedule",
        "--schedule",
        "step:3:0.5",
        "--lr",
        "0.1",
        "--epochs",
        "8",
    ]);
    assert_eq!(
        rates(&out),
        vec![0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025, 0.025]
    );
    // exp:0.5 — 0.1·0.5^t
    let out = ok(&[
        "schedule",
        "--schedule",
        "exp:0.5",
        "--lr",
        "0.1",
        "--epochs",
        "4",
    ]);
    assert_eq!(rates(&out), vec![0.1, 0.05, 0.025, 0.0125]);
    // 2 warm-up epochs (0.1/3, 0.2/3), then cosine over the 3 remaining: 0.1, 0.075, 0.025
    let out = ok(&[
        "schedule",
        "--schedule",
        "cosine",
        "--lr",
        "0.1",
        "--epochs",
        "5",
        "--warmup",
        "2",
    ]);
    let want = [0.03333333, 0.06666667, 0.1, 0.075, 0.025];
    for (got, want) in rates(&out).iter().zip(want) {
        close(*got, want, 1e-8, "cosine with warm-up");
    }
}

#[test]
fn schedule_plot_is_written() {
    let (_dir, dir) = tempdir();
    let path = format!("{dir}/lr.svg");
    ok(&[
        "schedule",
        "--schedule",
        "onecycle",
        "--epochs",
        "20",
        "--plot",
        &path,
    ]);
    assert!(std::fs::read_to_string(&path).unwrap().contains("<svg"));
}

fn last_point(out: &str) -> (f64, f64) {
    let row = out
        .lines()
        .rfind(|l| l.trim_start().starts_with(char::is_numeric))
        .unwrap();
    let v: Vec<f64> = row.split_whitespace().map(|c| c.parse().unwrap()).collect();
    (v[1], v[2])
}

#[test]
fn descend_converges_oscillates_and_diverges() {
    // lr 0.1: (4, 3)·0.8^30 = (0.004951, 0.003713)
    let out = ok(&["descend", "--lr", "0.1"]);
    let (x, y) = last_point(&out);
    close(x, 4.0 * 0.8f64.powi(30), 1e-6, "x after 30 steps");
    close(y, 3.0 * 0.8f64.powi(30), 1e-6, "y after 30 steps");
    assert!(out.contains("converges"), "{out}");
    // lr 1: (x, y) → (−x, −y); after 30 (even) steps back at the start
    let out = ok(&["descend", "--lr", "1", "--steps", "30"]);
    assert_eq!(last_point(&out), (4.0, 3.0));
    assert!(out.contains("oscillates"), "{out}");
    // lr 1.1: factor −1.2, |(x, y)| grows 1.2× per step: 4·1.2^10 = 24.76
    let out = ok(&["descend", "--lr", "1.1", "--steps", "10"]);
    close(
        last_point(&out).0,
        4.0 * 1.2f64.powi(10),
        1e-5,
        "x after 10 steps",
    );
    assert!(out.contains("diverges"), "{out}");
    let out = ok(&["descend", "--lr", "0.01", "--steps", "5"]);
    assert!(out.contains("crawls"), "{out}");
}

#[test]
fn export_reads_back_as_safetensors() {
    let (_dir, dir) = tempdir();
    let (model, st) = (format!("{dir}/net.json"), format!("{dir}/net.safetensors"));
    ok(&["explain", "--save-model", &model]);
    ok(&["export", "--model", &model, "--out", &st]);
    let bytes = std::fs::read(&st).unwrap();
    let n = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
    let header: serde_json::Value = serde_json::from_slice(&bytes[8..8 + n]).unwrap();
    let data = &bytes[8 + n..];
    let w = &header["layers.1.weight"];
    assert_eq!(w["dtype"], "F32");
    assert_eq!(w["shape"], serde_json::json!([2, 2]));
    let [start, end] = [0, 1].map(|i| w["data_offsets"][i].as_u64().unwrap() as usize);
    let floats: Vec<f32> = data[start..end]
        .chunks(4)
        .map(|c| f32::from_le_bytes(c.try_into().unwrap()))
        .collect();
    assert_eq!(floats, vec![0.25, 0.35, 0.30, 0.40]); // w5 w6 / w7 w8, (out, in) rows
    assert_eq!(header["layers.0.bias"]["shape"], serde_json::json!([2]));
    let meta = &header["__metadata__"];
    assert_eq!(meta["format"], "nn-model");
    let arch: serde_json::Value =
        serde_json::from_str(meta["architecture"].as_str().unwrap()).unwrap();
    assert_eq!(arch["sizes"], serde_json::json!([2, 2, 2]));
    let _ = value; // shared helper used by other test files
}
