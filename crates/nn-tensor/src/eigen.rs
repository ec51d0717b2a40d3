//! Symmetric eigendecomposition (for PCA/ZCA whitening). Filled by the nn-data issue.
