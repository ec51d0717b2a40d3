//! Cross-validation folds (`nn_data::k_fold`): scikit-learn's StratifiedKFold allocation for
//! classes, KFold sizes otherwise, every row in exactly one fold, seeded.

use ndarray::Array2;
use nn_data::{k_fold, Dataset, Target};

fn classes(indices: Vec<usize>, n_classes: usize) -> Dataset<f32> {
    let mut d = Dataset::unlabelled(Array2::zeros((indices.len(), 1)));
    let labels = (0..n_classes).map(|c| c.to_string()).collect();
    d.target = Target::Classes { indices, labels };
    d
}

/// Per fold, how many rows of each class it holds.
fn per_class(data: &Dataset<f32>, folds: &[Vec<usize>], n_classes: usize) -> Vec<Vec<usize>> {
    let Target::Classes { indices, .. } = &data.target else {
        unreachable!()
    };
    folds
        .iter()
        .map(|f| {
            (0..n_classes)
                .map(|c| f.iter().filter(|&&i| indices[i] == c).count())
                .collect()
        })
        .collect()
}

#[test]
fn stratified_like_scikit_learn() {
    // Classes sorted: 0 0 0 1 1 1 1 → dealt to folds 0 1 2 0 1 2 0 (sklearn's
    // `bincount(y_order[i::3])`): class 0 gets one row in each fold, class 1 two in fold 0.
    let data = classes(vec![1, 0, 1, 0, 1, 1, 0], 2);
    let folds = k_fold(&data, 3, 7).unwrap();
    assert_eq!(
        per_class(&data, &folds, 2),
        vec![vec![1, 2], vec![1, 1], vec![1, 1]]
    );
    // Iris-like: 50 rows per class, 5 folds of 10 per class.
    let iris = classes((0..150).map(|i| i % 3).collect(), 3);
    let folds = k_fold(&iris, 5, 1).unwrap();
    assert!(per_class(&iris, &folds, 3)
        .iter()
        .all(|f| f == &vec![10, 10, 10]));
}

#[test]
fn every_row_once_and_seeded() {
    let data = classes((0..23).map(|i| (i * 7) % 4).collect(), 4);
    let folds = k_fold(&data, 4, 3).unwrap();
    let mut all: Vec<usize> = folds.concat();
    all.sort_unstable();
    assert_eq!(all, (0..23).collect::<Vec<_>>());
    assert_eq!(folds, k_fold(&data, 4, 3).unwrap());
    assert_ne!(folds, k_fold(&data, 4, 4).unwrap());
    // Unlabelled: 10 rows in 3 folds of 4, 3, 3.
    let plain = Dataset::unlabelled(Array2::<f32>::zeros((10, 1)));
    let sizes: Vec<usize> = k_fold(&plain, 3, 0).unwrap().iter().map(Vec::len).collect();
    assert_eq!(sizes, vec![4, 3, 3]);
}

#[test]
fn impossible_fold_counts_are_errors() {
    let data = classes(vec![0, 1, 0, 1], 2);
    assert!(k_fold(&data, 1, 0).is_err());
    assert!(k_fold(&data, 5, 0).is_err());
    let err = k_fold(&data, 3, 0).unwrap_err().to_string();
    assert!(err.contains("no class has 3 rows"), "{err}");
}
