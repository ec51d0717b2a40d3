//! `cargo xtask train [PRESET] [FLAGS…]`: trains a named preset with the release `nn`
//! binary (`cargo run --release -p nn-cli -- train …`), writing `runs/<preset>/model.json` and
//! `runs/<preset>/curves.svg`. Flags after the preset are appended and override the preset's.
//! `cargo xtask cv [PRESET] [FLAGS…]` cross-validates the same preset (`nn cv`, 5 stratified
//! folds), writing the per-fold figures to `runs/<preset>/folds.csv`.

use anyhow::{bail, Result};

/// A preset: data and flags tuned for one dataset.
struct Preset {
    name: &'static str,
    data: &'static str,
    flags: &'static [&'static str],
}

/// Hidden sizes, learning rates and epochs chosen so each preset reaches the README's figure
/// in seconds (MNIST: about a second per epoch on two cores).
const PRESETS: &[Preset] = &[
    Preset {
        name: "iris",
        data: "datasets/iris.csv",
        flags: &["--hidden", "16", "--epochs", "100"],
    },
    Preset {
        name: "wine",
        data: "datasets/wine.csv",
        flags: &["--epochs", "100"],
    },
    Preset {
        name: "breast-cancer",
        data: "datasets/breast_cancer.csv",
        flags: &["--hidden", "32", "--epochs", "50", "--weight-decay", "1e-3"],
    },
    Preset {
        name: "digits",
        data: "datasets/digits.csv",
        flags: &["--hidden", "64", "--epochs", "50"],
    },
    Preset {
        name: "diabetes",
        data: "datasets/diabetes.csv",
        flags: &["--hidden", "32", "--lr", "0.001", "--epochs", "100"],
    },
    Preset {
        name: "penguins",
        data: "datasets/penguins.csv",
        flags: &["--target", "species", "--missing", "mean"],
    },
    Preset {
        name: "mnist",
        data: "datasets/mnist",
        flags: &[
            "--hidden",
            "256,128",
            "--epochs",
            "10",
            "--batch-size",
            "64",
            "--lr",
            "0.02",
            "--schedule",
            "cosine",
            "--preprocess",
            "none",
        ],
    },
];

/// The preset named by the first argument (default `iris`), and the remaining flags.
fn preset(args: &[String]) -> Result<(&'static Preset, &[String])> {
    let (name, extra) = match args.first() {
        Some(first) if !first.starts_with('-') => (first.as_str(), &args[1..]),
        _ => ("iris", args),
    };
    match PRESETS.iter().find(|p| p.name == name) {
        Some(preset) => Ok((preset, extra)),
        None => {
            let names: Vec<&str> = PRESETS.iter().map(|p| p.name).collect();
            bail!("unknown preset {name:?}; presets: {}", names.join(", "))
        }
    }
}

/// `cargo xtask cv`: 5-fold cross-validation of a preset (its flags, then the extra ones).
pub fn cv(args: &[String]) -> Result<()> {
    let (preset, extra) = preset(args)?;
    let dir = format!("runs/{}", preset.name);
    std::fs::create_dir_all(crate::root()?.join(&dir))?;
    let folds = format!("{dir}/folds.csv");
    let mut cmd = vec!["run", "--release", "--quiet", "-p", "nn-cli", "--", "cv"];
    cmd.extend(["--data", preset.data, "--folds", "5", "--out", &folds]);
    cmd.extend(preset.flags);
    cmd.extend(extra.iter().map(String::as_str));
    crate::cargo(&cmd)
}

/// Runs the preset named by the first argument (default `iris`) with the remaining flags.
pub fn run(args: &[String]) -> Result<()> {
    let (preset, extra) = preset(args)?;
    let dir = format!("runs/{}", preset.name);
    std::fs::create_dir_all(crate::root()?.join(&dir))?;
    let (model, curves) = (format!("{dir}/model.json"), format!("{dir}/curves.svg"));
    let mut cmd = vec!["run", "--release", "--quiet", "-p", "nn-cli", "--", "train"];
    cmd.extend(["--data", preset.data, "--out", &model, "--plot", &curves]);
    cmd.extend(preset.flags);
    cmd.extend(extra.iter().map(String::as_str));
    crate::cargo(&cmd)?;
    let nn = binary()?.display().to_string();
    println!("model: {model}\ncurves: {curves}\nbinary: {nn} (or `cargo install --path crates/nn-cli` for `nn` on the PATH)");
    println!("next: {nn} evaluate --model {model} --data {}", preset.data);
    Ok(())
}

/// Where `cargo run --release` left the `nn` binary: `$CARGO_TARGET_DIR/release/nn`, or
/// `target/release/nn` in the workspace root.
fn binary() -> Result<std::path::PathBuf> {
    let target = match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => std::path::PathBuf::from(dir),
        None => crate::root()?.join("target"),
    };
    Ok(target
        .join("release")
        .join(format!("nn{}", std::env::consts::EXE_SUFFIX)))
}
