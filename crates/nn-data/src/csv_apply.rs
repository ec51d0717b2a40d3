//! Reading new data (evaluation, prediction) with a saved [`CsvSchema`]: the model's columns
//! are found by name in any order (extra columns are ignored), numeric cells parsed, text
//! cells one-hot encoded with the saved categories, missing cells filled with the saved values
//! or their rows skipped with a reason, and the target read only when asked.

use crate::dataset::Dataset;
use crate::encode::{cell_error, parse_cell, Cell, Encoded, Encoder, Fill};
use crate::schema::{ApplyOptions, CsvSchema, Loaded, Missing, SkippedRow};
use crate::table::{open, read_table, Table};
use crate::{DataError, Result};
use nn_tensor::Float;
use std::io::Read;
use std::path::Path;

/// Loads test or prediction data from `path` with a saved schema (see [`read_csv_with_schema`]).
///
/// # Errors
/// As [`read_csv_with_schema`], plus [`DataError::Io`] if the file cannot be opened.
///
/// ```
/// let train = nn_data::load_csv("../../datasets/wine.csv", &Default::default())?;
/// let again = nn_data::load_csv_with_schema("../../datasets/wine.csv", &train.schema)?;
/// assert_eq!(again.dataset, train.dataset);
/// # Ok::<(), nn_data::DataError>(())
/// ```
pub fn load_csv_with_schema(path: impl AsRef<Path>, schema: &CsvSchema) -> Result<Loaded> {
    load_csv_with_schema_as(path, schema)
}

/// [`load_csv_with_schema`] with the features stored in the float type `T` (see
/// [`load_csv_as`](crate::load_csv_as)).
///
/// # Errors
/// As [`load_csv_with_schema`].
///
/// ```
/// let train = nn_data::load_csv("../../datasets/wine.csv", &Default::default())?;
/// let again = nn_data::load_csv_with_schema_as::<f32>("../../datasets/wine.csv", &train.schema)?;
/// assert_eq!(again.dataset.features, train.dataset.features.mapv(|v| v as f32));
/// # Ok::<(), nn_data::DataError>(())
/// ```
pub fn load_csv_with_schema_as<T: Float>(
    path: impl AsRef<Path>,
    schema: &CsvSchema,
) -> Result<Loaded<T>> {
    load_csv_applying(path, schema, &ApplyOptions::default())
}

/// Reads data with a saved schema: feature columns are found by name (any order, extra
/// columns ignored), the saved categories, label list and imputation values are applied, and
/// the target column may be absent (then the target is [`Target::None`](crate::Target::None)). Unknown categories
/// become all-zero indicators; see [`read_csv_applying`] for the other choices.
///
/// # Errors
/// As [`read_csv`](crate::read_csv); also a missing feature column, text in a numeric
/// column, and [`DataError::UnknownLabel`] for a class label the schema does not know.
///
/// ```
/// let train = nn_data::read_csv("x,y\n1,a\n2,b\n".as_bytes(), "train.csv", &Default::default())?;
/// let new = nn_data::read_csv_with_schema("x\n7\n".as_bytes(), "new.csv", &train.schema)?;
/// assert_eq!(new.dataset.features, ndarray::array![[7.0]]);
/// let bad = nn_data::read_csv_with_schema("x,y\n1,c\n".as_bytes(), "t.csv", &train.schema);
/// assert!(bad.unwrap_err().to_string().contains("unseen label \"c\""));
/// # Ok::<(), nn_data::DataError>(())
/// ```
pub fn read_csv_with_schema(reader: impl Read, file: &str, schema: &CsvSchema) -> Result<Loaded> {
    read_csv_with_schema_as(reader, file, schema)
}

/// [`read_csv_with_schema`] with the features stored in the float type `T` (see
/// [`load_csv_as`](crate::load_csv_as)).
///
/// # Errors
/// As [`read_csv_with_schema`].
///
/// ```
/// let train = nn_data::read_csv("x,y\n1,a\n2,b\n".as_bytes(), "train.csv", &Default::default())?;
/// let new = nn_data::read_csv_with_schema_as::<f32>("x\n0.5\n".as_bytes(), "new.csv", &train.schema)?;
/// assert_eq!(new.dataset.features, ndarray::array![[0.5_f32]]);
/// # Ok::<(), nn_data::DataError>(())
/// ```
pub fn read_csv_with_schema_as<T: Float>(
    reader: impl Read,
    file: &str,
    schema: &CsvSchema,
) -> Result<Loaded<T>> {
    read_csv_applying(reader, file, schema, &ApplyOptions::default())
}

/// Loads new data from `path` with a saved schema and [`ApplyOptions`] (see
/// [`read_csv_applying`]); a `.tsv` name means tab-separated unless a delimiter is given.
///
/// # Errors
/// As [`read_csv_applying`], plus [`DataError::Io`] if the file cannot be opened.
///
/// ```
/// let train = nn_data::load_csv("../../datasets/iris.csv", &Default::default())?;
/// let opts = nn_data::ApplyOptions { read_target: false, ..Default::default() };
/// let new = nn_data::load_csv_applying::<f32>("../../datasets/iris.csv", &train.schema, &opts)?;
/// assert_eq!((new.dataset.n_samples(), new.dataset.labels()), (150, None));
/// # Ok::<(), nn_data::DataError>(())
/// ```
pub fn load_csv_applying<T: Float>(
    path: impl AsRef<Path>,
    schema: &CsvSchema,
    options: &ApplyOptions,
) -> Result<Loaded<T>> {
    let (file, name) = open(path.as_ref())?;
    let delimiter = crate::delimiter::for_path(path.as_ref(), options.delimiter);
    read_csv_applying(
        file,
        &name,
        schema,
        &ApplyOptions {
            delimiter,
            ..options.clone()
        },
    )
}

/// Reads new data with a saved schema under [`ApplyOptions`]: the missing-cell policy (the
/// schema's unless overridden), the unknown-category policy, whether to read the target, and
/// an id column. Every data row is either a row of the dataset or a [`SkippedRow`] with its
/// reason, in file order, so a caller can write one output row per input row.
///
/// # Errors
/// As [`read_csv_with_schema`]; also a missing cell under [`Missing::Error`], an unknown
/// category under [`Unknown::Error`](crate::Unknown::Error), an id column the file lacks, and
/// [`Missing::Mean`] with a schema that stores no imputation values.
///
/// ```
/// use nn_data::{ApplyOptions, Missing, Unknown};
/// let train = "n,colour,y\n1,red,a\n3,blue,b\n";
/// let opts = nn_data::CsvOptions { missing: Missing::Drop, ..Default::default() };
/// let schema = nn_data::read_csv(train.as_bytes(), "train.csv", &opts)?.schema;
/// let new = "id,colour,n\nq,green,5\nr,red,NA\n";
/// let opts = ApplyOptions { id: Some("id".into()), read_target: false, ..Default::default() };
/// let got = nn_data::read_csv_applying::<f64>(new.as_bytes(), "new.csv", &schema, &opts)?;
/// assert_eq!(got.dataset.features, ndarray::array![[5.0, 0.0, 0.0]]); // green: unknown
/// assert_eq!((got.unknown_categories, got.ids), (1, vec!["q".to_string(), "r".into()]));
/// assert_eq!(got.skipped[0].reason, "missing value \"NA\" in column \"n\"");
/// let imputed = ApplyOptions { missing: Some(Missing::Mean), unknown: Unknown::Error, ..opts };
/// let err = nn_data::read_csv_applying::<f64>(new.as_bytes(), "new.csv", &schema, &imputed);
/// assert!(err.unwrap_err().to_string().starts_with("new.csv:2:2: unknown category \"green\""));
/// # Ok::<(), nn_data::DataError>(())
/// ```
pub fn read_csv_applying<T: Float>(
    reader: impl Read,
    file: &str,
    schema: &CsvSchema,
    options: &ApplyOptions,
) -> Result<Loaded<T>> {
    let table = read_table(reader, file, options.delimiter, options.max_bytes)?;
    let encoder = schema_encoder(&table, schema, options)?;
    let target_col = (options.read_target)
        .then(|| table.header.iter().position(|h| *h == schema.target_name))
        .flatten();
    let id_col = options.id.as_deref().map(|n| table.column(n)).transpose()?;
    let missing = options.missing.unwrap_or(schema.missing);
    encoder.check_size::<T>(&table.file, table.rows.len(), options.max_bytes)?;
    let rows = encode_all::<T>(&table, &encoder, target_col, missing)?;
    let ids = id_col.map_or_else(Vec::new, |j| {
        table
            .rows
            .iter()
            .map(|(_, rec)| rec[j].to_string())
            .collect()
    });
    let parsed = crate::csv::Parsed {
        x: rows.x,
        targets: rows.targets,
    };
    let mut loaded = match target_col {
        Some(col) => crate::csv::finish(&table, parsed, schema.clone(), col)?,
        None => unlabelled(parsed, schema),
    };
    loaded.dropped_rows = rows.skipped.len();
    (loaded.skipped, loaded.unknown_categories, loaded.ids) = (rows.skipped, rows.unknown, ids);
    Ok(loaded)
}

/// The encoder for `schema`'s columns, located by name in `t`.
fn schema_encoder<'a>(
    t: &Table,
    schema: &'a CsvSchema,
    options: &ApplyOptions,
) -> Result<Encoder<'a>> {
    let numeric = schema.feature_names[..schema.n_numeric()]
        .iter()
        .map(|n| t.column(n))
        .collect::<Result<Vec<_>>>()?;
    let categorical = schema
        .categorical
        .iter()
        .map(|c| Ok((t.column(&c.name)?, c)))
        .collect::<Result<Vec<_>>>()?;
    let fill = match (options.missing.unwrap_or(schema.missing), &schema.imputer) {
        (Missing::Mean, Some(imputer)) => Fill::Values(&imputer.means),
        (Missing::Mean, None) => {
            let msg = "the schema stores no imputation values (it was saved before they were \
                       always kept, by a model trained without missing = mean)";
            return Err(DataError::invalid("missing", msg.to_string()));
        }
        _ => Fill::Report,
    };
    Ok(Encoder {
        numeric,
        categorical,
        fill,
        unknown: options.unknown,
    })
}

/// Encoded rows, raw targets, skipped rows and the unknown-category count.
struct Rows<T> {
    x: ndarray::Array2<T>,
    targets: Vec<(u64, usize, String)>,
    skipped: Vec<SkippedRow>,
    unknown: usize,
}

fn encode_all<T: Float>(
    t: &Table,
    encoder: &Encoder,
    target: Option<usize>,
    missing: Missing,
) -> Result<Rows<T>> {
    let mut values = Vec::with_capacity(t.rows.len() * encoder.width());
    let (mut targets, mut skipped, mut unknown) = (Vec::new(), Vec::new(), 0);
    for (row, (line, rec)) in t.rows.iter().enumerate() {
        let start = values.len();
        let gap = match encoder.encode(t, *line, rec, &mut values)? {
            Encoded::Row { unknown: u } => {
                unknown += u;
                target.filter(|&j| matches!(parse_cell(&rec[j]), Cell::Missing))
            }
            Encoded::Missing(j) => Some(j),
        };
        let Some(j) = gap else {
            targets.extend(target.map(|j| (*line, j, rec[j].to_string())));
            continue;
        };
        if missing != Missing::Drop {
            return Err(cell_error(t, *line, rec, j, &Cell::Missing));
        }
        values.truncate(start);
        let reason = format!(
            "missing value {} in column {}",
            crate::quoted(&rec[j]),
            crate::quoted(&t.header[j])
        );
        skipped.push(SkippedRow {
            row,
            line: *line,
            reason,
        });
    }
    let n = values.len() / encoder.width().max(1);
    let x = ndarray::Array2::from_shape_vec((n, encoder.width()), values)
        .map_err(|e| DataError::file(&t.file, e.to_string()))?;
    Ok(Rows {
        x,
        targets,
        skipped,
        unknown,
    })
}

/// A dataset without target (the file has no target column, or it was not to be read).
pub(crate) fn unlabelled<T: Float>(parsed: crate::csv::Parsed<T>, schema: &CsvSchema) -> Loaded<T> {
    let mut dataset = Dataset::unlabelled(parsed.x);
    dataset.feature_names = schema.feature_names.clone();
    Loaded {
        dataset,
        schema: schema.clone(),
        dropped_rows: 0,
        skipped: Vec::new(),
        unknown_categories: 0,
        ids: Vec::new(),
    }
}
