//! Loading CSV files and MNIST folders.
