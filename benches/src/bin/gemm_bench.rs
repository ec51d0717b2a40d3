//! Prints GEMM throughput as JSON lines, one per shape: the median GFLOP/s of several reps.
//!
//! ```text
//! gemm_bench [--impl nn|portable|ndarray|naive] [--dtype f32|f64|bf16] [--threads N] [--reps R]
//!            [--form nn|tn|nt] [--shapes 512x512x512,128x784x256] [--iters N]
//! ```
//! Shapes are `m x k x n`; `--form` picks `C = A·B`, `Aᵀ·B` or `A·Bᵀ` (the transposed operand
//! is stored transposed, as in backpropagation). `--threads 0` means all cores. `--iters` fixes
//! the products per timing (default: enough for 20 ms), e.g. to count cycles with `perf stat`.
//! `--dtype bf16` times `gemm_bf16` on `f32` operands (`--impl nn`: the detected kernel,
//! `--impl portable`: the portable emulation; other impls have no bf16 product).

use nn_benches::{operand, Variant};
use nn_tensor::{Float, Transpose};
use std::process::ExitCode;
use std::time::Instant;

/// Parsed command line.
struct Args {
    variant: Variant,
    variant_name: String,
    dtype: String,
    threads: usize,
    reps: usize,
    form: String,
    iters: Option<usize>,
    shapes: Vec<(usize, usize, usize)>,
}

impl Default for Args {
    fn default() -> Self {
        Args {
            variant: Variant::Dispatched,
            variant_name: "nn".into(),
            dtype: "f32".into(),
            threads: 0,
            reps: 7,
            form: "nn".into(),
            iters: None,
            shapes: vec![(512, 512, 512)],
        }
    }
}

fn parse_shape(s: &str) -> Result<(usize, usize, usize), String> {
    let dims: Result<Vec<usize>, _> = s.split('x').map(str::parse).collect();
    match dims.map_err(|e| format!("shape {s:?}: {e}"))?[..] {
        [m, k, n] => Ok((m, k, n)),
        _ => Err(format!("shape {s:?}: expected MxKxN")),
    }
}

fn transposes(form: &str) -> Result<(Transpose, Transpose), String> {
    match form {
        "nn" => Ok((Transpose::No, Transpose::No)),
        "tn" => Ok((Transpose::Yes, Transpose::No)),
        "nt" => Ok((Transpose::No, Transpose::Yes)),
        _ => Err(format!("form {form:?}: expected nn, tn or nt")),
    }
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args::default();
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().ok_or_else(|| format!("{flag} needs a value"))?;
        let number = || {
            value
                .parse::<usize>()
                .map_err(|e| format!("{flag} {value:?}: {e}"))
        };
        match flag.as_str() {
            "--impl" => {
                args.variant = Variant::parse(&value).ok_or(format!("unknown impl {value:?}"))?;
                args.variant_name = value;
            }
            "--dtype" => args.dtype = value,
            "--threads" => args.threads = number()?,
            "--reps" => args.reps = number()?.max(1),
            "--iters" => args.iters = Some(number()?.max(1)),
            "--form" => args.form = transposes(&value).map(|_| value)?,
            "--shapes" => {
                args.shapes = value
                    .split(',')
                    .map(parse_shape)
                    .collect::<Result<_, _>>()?
            }
            _ => return Err(format!("unknown flag {flag:?}")),
        }
    }
    Ok(args)
}

/// Median GFLOP/s of `reps` timings, each long enough (≥ 20 ms) to read the clock reliably.
fn measure<T: Float + ndarray::LinalgScalar>(args: &Args, shape: (usize, usize, usize)) -> f64 {
    let (ta, tb) = transposes(&args.form).expect("validated by parse_args");
    let (a, b) = operands::<T>(shape, ta, tb);
    let mut c = ndarray::Array2::<T>::zeros((shape.0, shape.2));
    time_gflops(args, shape, || {
        args.variant.run_form((&a, ta), (&b, tb), &mut c)
    })
}

/// [`measure`] for `gemm_bf16` (`f32` operands rounded to bf16 while packing).
fn measure_bf16(args: &Args, shape: (usize, usize, usize)) -> Result<f64, String> {
    use nn_tensor::matmul::bf16::{gemm_bf16_with_kernel, Bf16Kernel};
    let kernel = match args.variant_name.as_str() {
        "nn" => Bf16Kernel::Auto,
        "portable" => Bf16Kernel::Portable,
        other => return Err(format!("no bf16 product for impl {other:?}")),
    };
    let (ta, tb) = transposes(&args.form).expect("validated by parse_args");
    let (a, b) = operands::<f32>(shape, ta, tb);
    let mut c = ndarray::Array2::<f32>::zeros((shape.0, shape.2));
    Ok(time_gflops(args, shape, || {
        let (a, b) = (a.view(), b.view());
        gemm_bf16_with_kernel(kernel, 1.0, a, ta, b, tb, 0.0, c.view_mut()).expect("shapes")
    }))
}

/// The stored operands of an `m x k x n` product in form `(ta, tb)`.
fn operands<T: Float>(
    (m, k, n): (usize, usize, usize),
    ta: Transpose,
    tb: Transpose,
) -> (ndarray::Array2<T>, ndarray::Array2<T>) {
    let a = match ta {
        Transpose::Yes => operand::<T>(k, m, 1),
        Transpose::No => operand::<T>(m, k, 1),
    };
    let b = match tb {
        Transpose::Yes => operand::<T>(n, k, 2),
        Transpose::No => operand::<T>(k, n, 2),
    };
    (a, b)
}

/// Median GFLOP/s of `args.reps` timings of `product`.
fn time_gflops(args: &Args, (m, k, n): (usize, usize, usize), mut product: impl FnMut()) -> f64 {
    let flops = 2.0 * (m * n * k) as f64;
    let start = Instant::now();
    product(); // warm-up, also sizes the inner loop
    let once = start.elapsed().as_secs_f64().max(1e-7);
    let iters = args.iters.unwrap_or(((0.02 / once).ceil() as usize).max(1));
    let mut rates: Vec<f64> = (0..args.reps)
        .map(|_| {
            let start = Instant::now();
            (0..iters).for_each(|_| product());
            flops * iters as f64 / start.elapsed().as_secs_f64() / 1e9
        })
        .collect();
    rates.sort_by(f64::total_cmp);
    rates[rates.len() / 2]
}

fn run(args: &Args) -> Result<(), String> {
    nn_tensor::set_num_threads(args.threads);
    for &shape in &args.shapes {
        let gflops = match args.dtype.as_str() {
            "f32" => measure::<f32>(args, shape),
            "f64" => measure::<f64>(args, shape),
            "bf16" => measure_bf16(args, shape)?,
            other => return Err(format!("unknown dtype {other:?}")),
        };
        let (m, k, n) = shape;
        let (name, dtype, form, threads) = (
            &args.variant_name,
            &args.dtype,
            &args.form,
            nn_tensor::num_threads(),
        );
        println!(
            "{{\"impl\": \"{name}\", \"dtype\": \"{dtype}\", \"threads\": {threads}, \
             \"form\": \"{form}\", \"m\": {m}, \"k\": {k}, \"n\": {n}, \"gflops\": {gflops:.2}}}"
        );
    }
    Ok(())
}

fn main() -> ExitCode {
    match parse_args().and_then(|args| run(&args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("gemm_bench: {e}");
            ExitCode::from(2)
        }
    }
}
