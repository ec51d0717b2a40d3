//! Placeholder: datasets, loading and preprocessing (nn-data issue).
