//! Evaluation metrics: accuracy, per-class precision/recall/F1, the confusion matrix, and MSE,
//! MAE, R² for regression.

use ndarray::ArrayView2;

/// `confusion[true][predicted]`: how many samples of class `true` were predicted as `predicted`.
pub fn confusion_matrix(truth: &[usize], predicted: &[usize], n_classes: usize) -> Vec<Vec<usize>> {
    let mut m = vec![vec![0; n_classes]; n_classes];
    for (&t, &p) in truth.iter().zip(predicted) {
        m[t][p] += 1;
    }
    m
}

/// The fraction of samples whose prediction equals the truth (0 for no samples).
pub fn accuracy(truth: &[usize], predicted: &[usize]) -> f64 {
    if truth.is_empty() {
        return 0.0;
    }
    let right = truth.iter().zip(predicted).filter(|(t, p)| t == p).count();
    right as f64 / truth.len() as f64
}

/// Precision, recall and F1 of one class, and its number of true samples (support).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ClassScores {
    /// TP / (TP + FP), 0 when nothing was predicted as the class.
    pub precision: f64,
    /// TP / (TP + FN), 0 when the class has no samples.
    pub recall: f64,
    /// 2PR / (P + R), 0 when both are 0.
    pub f1: f64,
    /// Number of samples whose true class is this one.
    pub support: usize,
}

/// Per-class scores from a confusion matrix.
pub fn class_scores(confusion: &[Vec<usize>]) -> Vec<ClassScores> {
    (0..confusion.len())
        .map(|c| {
            let tp = confusion[c][c] as f64;
            let predicted: usize = confusion.iter().map(|row| row[c]).sum();
            let support: usize = confusion[c].iter().sum();
            let precision = ratio(tp, predicted as f64);
            let recall = ratio(tp, support as f64);
            let f1 = ratio(2.0 * precision * recall, precision + recall);
            ClassScores {
                precision,
                recall,
                f1,
                support,
            }
        })
        .collect()
}

fn ratio(a: f64, b: f64) -> f64 {
    if b == 0.0 {
        0.0
    } else {
        a / b
    }
}

/// Regression metrics over every output column.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RegressionScores {
    /// Mean of `(y − ŷ)²`.
    pub mse: f64,
    /// Mean of `|y − ŷ|`.
    pub mae: f64,
    /// `1 − SS_res / SS_tot` (per column, averaged over columns).
    pub r2: f64,
}

/// MSE, MAE and R² of predictions `(n_samples, n_outputs)` against truth of the same shape.
pub fn regression_scores(truth: ArrayView2<f64>, predicted: ArrayView2<f64>) -> RegressionScores {
    let n = truth.len().max(1) as f64;
    let diff = &truth - &predicted;
    let mse = diff.mapv(|d| d * d).sum() / n;
    let mae = diff.mapv(f64::abs).sum() / n;
    let r2_cols: Vec<f64> = (0..truth.ncols())
        .map(|c| r2(truth.column(c).to_vec(), predicted.column(c).to_vec()))
        .collect();
    let r2 = r2_cols.iter().sum::<f64>() / r2_cols.len().max(1) as f64;
    RegressionScores { mse, mae, r2 }
}

fn r2(truth: Vec<f64>, predicted: Vec<f64>) -> f64 {
    let mean = truth.iter().sum::<f64>() / truth.len().max(1) as f64;
    let ss_tot: f64 = truth.iter().map(|y| (y - mean).powi(2)).sum();
    let ss_res: f64 = truth
        .iter()
        .zip(&predicted)
        .map(|(y, p)| (y - p).powi(2))
        .sum();
    if ss_tot == 0.0 {
        return if ss_res == 0.0 { 1.0 } else { 0.0 };
    }
    1.0 - ss_res / ss_tot
}

/// Predicted classes from probabilities (or one-hot truth): argmax, or `p ≥ 0.5` for a single
/// (BCE) column.
pub fn classes(p: ArrayView2<f64>) -> Vec<usize> {
    if p.ncols() == 1 {
        return p.column(0).iter().map(|&v| usize::from(v >= 0.5)).collect();
    }
    nn_tensor::argmax_rows(p)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn classification_scores_by_hand() {
        // truth 0 0 1 1 2, predicted 0 1 1 1 0:
        // class 0: TP 1, FP 1 (the 2), FN 1 → P = R = 0.5, F1 = 0.5
        // class 1: TP 2, FP 1, FN 0 → P = 2/3, R = 1, F1 = 0.8
        let (t, p) = ([0, 0, 1, 1, 2], [0, 1, 1, 1, 0]);
        let m = confusion_matrix(&t, &p, 3);
        assert_eq!(m, vec![vec![1, 1, 0], vec![0, 2, 0], vec![1, 0, 0]]);
        assert_eq!(accuracy(&t, &p), 0.6);
        let s = class_scores(&m);
        assert_eq!((s[0].precision, s[0].recall, s[0].f1), (0.5, 0.5, 0.5));
        assert!((s[1].precision - 2.0 / 3.0).abs() < 1e-15 && s[1].recall == 1.0);
        assert!((s[1].f1 - 0.8).abs() < 1e-15);
        assert_eq!((s[2].precision, s[2].f1, s[2].support), (0.0, 0.0, 1));
    }

    #[test]
    fn regression_scores_by_hand() {
        // y = [1, 2, 3], ŷ = [1, 2, 5]: MSE = 4/3, MAE = 2/3, SS_tot = 2, SS_res = 4, R² = −1
        let s = regression_scores(
            array![[1.0], [2.0], [3.0]].view(),
            array![[1.0], [2.0], [5.0]].view(),
        );
        assert!((s.mse - 4.0 / 3.0).abs() < 1e-15 && (s.mae - 2.0 / 3.0).abs() < 1e-15);
        assert_eq!(s.r2, -1.0);
    }
}
