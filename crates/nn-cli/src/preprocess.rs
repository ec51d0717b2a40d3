//! `nn preprocess fit|transform`: fit a scaler on a CSV's feature columns and save its
//! parameters as JSON, or apply saved parameters (or their inverse) to a CSV. The columns are
//! read by nn-data as `nn train` reads them: text columns are one-hot encoded with the saved
//! categories and only the numeric columns are scaled. Columns the parameters do not name
//! (e.g. the label) are copied through unchanged; errors name file, line and column.

use std::path::Path;

use anyhow::{bail, ensure, Context, Result};
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
                max_bytes: crate::limits::budget::max_memory(),
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
    let (bytes, name) = crate::dataset::read_bytes(data)?;
    let loaded = nn_data::read_features_as::<f64>(bytes.as_slice(), &name, options)
        .map_err(crate::limits::budget::data_error)?;
    let schema = loaded.schema;
    let n_numeric = schema.n_numeric();
    if method.is_whitening() {
        crate::limits::bounds::check_whitening(n_numeric)?;
    }
    let mut preprocessor = method.build()?;
    preprocessor
        .fit_transform_leading(loaded.dataset.features, n_numeric)
        .map_err(|e| crate::dataset::name_column(e, &schema.feature_names, &name))?;
    let params = Params {
        format: FORMAT.into(),
        version: 1,
        columns: schema.feature_names[..n_numeric].to_vec(),
        preprocessor,
        schema: Some(schema),
    };
    // Staged, reported, then put in place: a report that cannot be printed writes nothing.
    let staged =
        crate::fsutil::stage_bytes(out, crate::json_layout::to_string(&params)?.as_bytes())?;
    let n_text = params.schema.as_ref().map_or(0, |s| s.categorical.len());
    outln!(
        "fitted {method:?} on {n_numeric} numeric columns of {name} ({n_text} text columns one-hot encoded); wrote {}",
        out.display()
    )?;
    staged.commit()
}

fn load_params(path: &Path) -> Result<Params> {
    let name = path.display().to_string();
    let file = std::fs::File::open(path).with_context(|| format!("reading {name}"))?;
    let bytes = crate::limits::budget::read_side_file(file, &name)?;
    let text =
        String::from_utf8(bytes).with_context(|| format!("invalid parameters file {name}"))?;
    parse_params(&text).with_context(|| format!("invalid parameters file {}", path.display()))
}

/// Parses a parameters file and validates it as a whole.
fn parse_params(text: &str) -> Result<Params> {
    let params: Params = serde_json::from_str(text)?;
    ensure!(params.format == FORMAT, "not an {FORMAT} file");
    params.validate()?;
    Ok(params)
}

impl Params {
    /// Checks the file as a whole: the version, the schema, the fitted parameters, unique
    /// column names that are the schema's numeric columns, and a preprocessor that reads and
    /// writes exactly those columns (each is written back in its place).
    fn validate(&self) -> Result<()> {
        ensure!(
            self.version == 1,
            "unsupported version {}: this nn reads version 1",
            self.version
        );
        let schema = self.schema();
        schema.validate()?;
        let numeric = &schema.feature_names[..schema.n_numeric()];
        ensure!(
            self.columns == numeric,
            "\"columns\" {} differ from the schema's numeric columns {}",
            nn_data::quoted_list(&self.columns),
            nn_data::quoted_list(numeric)
        );
        let n = numeric.len();
        if let Some((reads, writes)) = self.preprocessor.validate()? {
            ensure!(
                reads == n && writes == n,
                "the {} parameters map {reads} columns to {writes}, but the file names {n} columns",
                method_name(&self.preprocessor)
            );
        }
        Ok(())
    }
}

/// The `"method"` tag of `p`.
fn method_name(p: &Preprocessor) -> String {
    serde_json::to_value(p)
        .ok()
        .and_then(|v| v["method"].as_str().map(String::from))
        .unwrap_or_default()
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
    let (bytes, name) = crate::dataset::read_bytes(data)?;
    let options = ApplyOptions {
        read_target: false,
        max_bytes: crate::limits::budget::max_memory(),
        ..Default::default()
    };
    let loaded = nn_data::read_csv_applying::<f64>(bytes.as_slice(), &name, &schema, &options)
        .map_err(crate::limits::budget::data_error)?;
    let n_numeric = schema.n_numeric();
    let x = loaded.dataset.features;
    let y = if inverse {
        p.preprocessor.inverse_transform_leading(x, n_numeric)?
    } else {
        p.preprocessor.transform_leading(x, n_numeric)?
    };
    if let Some(((i, j), v)) = y.indexed_iter().find(|(_, v)| !v.is_finite()) {
        bail!(
            "{name}: data row {}, column {}: the {} gives {v}: the value is far outside the range the parameters were fitted on",
            i + 1,
            j + 1,
            if inverse { "inverse transform" } else { "transform" }
        );
    }
    let table = RawCsv::parse(&bytes, &name)?;
    let out_bytes = table.write(&schema, &y)?;
    let staged = crate::fsutil::stage_bytes(out, &out_bytes)?;
    outln!("wrote {} rows to {}", y.nrows(), out.display())?;
    staged.commit()
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::{json, Value};

    /// A CSV of `n_numeric` numeric columns, one text column when `text`, and a label.
    fn csv(n_numeric: usize, text: bool, seed: u64) -> String {
        let mut names: Vec<String> = (0..n_numeric).map(|j| format!("x{j}")).collect();
        names.extend(text.then(|| "t".to_string()));
        let mut out = format!("{},label\n", names.join(","));
        for i in 0..8u64 {
            let v = |j: u64| ((i * 5 + j * 3 + seed) % 9) as f64 / 2.0;
            let mut cells: Vec<String> = (0..n_numeric as u64).map(|j| v(j).to_string()).collect();
            cells.extend(text.then(|| format!("c{}", i % 3)));
            cells.push(format!("l{i}"));
            out.push_str(&format!("{}\n", cells.join(",")));
        }
        out
    }

    /// The parameters file `nn preprocess fit --exclude label` writes for `data`.
    fn fitted(data: &Path, method: Method) -> Value {
        let dir = data.parent().unwrap();
        let out = dir.join("p.json");
        let options = CsvOptions {
            exclude: vec!["label".into()],
            ..Default::default()
        };
        fit(method, data, &options, &out).unwrap();
        serde_json::from_slice(&std::fs::read(out).unwrap()).unwrap()
    }

    /// One inconsistency put into a parameters file's JSON, or none (`0`).
    fn break_it(v: &mut Value, kind: usize) {
        let pre = &mut v["preprocessor"];
        match kind {
            0 => {}
            // (`get_mut`, not indexing: indexing would add the missing fields as nulls)
            1 => {
                for field in ["scale", "data_range", "eigenvalues"] {
                    if let Some(a) = pre.get_mut(field).and_then(Value::as_array_mut) {
                        a.pop();
                    }
                }
            }
            2 => v["columns"] = json!(["x0", "x0"]),
            3 => v["version"] = json!(2),
            4 => v["schema"]["feature_names"] = json!([]),
            _ => v["format"] = json!("nn-model"),
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

        /// Any parameters file the loader accepts transforms its data (both ways) into a CSV
        /// with the expected columns, and saving it again gives the same file; a file with
        /// one inconsistency is refused.
        #[test]
        fn accepted_params_transform_and_round_trip(
            n_numeric in 2usize..5,
            text in any::<bool>(),
            method in prop::sample::select(vec![Method::Standardize, Method::Minmax, Method::PcaWhiten, Method::ZcaWhiten, Method::None]),
            seed in 0u64..100,
            kind in 0usize..6,
        ) {
            let dir = tempfile::tempdir().unwrap();
            let data = dir.path().join("d.csv");
            std::fs::write(&data, csv(n_numeric, text, seed)).unwrap();
            let mut value = fitted(&data, method);
            let before = value.clone();
            break_it(&mut value, kind);
            let changed = value != before;
            match parse_params(&value.to_string()) {
                Ok(params) => {
                    prop_assert!(!changed, "kind {kind} accepted: {value:#}");
                    let again = serde_json::to_value(&params).unwrap();
                    prop_assert_eq!(&again, &value);
                    let path = dir.path().join("q.json");
                    std::fs::write(&path, again.to_string()).unwrap();
                    let out = dir.path().join("o.csv");
                    transform(&path, &data, &out, false).unwrap();
                    let header = std::fs::read_to_string(&out).unwrap();
                    let header = header.lines().next().unwrap().to_string();
                    let mut want: Vec<String> = (0..n_numeric).map(|j| format!("x{j}")).collect();
                    if text {
                        want.extend(["t=c0", "t=c1", "t=c2"].map(String::from));
                    }
                    want.push("label".into());
                    prop_assert_eq!(header, want.join(","));
                    let back = dir.path().join("b.csv");
                    transform(&path, &out, &back, true).unwrap();
                }
                Err(err) => prop_assert!(changed, "a fitted file was refused: {err:#}"),
            }
        }
    }
}
