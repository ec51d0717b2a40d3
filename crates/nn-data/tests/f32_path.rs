//! The f32 data path: fitting on `f32` data gives exactly the parameters of fitting on the same
//! values widened to `f64` (sums are kept in `f64`), and every `f32` output is that `f64`
//! output rounded once.

use ndarray::Array2;
use nn_data::{Preprocessor, Transformer};

/// 200 × 9 values on very different scales, exactly representable in neither type's decimal
/// form (so rounding to f32 matters), one column constant.
fn data() -> Array2<f32> {
    Array2::from_shape_fn((200, 9), |(i, j)| {
        let v = ((i * 7919 + j * 104_729) % 1000) as f64 / 997.0 - 0.37;
        let scale = [1.0, 1e-3, 1e3, 0.1, 7.0, 1e5, 2.5, 0.0, 33.3][j];
        (v * scale + if j == 7 { 4.2 } else { 0.0 }) as f32
    })
}

#[test]
fn f32_fits_and_transforms_are_the_f64_ones_rounded_once() {
    let x32 = data();
    let x64 = x32.mapv(f64::from);
    for name in Preprocessor::NAMES {
        let (mut p32, mut p64) = (
            Preprocessor::from_name(name).unwrap(),
            Preprocessor::from_name(name).unwrap(),
        );
        let y32 = p32.fit_transform(x32.view()).unwrap();
        let y64 = p64.fit_transform(x64.view()).unwrap();
        assert_eq!(p32, p64, "{name}: fitted parameters");
        assert_eq!(y32, y64.mapv(|v| v as f32), "{name}: outputs");
        let back32 = p32.inverse_transform(y32.view()).unwrap();
        let back64 = p64.inverse_transform(y32.mapv(f64::from).view()).unwrap();
        assert_eq!(back32, back64.mapv(|v| v as f32), "{name}: inverse");
        // In place (standardize, min-max) or moved (none): the same numbers again.
        let owned = p32.transform_owned(x32.clone()).unwrap();
        assert_eq!(owned, y32, "{name}: transform_owned");
    }
}

#[test]
fn f32_csv_and_split_keep_the_f32_values() {
    let text = "a,b,y\n0.1,1e-3,u\n0.2,2e-3,v\n0.3,NA,u\n0.4,4e-3,v\n";
    let opts = nn_data::CsvOptions {
        missing: nn_data::Missing::Mean,
        ..Default::default()
    };
    let wide = nn_data::read_csv(text.as_bytes(), "t.csv", &opts).unwrap();
    let narrow = nn_data::read_csv_as::<f32>(text.as_bytes(), "t.csv", &opts).unwrap();
    // The imputed cell is the mean of the f32 values (summed in f64), rounded to f32.
    let mean = (f64::from(1e-3_f32) + f64::from(2e-3_f32) + f64::from(4e-3_f32)) / 3.0;
    assert_eq!(narrow.dataset.features[[2, 1]], mean as f32);
    let mut expected = wide.dataset.features.mapv(|v| v as f32);
    expected[[2, 1]] = mean as f32; // the f64 load imputes the mean of the f64 values instead
    assert_eq!(narrow.dataset.features, expected);
    let (train, test) = nn_data::train_test_split(&narrow.dataset, 0.5, 1).unwrap();
    let (train64, test64) = nn_data::train_test_split(&wide.dataset, 0.5, 1).unwrap();
    let rounded = |d: &nn_data::Dataset| d.features.mapv(|v| v as f32);
    assert_eq!(train.features.column(0), rounded(&train64).column(0));
    assert_eq!(test.features.column(0), rounded(&test64).column(0));
    assert_eq!((train.target, test.target), (train64.target, test64.target));
}
