//! Loading the committed datasets, missing-value policies, label lists, and the split.

use ndarray::array;
use nn_data::{
    load_csv, load_mnist_dir, read_csv, read_csv_with_schema, train_test_split, CsvOptions,
    Missing, Target, TargetKind, Task,
};
use std::path::PathBuf;

fn dataset(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../datasets")
        .join(name)
}

fn class_counts(target: &Target) -> Vec<usize> {
    let Target::Classes { indices, labels } = target else {
        panic!("not classes")
    };
    (0..labels.len())
        .map(|c| indices.iter().filter(|&&i| i == c).count())
        .collect()
}

#[test]
fn iris_wine_breast_cancer_digits_classify() {
    for (file, shape, n_classes) in [
        ("iris.csv", (150, 4), 3),
        ("wine.csv", (178, 13), 3),
        ("breast_cancer.csv", (569, 30), 2),
        ("digits.csv", (1797, 64), 10),
    ] {
        let loaded = load_csv(dataset(file), &CsvOptions::default()).unwrap();
        assert_eq!(loaded.dataset.features.dim(), shape, "{file}");
        assert_eq!(loaded.dataset.labels().unwrap().len(), n_classes, "{file}");
        assert_eq!(loaded.dropped_rows, 0);
    }
    let iris = load_csv(dataset("iris.csv"), &CsvOptions::default())
        .unwrap()
        .dataset;
    assert_eq!(
        iris.labels().unwrap(),
        ["setosa", "versicolor", "virginica"]
    );
    assert_eq!(class_counts(&iris.target), vec![50, 50, 50]);
    assert_eq!(iris.features.row(0).to_vec(), vec![5.1, 3.5, 1.4, 0.2]); // first data line
    assert_eq!(iris.one_hot().unwrap().row(0).to_vec(), vec![1.0, 0.0, 0.0]);
}

#[test]
fn diabetes_is_regression_under_auto() {
    // Integer-valued but with far more than MAX_AUTO_CLASSES distinct values.
    let loaded = load_csv(dataset("diabetes.csv"), &CsvOptions::default()).unwrap();
    assert_eq!(loaded.schema.kind, TargetKind::Regress);
    let Target::Values(y) = &loaded.dataset.target else {
        panic!("expected values")
    };
    assert_eq!((y.len(), y[0], y[1]), (442, 151.0, 75.0));
}

#[test]
fn target_by_name_and_forced_task() {
    let opts = CsvOptions {
        target: Some("sex".into()),
        task: Task::Classify,
        ..Default::default()
    };
    let loaded = load_csv(dataset("diabetes.csv"), &opts).unwrap();
    assert_eq!(loaded.dataset.labels().unwrap(), ["1", "2"]);
    assert_eq!(loaded.dataset.n_features(), 10); // progression is now a feature
    assert_eq!(loaded.dataset.feature_names[1], "bmi");
}

#[test]
fn missing_drop_reports_rows_and_mean_imputes_training_means() {
    let text = "a,b,y\n1,2,0\n?,4,1\n5,,0\n7,8,1\n";
    let drop = CsvOptions {
        missing: Missing::Drop,
        ..Default::default()
    };
    let loaded = read_csv(text.as_bytes(), "t.csv", &drop).unwrap();
    assert_eq!(
        (loaded.dropped_rows, loaded.dataset.features.clone()),
        (2, array![[1., 2.], [7., 8.]])
    );
    let mean = CsvOptions {
        missing: Missing::Mean,
        ..Default::default()
    };
    let loaded = read_csv(text.as_bytes(), "t.csv", &mean).unwrap();
    // a: mean(1, 5, 7) = 13/3; b: mean(2, 4, 8) = 14/3.
    let want = array![[1., 2.], [13. / 3., 4.], [5., 14. / 3.], [7., 8.]];
    assert_eq!(loaded.dataset.features, want);
    // Test data is imputed with the *training* means, and the schema survives JSON.
    let json = serde_json::to_string(&loaded.schema).unwrap();
    let schema = serde_json::from_str(&json).unwrap();
    let test = read_csv_with_schema("b,a\nNA,0\n".as_bytes(), "new.csv", &schema).unwrap();
    assert_eq!(test.dataset.features, array![[0.0, 14.0 / 3.0]]); // columns reordered by name
    assert_eq!(test.dataset.target, Target::None);
}

#[test]
fn saved_labels_apply_to_new_data() {
    let train = read_csv(
        "x,y\n1,cat\n2,dog\n".as_bytes(),
        "a.csv",
        &Default::default(),
    )
    .unwrap();
    let test = read_csv_with_schema("x,y\n3,dog\n".as_bytes(), "b.csv", &train.schema).unwrap();
    let Target::Classes { indices, labels } = test.dataset.target else {
        panic!()
    };
    assert_eq!(
        (indices, labels),
        (vec![1], vec!["cat".to_string(), "dog".to_string()])
    );
    let err = read_csv_with_schema("x,y\n3,cow\n".as_bytes(), "b.csv", &train.schema).unwrap_err();
    assert_eq!(
        err.to_string(),
        "unseen label \"cow\" at b.csv:2 (known labels: [\"cat\", \"dog\"])"
    );
}

#[test]
fn stratified_split_preserves_proportions_and_is_seeded() {
    let iris = load_csv(dataset("iris.csv"), &CsvOptions::default())
        .unwrap()
        .dataset;
    let (train, test) = train_test_split(&iris, 0.2, 7).unwrap();
    assert_eq!(class_counts(&test.target), vec![10, 10, 10]);
    assert_eq!(class_counts(&train.target), vec![40, 40, 40]);
    let (_, again) = train_test_split(&iris, 0.2, 7).unwrap();
    assert_eq!(test, again);
    let (_, other) = train_test_split(&iris, 0.2, 8).unwrap();
    assert_ne!(test.features, other.features);
    assert!(train_test_split(&iris, 1.5, 7).is_err());
}

#[test]
fn mnist_folder_loads_with_readme_label_counts() {
    let mnist = load_mnist_dir(dataset("mnist")).unwrap();
    assert_eq!(mnist.train.features.dim(), (60000, 784));
    assert_eq!(mnist.test.features.dim(), (10000, 784));
    assert!(mnist
        .train
        .features
        .iter()
        .all(|&p| (0.0..=1.0).contains(&p)));
    let train = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]; // datasets/README.md
    assert_eq!(class_counts(&mnist.train.target), train);
    let test = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009];
    assert_eq!(class_counts(&mnist.test.target), test);
}
