//! `symmetric_eigen` against known matrices, a naive cyclic-Jacobi reference, and the
//! reconstruction `A = U·diag(λ)·Uᵀ` on random symmetric matrices.

use ndarray::{array, Array1, Array2};
use nn_tensor::{symmetric_eigen, SymmetricEigen, TensorError};

/// A fixed-seed 64-bit LCG (Knuth's MMIX constants) mapped to [-1, 1).
fn random_matrix(n: usize, m: usize, seed: u64) -> Array2<f64> {
    let mut lcg = nn_testutil::Lcg::from_state(seed);
    Array2::from_shape_fn((n, m), |_| lcg.symmetric())
}

fn random_symmetric(n: usize, seed: u64) -> Array2<f64> {
    let b = random_matrix(n, n, seed);
    &b + &b.t()
}

fn max_abs(a: &Array2<f64>) -> f64 {
    a.iter().fold(0.0, |m, v| m.max(v.abs()))
}

fn reconstruct(eig: &SymmetricEigen<f64>) -> Array2<f64> {
    let u = &eig.vectors;
    (u * &eig.values).dot(&u.t())
}

fn assert_orthonormal(u: &Array2<f64>, tol: f64) {
    let err = max_abs(&(u.t().dot(u) - Array2::<f64>::eye(u.ncols())));
    assert!(err < tol, "UᵀU − I = {err}");
}

/// Naive reference: cyclic Jacobi rotations until the off-diagonal mass vanishes; returns the
/// eigenvalues ascending. Slow (O(n³) per sweep) but obviously right.
fn jacobi_eigenvalues(mut a: Array2<f64>) -> Vec<f64> {
    let n = a.nrows();
    for _sweep in 0..100 {
        let off: f64 = (0..n)
            .flat_map(|i| (0..n).map(move |j| (i, j)))
            .filter(|(i, j)| i != j)
            .map(|(i, j)| a[[i, j]] * a[[i, j]])
            .sum();
        if off < 1e-30 {
            break;
        }
        for p in 0..n {
            for q in p + 1..n {
                jacobi_rotate(&mut a, p, q);
            }
        }
    }
    let mut values: Vec<f64> = a.diag().to_vec();
    values.sort_by(|x, y| x.partial_cmp(y).unwrap());
    values
}

/// Zeroes a[p][q] with the rotation angle θ, tan 2θ = 2a_pq / (a_qq − a_pp).
fn jacobi_rotate(a: &mut Array2<f64>, p: usize, q: usize) {
    if a[[p, q]] == 0.0 {
        return;
    }
    let theta = 0.5 * (2.0 * a[[p, q]]).atan2(a[[q, q]] - a[[p, p]]);
    let (s, c) = theta.sin_cos();
    for k in 0..a.nrows() {
        let (x, y) = (a[[k, p]], a[[k, q]]); // A ← A·J, J = [[c, s], [−s, c]] on (p, q)
        a[[k, p]] = c * x - s * y;
        a[[k, q]] = s * x + c * y;
    }
    for k in 0..a.ncols() {
        let (x, y) = (a[[p, k]], a[[q, k]]); // A ← Jᵀ·A
        a[[p, k]] = c * x - s * y;
        a[[q, k]] = s * x + c * y;
    }
}

#[test]
fn two_by_two_by_hand() {
    // [[4, 1], [1, 4]]: λ = 4 ± 1, vectors (1, −1)/√2 and (1, 1)/√2.
    let eig = symmetric_eigen(array![[4.0_f64, 1.0], [1.0, 4.0]].view()).unwrap();
    assert!((eig.values[0] - 3.0).abs() < 1e-14 && (eig.values[1] - 5.0).abs() < 1e-14);
    let s = std::f64::consts::FRAC_1_SQRT_2;
    let want = array![[s, s], [-s, s]]; // sign rule: largest entry positive (first on ties)
    assert!(
        max_abs(&(&eig.vectors - &want)) < 1e-14,
        "{:?}",
        eig.vectors
    );
}

#[test]
fn diagonal_matrix_gives_sorted_diagonal_and_permutation() {
    let a = Array2::from_diag(&array![3.0_f64, -1.0, 2.0, 0.0]);
    let eig = symmetric_eigen(a.view()).unwrap();
    assert_eq!(eig.values, array![-1.0, 0.0, 2.0, 3.0]);
    let want = array![
        [0., 0., 0., 1.],
        [1., 0., 0., 0.],
        [0., 0., 1., 0.],
        [0., 1., 0., 0.]
    ];
    assert_eq!(eig.vectors, want);
}

#[test]
fn repeated_eigenvalues() {
    // J (all ones, 5×5) has eigenvalues 0 (four times) and 5; A = 2I + J has 2,2,2,2,7.
    let a = Array2::<f64>::eye(5) * 2.0 + Array2::<f64>::ones((5, 5));
    let eig = symmetric_eigen(a.view()).unwrap();
    let want = array![2.0, 2.0, 2.0, 2.0, 7.0];
    assert!(
        eig.values
            .iter()
            .zip(&want)
            .all(|(x, y)| (x - y).abs() < 1e-13),
        "{}",
        eig.values
    );
    assert_orthonormal(&eig.vectors, 1e-13);
    assert!(max_abs(&(reconstruct(&eig) - &a)) < 1e-13);
}

#[test]
fn rank_deficient_has_zero_eigenvalues_and_no_nan() {
    // B·Bᵀ with B of shape (30, 3) has rank 3: 27 zero eigenvalues.
    let b = random_matrix(30, 3, 7);
    let a = b.dot(&b.t());
    let eig = symmetric_eigen(a.view()).unwrap();
    assert!(eig
        .values
        .iter()
        .chain(eig.vectors.iter())
        .all(|v| v.is_finite()));
    assert!(
        eig.values.iter().take(27).all(|v| v.abs() < 1e-12),
        "{}",
        eig.values
    );
    let mut ref_top = jacobi_eigenvalues(b.t().dot(&b)); // same non-zero spectrum
    ref_top.reverse();
    for (i, want) in ref_top.iter().enumerate() {
        assert!((eig.values[29 - i] - want).abs() < 1e-11);
    }
    assert_orthonormal(&eig.vectors, 1e-12);
    assert!(max_abs(&(reconstruct(&eig) - &a)) < 1e-12);
}

#[test]
fn zero_one_and_empty_matrices() {
    let eig = symmetric_eigen(Array2::<f64>::zeros((3, 3)).view()).unwrap();
    assert_eq!(eig.values, Array1::<f64>::zeros(3));
    assert_eq!(eig.vectors, Array2::<f64>::eye(3));
    let eig = symmetric_eigen(array![[-2.5_f64]].view()).unwrap();
    assert_eq!((eig.values[0], eig.vectors[[0, 0]]), (-2.5, 1.0));
    assert_eq!(
        symmetric_eigen(Array2::<f64>::zeros((0, 0)).view())
            .unwrap()
            .values
            .len(),
        0
    );
}

#[test]
fn agrees_with_jacobi_and_reconstructs_64x64_to_1e10() {
    for seed in 1..4 {
        let a = random_symmetric(64, seed);
        let eig = symmetric_eigen(a.view()).unwrap();
        let reference = jacobi_eigenvalues(a.clone());
        for (got, want) in eig.values.iter().zip(&reference) {
            assert!((got - want).abs() < 1e-10, "seed {seed}: {got} vs {want}");
        }
        assert_orthonormal(&eig.vectors, 1e-10);
        assert!(max_abs(&(reconstruct(&eig) - &a)) < 1e-10);
    }
}

#[test]
fn random_sizes_reconstruct() {
    for n in [2, 3, 7, 17, 100] {
        let a = random_symmetric(n, n as u64);
        let eig = symmetric_eigen(a.view()).unwrap();
        assert!(eig.values.windows(2).into_iter().all(|w| w[0] <= w[1]));
        assert_orthonormal(&eig.vectors, 1e-11);
        assert!(max_abs(&(reconstruct(&eig) - &a)) < 1e-10, "n = {n}");
    }
}

#[test]
fn f32_works_too() {
    let a = random_symmetric(20, 3).mapv(|v| v as f32);
    let eig = symmetric_eigen(a.view()).unwrap();
    let u = &eig.vectors;
    let err = ((u * &eig.values).dot(&u.t()) - &a)
        .iter()
        .fold(0.0_f32, |m, v| m.max(v.abs()));
    assert!(err < 1e-4, "{err}");
}

#[test]
fn bad_inputs_are_errors() {
    let err = symmetric_eigen(Array2::<f64>::zeros((2, 3)).view()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "shape mismatch in symmetric_eigen: expected [2, 2], got [2, 3]"
    );
    let err = symmetric_eigen(array![[1.0, f64::NAN], [f64::NAN, 1.0]].view()).unwrap_err();
    assert!(matches!(
        err,
        TensorError::NonFinite {
            op: "symmetric_eigen"
        }
    ));
}
