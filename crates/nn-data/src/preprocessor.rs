//! [`Preprocessor`]: the run-time choice of preprocessing, serialisable with its fitted
//! parameters so a saved model carries it as JSON.

use crate::{
    DataError, MinMaxScaler, Result, StandardScaler, Transformer, Whitener, WhiteningMethod,
};
use ndarray::{Array2, ArrayView2};
use nn_tensor::Float;
use serde::{Deserialize, Serialize};

/// One of the preprocessing methods, tagged in JSON by `"method"`:
/// `none`, `standardize`, `min-max`, `pca-whiten`, `zca-whiten`.
///
/// ```
/// use nn_data::{Preprocessor, Transformer};
/// let mut p = Preprocessor::from_name("standardize")?;
/// p.fit(ndarray::array![[1.0], [3.0]].view())?;
/// let json = serde_json::to_string(&p).unwrap();
/// assert!(json.starts_with(r#"{"method":"standardize","mean":[2.0],"scale":[1.0]"#));
/// let back: Preprocessor = serde_json::from_str(&json).unwrap();
/// assert_eq!(back.transform(ndarray::array![[5.0]].view())?, ndarray::array![[3.0]]);
/// # Ok::<(), nn_data::DataError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "method", rename_all = "kebab-case")]
pub enum Preprocessor {
    /// The identity.
    None,
    /// [`StandardScaler`].
    Standardize(StandardScaler),
    /// [`MinMaxScaler`].
    MinMax(MinMaxScaler),
    /// [`Whitener`] with [`WhiteningMethod::Pca`].
    PcaWhiten(Whitener),
    /// [`Whitener`] with [`WhiteningMethod::Zca`].
    ZcaWhiten(Whitener),
}

impl Preprocessor {
    /// The names accepted by [`from_name`](Preprocessor::from_name).
    pub const NAMES: [&'static str; 5] =
        ["none", "standardize", "min-max", "pca-whiten", "zca-whiten"];

    /// An unfitted preprocessor with default settings, by name (see [`Preprocessor::NAMES`]).
    ///
    /// # Errors
    /// [`DataError::InvalidParameter`] for an unknown name.
    pub fn from_name(name: &str) -> Result<Self> {
        Ok(match name {
            "none" => Preprocessor::None,
            "standardize" => Preprocessor::Standardize(StandardScaler::default()),
            "min-max" | "minmax" => Preprocessor::MinMax(MinMaxScaler::default()),
            "pca-whiten" => Preprocessor::PcaWhiten(Whitener::new(WhiteningMethod::Pca)),
            "zca-whiten" => Preprocessor::ZcaWhiten(Whitener::new(WhiteningMethod::Zca)),
            _ => {
                let msg = format!(
                    "unknown preprocessing {name:?}; expected one of {:?}",
                    Self::NAMES
                );
                return Err(DataError::invalid("preprocessing", msg));
            }
        })
    }

    /// Fits on `x` and transforms it, consuming it: `None` hands the same array back without a
    /// copy, standardize and min-max transform it in place, and the whitenings free `x` as soon
    /// as the output exists (for large training sets). `T` may be `f32` (see [`Transformer`]).
    ///
    /// ```
    /// use ndarray::array;
    /// use nn_data::Preprocessor;
    /// let x = array![[1.0, 2.0], [3.0, 4.0]];
    /// let ptr = x.as_ptr();
    /// let y = Preprocessor::None.fit_transform_owned(x)?;
    /// assert_eq!(y.as_ptr(), ptr); // moved, not copied
    /// # Ok::<(), nn_data::DataError>(())
    /// ```
    pub fn fit_transform_owned<T: Float>(&mut self, x: Array2<T>) -> Result<Array2<T>> {
        self.fit(x.view())?;
        self.transform_owned(x)
    }

    /// Transforms `x`, consuming it (`None` moves it through without a copy; standardize and
    /// min-max work in place).
    ///
    /// ```
    /// use ndarray::array;
    /// use nn_data::{Preprocessor, Transformer};
    /// let y = Preprocessor::None.transform_owned(array![[1.0]])?;
    /// assert_eq!(y, array![[1.0]]);
    /// let mut p = Preprocessor::from_name("min-max")?;
    /// p.fit(array![[0.0_f32], [4.0]].view())?;
    /// let x = array![[1.0_f32], [2.0]];
    /// let ptr = x.as_ptr();
    /// let y = p.transform_owned(x)?; // in place, still f32
    /// assert_eq!((y.as_ptr(), y), (ptr, array![[0.25_f32], [0.5]]));
    /// # Ok::<(), nn_data::DataError>(())
    /// ```
    pub fn transform_owned<T: Float>(&self, mut x: Array2<T>) -> Result<Array2<T>> {
        match self {
            Preprocessor::None => return Ok(x),
            Preprocessor::Standardize(s) => s.transform_in_place(x.view_mut())?,
            Preprocessor::MinMax(s) => s.transform_in_place(x.view_mut())?,
            Preprocessor::PcaWhiten(w) | Preprocessor::ZcaWhiten(w) => {
                return w.transform(x.view())
            }
        }
        Ok(x)
    }

    /// Checks fitted parameters read from a file (see each method's `validate`) and returns
    /// `(n_in, n_out)`, the columns it reads and writes; `None` for [`Preprocessor::None`],
    /// which takes any width.
    ///
    /// # Errors
    /// [`DataError::Inconsistent`] naming the first fault.
    ///
    /// ```
    /// use nn_data::{Preprocessor, Transformer};
    /// let mut p = Preprocessor::from_name("standardize")?;
    /// p.fit(ndarray::array![[1.0, 2.0], [3.0, 5.0]].view())?;
    /// assert_eq!(p.validate()?, Some((2, 2)));
    /// assert_eq!(Preprocessor::None.validate()?, None);
    /// assert_eq!(Preprocessor::from_name("min-max")?.validate()?, Some((0, 0))); // no columns
    /// # Ok::<(), nn_data::DataError>(())
    /// ```
    pub fn validate(&self) -> Result<Option<(usize, usize)>> {
        Ok(match self {
            Preprocessor::None => None,
            Preprocessor::Standardize(s) => {
                s.validate()?;
                Some((s.mean.len(), s.mean.len()))
            }
            Preprocessor::MinMax(s) => {
                s.validate()?;
                Some((s.min.len(), s.min.len()))
            }
            Preprocessor::PcaWhiten(w) | Preprocessor::ZcaWhiten(w) => {
                self.validate_method(w)?;
                w.validate()?;
                Some((w.mean.len(), w.n_components()))
            }
        })
    }

    /// The `"method"` tag and the whitener's own `"whitening"` field must agree.
    fn validate_method(&self, w: &Whitener) -> Result<()> {
        let tagged = match self {
            Preprocessor::PcaWhiten(_) => WhiteningMethod::Pca,
            _ => WhiteningMethod::Zca,
        };
        if w.method == tagged {
            return Ok(());
        }
        let message = format!(
            "method is {tagged:?} whitening but the whitener says {:?}",
            w.method
        );
        Err(DataError::inconsistent("whitening parameters", message))
    }

    fn inner<T: Float>(&self) -> Option<&dyn Transformer<T>> {
        match self {
            Preprocessor::None => None,
            Preprocessor::Standardize(t) => Some(t),
            Preprocessor::MinMax(t) => Some(t),
            Preprocessor::PcaWhiten(t) | Preprocessor::ZcaWhiten(t) => Some(t),
        }
    }

    fn inner_mut<T: Float>(&mut self) -> Option<&mut dyn Transformer<T>> {
        match self {
            Preprocessor::None => None,
            Preprocessor::Standardize(t) => Some(t),
            Preprocessor::MinMax(t) => Some(t),
            Preprocessor::PcaWhiten(t) | Preprocessor::ZcaWhiten(t) => Some(t),
        }
    }
}

impl<T: Float> Transformer<T> for Preprocessor {
    fn fit(&mut self, x: ArrayView2<T>) -> Result<()> {
        self.inner_mut().map_or(Ok(()), |t| t.fit(x))
    }

    fn transform(&self, x: ArrayView2<T>) -> Result<Array2<T>> {
        self.inner()
            .map_or_else(|| Ok(x.to_owned()), |t| t.transform(x))
    }

    fn inverse_transform(&self, x: ArrayView2<T>) -> Result<Array2<T>> {
        self.inner()
            .map_or_else(|| Ok(x.to_owned()), |t| t.inverse_transform(x))
    }
}
