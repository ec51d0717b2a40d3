//! `cargo xtask pictures`: regenerates the PNGs of the README's "Learning from the chapter"
//! section in `docs/`, each drawn by the `nn` binary (`cargo run -p nn-cli -- …`).

use anyhow::{Context, Result};

use crate::{cargo, root};

/// `nn` arguments, one picture each; `docs/` paths are relative to the workspace root.
const PICTURES: &[&[&str]] = &[
    &["explain", "--plot", "docs/explain-step.png"],
    &[
        "explain",
        "--steps",
        "1000",
        "--freeze-bias",
        "--plot-loss",
        "docs/explain-steps.png",
    ],
    &[
        "descend",
        "--lr",
        "0.01",
        "--plot",
        "docs/descend-crawl.png",
    ],
    &[
        "descend",
        "--lr",
        "0.3",
        "--plot",
        "docs/descend-converge.png",
    ],
    &[
        "descend",
        "--lr",
        "1.05",
        "--steps",
        "8",
        "--plot",
        "docs/descend-diverge.png",
    ],
    &[
        "schedule",
        "--schedule",
        "cosine",
        "--lr",
        "0.1",
        "--epochs",
        "100",
        "--warmup",
        "5",
        "--plot",
        "docs/schedule-cosine.png",
    ],
];

/// Draws every picture of [`PICTURES`].
pub fn run() -> Result<()> {
    let docs = root()?.join("docs");
    std::fs::create_dir_all(&docs).with_context(|| format!("creating {docs:?}"))?;
    for args in PICTURES {
        cargo(&[&["run", "--quiet", "-p", "nn-cli", "--"], *args].concat())?;
    }
    Ok(())
}
