//! `nn preprocess fit|transform`: fit a scaler on a CSV's numeric columns and save its
//! parameters as JSON, or apply saved parameters (or their inverse) to a CSV. Columns the
//! parameters do not name (e.g. the label) are copied through unchanged.

use std::path::Path;

use anyhow::{bail, ensure, Context, Result};
use ndarray::Array2;
use serde::{Deserialize, Serialize};

use crate::args::PreprocessArgs;
use crate::args::{Method, PreprocessAction as Action};
use nn_data::{Preprocessor, Transformer};

/// The parameters file.
#[derive(Debug, Serialize, Deserialize)]
struct Params {
    format: String,
    version: u32,
    columns: Vec<String>,
    preprocessor: Preprocessor,
}

const FORMAT: &str = "nn-preprocessing";

/// Runs `nn preprocess`.
pub fn run(args: PreprocessArgs) -> Result<()> {
    match args.action {
        Action::Fit {
            method,
            data,
            exclude,
            out,
        } => fit(method, &data, exclude.as_deref(), &out),
        Action::Transform {
            params,
            data,
            out,
            inverse,
        } => transform(&params, &data, &out, inverse),
    }
}

fn fit(method: Method, data: &Path, exclude: Option<&str>, out: &Path) -> Result<()> {
    let csv = Csv::read(data)?;
    if let Some(name) = exclude {
        csv.column(name, data)?;
    }
    let columns: Vec<String> = csv
        .header
        .iter()
        .filter(|h| Some(h.as_str()) != exclude)
        .cloned()
        .collect();
    let cols = columns
        .iter()
        .map(|c| csv.column(c, data))
        .collect::<Result<Vec<_>>>()?;
    let x = gather(&csv.records, &cols, &csv.header)
        .with_context(|| format!("in {}", data.display()))?;
    let mut preprocessor = method.build()?;
    preprocessor.fit(x.view())?;
    let params = Params {
        format: FORMAT.into(),
        version: 1,
        columns,
        preprocessor,
    };
    crate::fsutil::write_atomic(out, serde_json::to_string_pretty(&params)?.as_bytes())?;
    let (n, shown) = (params.columns.len(), data.display());
    println!(
        "fitted {method:?} on {n} columns of {shown}; wrote {}",
        out.display()
    );
    Ok(())
}

/// A CSV's header and records.
struct Csv {
    header: Vec<String>,
    records: Vec<csv::StringRecord>,
}

impl Csv {
    fn read(path: &Path) -> Result<Self> {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        let mut reader = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .from_reader(text.as_bytes());
        let header: Vec<String> = reader.headers()?.iter().map(String::from).collect();
        let records = reader
            .records()
            .collect::<std::result::Result<_, _>>()
            .with_context(|| format!("in {}", path.display()))?;
        Ok(Csv { header, records })
    }

    fn column(&self, name: &str, path: &Path) -> Result<usize> {
        let found = self.header.iter().position(|h| h == name);
        found.with_context(|| format!("{} has no column {name:?}", path.display()))
    }
}

fn load_params(path: &Path) -> Result<Params> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let params: Params = serde_json::from_str(&text)
        .with_context(|| format!("invalid parameters file {}", path.display()))?;
    ensure!(
        params.format == FORMAT,
        "{} is not an {FORMAT} file",
        path.display()
    );
    Ok(params)
}

fn transform(params: &Path, data: &Path, out: &Path, inverse: bool) -> Result<()> {
    let p = load_params(params)?;
    let csv = Csv::read(data)?;
    let cols = p
        .columns
        .iter()
        .map(|c| csv.column(c, data))
        .collect::<Result<Vec<_>>>()?;
    let x = gather(&csv.records, &cols, &csv.header)
        .with_context(|| format!("in {}", data.display()))?;
    let y = if inverse {
        p.preprocessor.inverse_transform(x.view())?
    } else {
        p.preprocessor.transform(x.view())?
    };
    let bytes = write_csv(&csv.header, &csv.records, &cols, &y)?;
    crate::fsutil::write_atomic(out, &bytes)?;
    println!("wrote {} rows to {}", csv.records.len(), out.display());
    Ok(())
}

fn gather(records: &[csv::StringRecord], cols: &[usize], header: &[String]) -> Result<Array2<f64>> {
    let mut x = Array2::zeros((records.len(), cols.len()));
    for (r, rec) in records.iter().enumerate() {
        for (k, &c) in cols.iter().enumerate() {
            let cell = rec.get(c).unwrap_or("");
            let line = rec.position().map_or(0, |p| p.line());
            x[[r, k]] = match cell.parse::<f64>() {
                Ok(v) if v.is_finite() => v,
                _ => bail!(
                    "line {line}, column {} ({:?}): {cell:?} is not a number",
                    c + 1,
                    header[c]
                ),
            };
        }
    }
    Ok(x)
}

fn write_csv(
    header: &[String],
    records: &[csv::StringRecord],
    cols: &[usize],
    y: &Array2<f64>,
) -> Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(header)?;
    for (r, rec) in records.iter().enumerate() {
        let mut cells: Vec<String> = rec.iter().map(String::from).collect();
        for (k, &c) in cols.iter().enumerate() {
            cells[c] = format!("{}", y[[r, k]]);
        }
        w.write_record(&cells)?;
    }
    w.into_inner().map_err(|e| anyhow::anyhow!("{e}"))
}
