//! `nn preprocess fit|transform`: fit a scaler on a CSV's feature columns and save its
//! parameters as JSON, or apply saved parameters (or their inverse) to a CSV. The columns are
//! read by nn-data as `nn train` reads them: text columns are one-hot encoded with the saved
//! categories and only the numeric columns are scaled. Columns the parameters do not name
//! (e.g. the label) are copied through unchanged; errors name file, line and column.

use std::path::Path;

use anyhow::{ensure, Context, Result};
use ndarray::Array2;
use serde::{Deserialize, Serialize};

use crate::args::PreprocessArgs;
use crate::args::{Method, PreprocessAction as Action};
use crate::stdout::outln;
use nn_data::{ApplyOptions, CsvOptions, CsvSchema, Missing, Preprocessor, TargetKind};

/// The parameters file. Files from before text columns have no `schema`: all their
/// `columns` are numeric.
#[derive(Debug, Serialize, Deserialize)]
struct Params {
    format: String,
    version: u32,
    /// The numeric (scaled) columns.
    columns: Vec<String>,
    preprocessor: Preprocessor,
    /// How the columns are read: numeric columns, then categorical ones with their categories.
    #[serde(default)]
    schema: Option<CsvSchema>,
}

impl Params {
    /// The schema to read data with (a numeric-only one for old files).
    fn schema(&self) -> CsvSchema {
        self.schema
            .clone()
            .unwrap_or_else(|| numeric_schema(&self.columns))
    }
}

/// A schema reading `columns` as numbers, with no target.
fn numeric_schema(columns: &[String]) -> CsvSchema {
    CsvSchema {
        feature_names: columns.to_vec(),
        target_name: String::new(),
        kind: TargetKind::None,
        missing: Missing::Error,
        imputer: None,
        categorical: Vec::new(),
    }
}

const FORMAT: &str = "nn-preprocessing";

/// Runs `nn preprocess`.
pub fn run(args: PreprocessArgs) -> Result<()> {
    match args.action {
        Action::Fit {
            method,
            data,
            exclude,
            categorical,
            max_categories,
            delimiter,
            out,
        } => {
            let options = CsvOptions {
                exclude,
                categorical,
                max_categories,
                delimiter,
                ..Default::default()
            };
            fit(method, &data, &options, &out)
        }
        Action::Transform {
            params,
            data,
            out,
            inverse,
        } => transform(&params, &data, &out, inverse),
    }
}

fn fit(method: Method, data: &Path, options: &CsvOptions, out: &Path) -> Result<()> {
    crate::outputs::Outputs::new()
        .input("--data", Some(data))
        .file("--out", Some(out))
        .check()?;
    let bytes = read(data)?;
    let name = data.display().to_string();
    let loaded = nn_data::read_features_as::<f64>(bytes.as_slice(), &name, options)?;
    let schema = loaded.schema;
    let n_numeric = schema.n_numeric();
    let mut preprocessor = method.build()?;
    preprocessor.fit_transform_leading(loaded.dataset.features, n_numeric)?;
    let params = Params {
        format: FORMAT.into(),
        version: 1,
        columns: schema.feature_names[..n_numeric].to_vec(),
        preprocessor,
        schema: Some(schema),
    };
    crate::fsutil::write_atomic(out, serde_json::to_string_pretty(&params)?.as_bytes())?;
    let n_text = params.schema.as_ref().map_or(0, |s| s.categorical.len());
    outln!(
        "fitted {method:?} on {n_numeric} numeric columns of {name} ({n_text} text columns one-hot encoded); wrote {}",
        out.display()
    )?;
    Ok(())
}

fn read(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("reading {}", path.display()))
}

fn load_params(path: &Path) -> Result<Params> {
    let text = String::from_utf8(read(path)?)
        .with_context(|| format!("invalid parameters file {}", path.display()))?;
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
    crate::outputs::Outputs::new()
        .input("--params", Some(params))
        .input("--data", Some(data))
        .file("--out", Some(out))
        .check()?;
    let p = load_params(params)?;
    // The inverse reads the numeric columns only: the text columns are indicators by then.
    let schema = if inverse {
        numeric_schema(&p.columns)
    } else {
        p.schema()
    };
    let bytes = read(data)?;
    let name = data.display().to_string();
    let options = ApplyOptions {
        read_target: false,
        ..Default::default()
    };
    let loaded = nn_data::read_csv_applying::<f64>(bytes.as_slice(), &name, &schema, &options)?;
    let n_numeric = schema.n_numeric();
    let x = loaded.dataset.features;
    let y = if inverse {
        p.preprocessor.inverse_transform_leading(x, n_numeric)?
    } else {
        p.preprocessor.transform_leading(x, n_numeric)?
    };
    let table = RawCsv::parse(&bytes, &name)?;
    let out_bytes = table.write(&schema, &y)?;
    crate::fsutil::write_atomic(out, &out_bytes)?;
    outln!("wrote {} rows to {}", y.nrows(), out.display())?;
    Ok(())
}

/// A CSV's header and records as text (already checked by nn-data), split at the delimiter
/// nn-data detects.
struct RawCsv {
    header: Vec<String>,
    records: Vec<csv::StringRecord>,
}

impl RawCsv {
    fn parse(bytes: &[u8], name: &str) -> Result<Self> {
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(nn_data::sniff_delimiter(bytes))
            .trim(csv::Trim::All)
            .from_reader(bytes);
        let header: Vec<String> = reader.headers()?.iter().map(String::from).collect();
        let records = reader
            .records()
            .collect::<std::result::Result<_, _>>()
            .with_context(|| format!("in {name}"))?;
        Ok(RawCsv { header, records })
    }

    /// The records with each numeric column replaced by its value in `y`, each categorical
    /// column by its indicator columns, and the other columns copied.
    fn write(&self, schema: &CsvSchema, y: &Array2<f64>) -> Result<Vec<u8>> {
        let (header, sources): (Vec<String>, Vec<Source>) = self
            .header
            .iter()
            .enumerate()
            .flat_map(|(j, name)| output_columns(schema, j, name))
            .unzip();
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record(&header)?;
        for (rec, row) in self.records.iter().zip(y.rows()) {
            let cell = |s: &Source| match *s {
                Source::Matrix(k) => format!("{}", row[k]),
                Source::Raw(j) => rec.get(j).unwrap_or_default().to_string(),
            };
            w.write_record(sources.iter().map(cell))?;
        }
        w.into_inner().map_err(|e| anyhow::anyhow!("{e}"))
    }
}

/// Where an output column's cells come from.
enum Source {
    /// A column of the (transformed) feature matrix.
    Matrix(usize),
    /// A column of the input, copied.
    Raw(usize),
}

/// The output columns for input column `j` named `name`: itself transformed (numeric), its
/// indicator columns (categorical, at their place in the matrix), or itself copied.
fn output_columns(schema: &CsvSchema, j: usize, name: &str) -> Vec<(String, Source)> {
    let n_numeric = schema.n_numeric();
    if let Some(k) = schema.feature_names[..n_numeric]
        .iter()
        .position(|f| f == name)
    {
        return vec![(name.to_string(), Source::Matrix(k))];
    }
    let mut offset = n_numeric;
    for c in &schema.categorical {
        if c.name == name {
            let names = c.feature_names().into_iter();
            return names
                .enumerate()
                .map(|(k, n)| (n, Source::Matrix(offset + k)))
                .collect();
        }
        offset += c.categories.len();
    }
    vec![(name.to_string(), Source::Raw(j))]
}
