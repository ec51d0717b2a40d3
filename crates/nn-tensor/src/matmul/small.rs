//! The direct (unpacked) path for tiny products, such as the iris MLP's `150×4·4×16`.
//!
//! At a few thousand multiply-adds, packing A and B costs as much as multiplying them, so these
//! loops read the operands in place through their strides. The loop order is picked from the
//! layout alone (never from the thread count), so that the innermost loop runs over contiguous
//! memory and vectorises:
//!
//! - **rows** (`op(B)` rows contiguous): an `MR×NR` tile of C accumulates
//!   `C[i, j..j+NR] += A[i, p]·B[p, j..j+NR]` over `p`;
//! - **columns** (`op(A)` columns contiguous): the same on `Cᵀ = op(B)ᵀ·op(A)ᵀ`;
//! - **dots** (`op(A)` rows and `op(B)` columns contiguous, as in `X·Wᵀ`): lane-wise partial
//!   sums of `A[i, :]·B[:, j]`, reduced in a fixed order at the end;
//! - otherwise, when op(B) is small, it is copied row-major onto the stack and run by rows;
//! - with AVX2, f32 products with at most 4 columns and `k` of 8 or 16 whose op(A) rows and
//!   op(B) columns are contiguous (the iris forward `H·W2ᵀ`) take a dedicated intrinsics loop,
//!   one row of C per step, with horizontal additions (`narrow_dots_avx2`).
//!
//! Each element is summed in a fixed order that depends only on the shape and layout, so results
//! are deterministic. On x86-64 with AVX2+FMA the loops are compiled for those features (with
//! fused multiply-adds); elsewhere they are plain Rust.

use super::driver::{Mat, Problem};
use crate::Float;
use std::mem::{size_of, MaybeUninit};

/// Largest `op(B)` (`k·n` elements) copied onto the stack when no in-place loop order fits.
const PACK_CAP: usize = 2048;

/// Runs `p` directly when a loop order fits its layout; returns `false` (doing nothing) when
/// none does, so the caller takes the packed path.
///
/// # Safety
/// `p` describes live strided operands of its shape; C aliases neither A nor B.
pub(crate) unsafe fn run<T: Float>(p: &Problem<T>) -> bool {
    #[cfg(target_arch = "x86_64")]
    if crate::cpu::has_avx2_fma() {
        // SAFETY: the caller's contract; AVX2 and FMA were just detected.
        return unsafe { run_avx2(p) };
    }
    // SAFETY: the caller's contract.
    unsafe { run_with::<T, Split>(p) }
}

/// [`run_with`] compiled for AVX2+FMA, with fused multiply-adds.
///
/// # Safety
/// As [`run`], and the CPU supports AVX2 and FMA.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn run_avx2<T: Float>(p: &Problem<T>) -> bool {
    if narrow_dots_fit(p) {
        // SAFETY: forwarded contract; `narrow_dots_fit` checked the shape and that `T` is f32
        // (the only 4-byte `Float`).
        unsafe { narrow_dots_avx2(p) };
        return true;
    }
    // SAFETY: forwarded contract.
    unsafe { run_with::<T, Fused>(p) }
}

/// Whether [`narrow_dots_avx2`] computes `p`: f32, at most 4 columns of C, `k` of 8 or 16,
/// op(A) rows and op(B) columns contiguous (the iris forward product `H·W2ᵀ`, 150×16·16×3).
#[cfg(target_arch = "x86_64")]
fn narrow_dots_fit<T>(p: &Problem<T>) -> bool {
    size_of::<T>() == 4 && p.n <= 4 && (p.k == 8 || p.k == 16) && p.a.cs == 1 && p.b.rs == 1
}

/// `C = α·A·B + β·C` for [`narrow_dots_fit`] shapes, one row of C at a time: the row of A
/// (one or two vectors) times each column of B (kept in registers for the whole product),
/// lane-wise, then all the row's dot products reduced together by three horizontal additions.
/// The row-by-broadcast orders spend a broadcast of an A element per 4-wide multiply-add on
/// such narrow products; this spends a handful of instructions per row.
///
/// Each element is summed in a fixed order: the 8 lane products (plus, for `k = 16`, the
/// second 8 by fused multiply-add), then lanes pairwise `((0+1)+(2+3)) + ((4+5)+(6+7))`.
///
/// # Safety
/// As [`run`], [`narrow_dots_fit`] holds, `T` is `f32`, and the CPU supports AVX2 and FMA.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn narrow_dots_avx2<T: Float>(p: &Problem<T>) {
    use std::arch::x86_64::*;
    // SAFETY: `T` is f32 (caller's contract), so these are the same pointers; every load and
    // store below stays inside A, B and C by the shape checks of `narrow_dots_fit`.
    unsafe {
        let (a, b, c) = (
            p.a.ptr.cast::<f32>(),
            p.b.ptr.cast::<f32>(),
            p.c.ptr.cast::<f32>(),
        );
        let two = p.k == 16;
        // Columns of B (contiguous runs of k), zero past n.
        let mut bv = [[_mm256_setzero_ps(); 2]; 4];
        for (j, bv) in bv.iter_mut().enumerate().take(p.n) {
            let col = b.offset(j as isize * p.b.cs);
            bv[0] = _mm256_loadu_ps(col);
            if two {
                bv[1] = _mm256_loadu_ps(col.add(8));
            }
        }
        let alpha = p.alpha.to_f64() as f32;
        let beta = p.beta.to_f64() as f32;
        for i in 0..p.m {
            let row = a.offset(i as isize * p.a.rs);
            let a0 = _mm256_loadu_ps(row);
            let mut acc = [_mm256_setzero_ps(); 4];
            for (acc, bv) in acc.iter_mut().zip(&bv) {
                *acc = _mm256_mul_ps(a0, bv[0]);
            }
            if two {
                let a1 = _mm256_loadu_ps(row.add(8));
                for (acc, bv) in acc.iter_mut().zip(&bv) {
                    *acc = _mm256_fmadd_ps(a1, bv[1], *acc);
                }
            }
            // [Σ lanes 0-3 of acc0..acc3 | Σ lanes 4-7 of acc0..acc3], then the two halves.
            let h01 = _mm256_hadd_ps(acc[0], acc[1]);
            let h23 = _mm256_hadd_ps(acc[2], acc[3]);
            let h = _mm256_hadd_ps(h01, h23);
            let sums = _mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps::<1>(h));
            let mut out = [0.0_f32; 4];
            _mm_storeu_ps(out.as_mut_ptr(), sums);
            let c_row = c.offset(i as isize * p.c.rs);
            for (j, &x) in out.iter().enumerate().take(p.n) {
                let c = &mut *c_row.offset(j as isize * p.c.cs);
                *c = combine(alpha, x, beta, *c);
            }
        }
    }
}

/// How `a·b + c` is computed: fused (one rounding; only where the CPU has FMA, since the
/// software fallback is slow) or as a multiply then an add.
trait Madd {
    fn madd<T: Float>(a: T, b: T, c: T) -> T;
}

/// `a·b + c` with one rounding (`mul_add`).
#[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
struct Fused;

impl Madd for Fused {
    #[inline(always)]
    fn madd<T: Float>(a: T, b: T, c: T) -> T {
        num_traits::Float::mul_add(a, b, c)
    }
}

/// `a·b + c` as a multiply, then an add.
struct Split;

impl Madd for Split {
    #[inline(always)]
    fn madd<T: Float>(a: T, b: T, c: T) -> T {
        a * b + c
    }
}

/// The loop orders (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Order {
    Rows,
    Columns,
    Dots,
    PackedRows,
}

/// Picks the loop order whose vectorised dimension is the widest (capped at the tile width),
/// preferring earlier orders on ties; `None` when nothing fits or only narrower than 4.
///
/// Short dots (`k < 2·w`) count a quarter of their width: reducing the lanes of every dot then
/// costs more than the padding of a narrow copied B (measured on the iris `150×16·16×3`);
/// long ones amortise it (`16×150·150×4` as `A·Bᵀ` runs twice as fast by dots).
fn order<T>(p: &Problem<T>) -> Option<Order> {
    let w = 64 / size_of::<T>();
    let copyable = p.k * padded_width::<T>(p.n) <= PACK_CAP;
    let dots_score = match p.k >= 2 * w {
        true => w,
        false => p.k.min(w) / 4,
    };
    let candidates = [
        (p.b.cs == 1, p.n.min(w), Order::Rows),
        (p.a.rs == 1, p.m.min(w), Order::Columns),
        (copyable, p.n.max(4).min(w), Order::PackedRows),
        (p.a.cs == 1 && p.b.rs == 1, dots_score, Order::Dots),
    ];
    let mut best: Option<(usize, Order)> = None;
    for (fits, score, order) in candidates {
        if fits && best.is_none_or(|(s, _)| score > s) {
            best = Some((score, order));
        }
    }
    // Under 4 lanes the packed kernel's wide tile does better than these loops.
    best.filter(|&(score, _)| score >= 4)
        .map(|(_, order)| order)
}

/// The body of [`run`], generic over how multiply-adds are done.
///
/// # Safety
/// As [`run`].
#[inline(always)]
unsafe fn run_with<T: Float, M: Madd>(p: &Problem<T>) -> bool {
    let Some(order) = order(p) else {
        return false;
    };
    let f32_sized = size_of::<T>() == 4;
    // SAFETY: the caller's contract; each order's layout requirement was checked by
    // `order`.
    unsafe {
        match order {
            Order::Rows => by_rows_any::<T, M>(p, false),
            Order::Columns => by_rows_any::<T, M>(&p.transposed(), false),
            Order::Dots if f32_sized => by_dots::<T, M, 16>(p),
            Order::Dots => by_dots::<T, M, 8>(p),
            Order::PackedRows => packed_rows::<T, M>(p),
        }
    }
    true
}

/// The tile width [`by_rows_any`] uses for `n` columns: 4 for narrow products, else a 64-byte
/// row (16 f32 or 8 f64).
fn tile_width<T>(n: usize) -> usize {
    match n <= 4 {
        true => 4,
        false => 64 / size_of::<T>(),
    }
}

/// `n` rounded up to whole tiles: the row length of op(B) once copied by [`packed_rows`].
fn padded_width<T>(n: usize) -> usize {
    n.next_multiple_of(tile_width::<T>(n))
}

/// [`by_rows`] with the tile width [`tile_width`] fitted to `n`.
///
/// # Safety
/// As [`by_rows`].
#[inline(always)]
unsafe fn by_rows_any<T: Float, M: Madd>(p: &Problem<T>, padded: bool) {
    // SAFETY: forwarded contract.
    unsafe {
        match tile_width::<T>(p.n) {
            4 => by_rows::<T, M, 4>(p, padded),
            16 => by_rows::<T, M, 16>(p, padded),
            _ => by_rows::<T, M, 8>(p, padded),
        }
    }
}

/// Copies op(B) row-major onto the stack, each row zero-padded to whole tiles (so that the
/// ragged tile loads whole vectors too), then runs [`by_rows`].
///
/// # Safety
/// As [`run`], and `k·padded_width(n) ≤ PACK_CAP`.
#[inline(always)]
unsafe fn packed_rows<T: Float, M: Madd>(p: &Problem<T>) {
    let ld = padded_width::<T>(p.n);
    let mut buf = [const { MaybeUninit::<T>::uninit() }; PACK_CAP];
    for (q, row) in buf.chunks_exact_mut(ld).take(p.k).enumerate() {
        for (j, x) in row.iter_mut().enumerate() {
            // SAFETY: `(q, j)` is inside op(B) when `j < n`.
            x.write(if j < p.n {
                // SAFETY: as above.
                unsafe { *at(p.b, q, j) }
            } else {
                T::zero()
            });
        }
    }
    let b = Mat {
        ptr: buf.as_ptr().cast::<T>(),
        rs: ld as isize,
        cs: 1,
    };
    // SAFETY: the first `k·ld` elements of `buf`, all that `by_rows` reads, were written above.
    unsafe { by_rows_any::<T, M>(&Problem { b, ..*p }, true) }
}

/// The element `(i, j)` of a strided matrix.
///
/// # Safety
/// `(i, j)` lies inside the matrix `m` describes.
#[inline(always)]
unsafe fn at<P: Offset>(m: Mat<P>, i: usize, j: usize) -> P {
    // SAFETY: the caller's contract.
    unsafe { m.ptr.off(i as isize * m.rs + j as isize * m.cs) }
}

/// Pointer offsetting for both `*const T` and `*mut T`.
trait Offset: Copy {
    /// # Safety
    /// As `pointer::offset`.
    unsafe fn off(self, count: isize) -> Self;
}

impl<T> Offset for *const T {
    #[inline(always)]
    unsafe fn off(self, count: isize) -> Self {
        // SAFETY: the caller's contract.
        unsafe { self.offset(count) }
    }
}

impl<T> Offset for *mut T {
    #[inline(always)]
    unsafe fn off(self, count: isize) -> Self {
        // SAFETY: the caller's contract.
        unsafe { self.offset(count) }
    }
}

/// The "rows" order: blocks of 4 rows, then one block of the 1–3 rows left (independent
/// accumulators hide the multiply-add latency when `k` is long), each across `NR`-wide tiles.
///
/// # Safety
/// As [`run`], and op(B) rows are contiguous (`b.cs == 1`).
#[inline(always)]
unsafe fn by_rows<T: Float, M: Madd, const NR: usize>(p: &Problem<T>, padded: bool) {
    let mut i = 0;
    // Safety of the unsafe blocks below (all calls): rows `i..i+MR` lie inside A and C; the caller's contract otherwise.
    while i + 4 <= p.m {
        // SAFETY: as above.
        unsafe { row_block::<T, M, 4, NR>(p, i, padded) };
        i += 4;
    }
    match p.m - i {
        // SAFETY: as above.
        3 => unsafe { row_block::<T, M, 3, NR>(p, i, padded) },
        // SAFETY: as above.
        2 => unsafe { row_block::<T, M, 2, NR>(p, i, padded) },
        // SAFETY: as above.
        1 => unsafe { row_block::<T, M, 1, NR>(p, i, padded) },
        _ => {}
    }
}

/// Rows `i..i+MR` of C, in `NR`-wide tiles (the last one ragged).
///
/// # Safety
/// As [`by_rows`], and `i + MR ≤ m`.
#[inline(always)]
unsafe fn row_block<T: Float, M: Madd, const MR: usize, const NR: usize>(
    p: &Problem<T>,
    i: usize,
    padded: bool,
) {
    let mut j = 0;
    // Safety of the unsafe blocks below (both tiles): columns `j..j+cols` lie inside B and C.
    while j + NR <= p.n {
        // SAFETY: as above.
        let acc = unsafe { tile::<T, M, MR, NR, true>(p, i, j, NR) };
        // SAFETY: as above.
        unsafe { store::<T, MR, NR>(p, i, j, NR, &acc) };
        j += NR;
    }
    if j < p.n {
        let cols = p.n - j;
        let acc = match padded {
            // SAFETY: as above.
            true => unsafe { tile::<T, M, MR, NR, true>(p, i, j, cols) },
            // SAFETY: as above.
            false => unsafe { tile::<T, M, MR, NR, false>(p, i, j, cols) },
        };
        // SAFETY: as above.
        unsafe { store::<T, MR, NR>(p, i, j, cols, &acc) };
    }
}

/// `Σ_p A[i+r, p]·B[p, j..j+cols]` for `r < MR`, in registers (columns past `cols` are zero).
///
/// # Safety
/// As [`row_block`]; `cols ≤ NR`, `j + cols ≤ n`, and when `FULL` each row of op(B) has `NR`
/// readable contiguous elements from column `j` (padding past `cols` reads as zero).
#[inline(always)]
unsafe fn tile<T: Float, M: Madd, const MR: usize, const NR: usize, const FULL: bool>(
    p: &Problem<T>,
    i: usize,
    j: usize,
    cols: usize,
) -> [[T; NR]; MR] {
    let mut acc = [[T::zero(); NR]; MR];
    for q in 0..p.k {
        // SAFETY: row `q` of op(B) is contiguous, with `cols` elements from column `j`.
        let b_row = unsafe { at(p.b, q, j) };
        let mut b = [T::zero(); NR];
        if FULL {
            // SAFETY: `NR` readable contiguous elements from `b_row` (the `FULL` contract).
            b = unsafe { b_row.cast::<[T; NR]>().read_unaligned() };
        } else {
            // Element by element under a mask, not a (slow, out-of-line) `memcpy` of `cols`.
            for (jj, b) in b.iter_mut().enumerate() {
                if jj < cols {
                    // SAFETY: column `j + jj < j + cols` of the contiguous row.
                    *b = unsafe { *b_row.add(jj) };
                }
            }
        }
        for (r, acc) in acc.iter_mut().enumerate() {
            // SAFETY: `(i + r, q)` lies inside op(A).
            let a = unsafe { *at(p.a, i + r, q) };
            for (c, &b) in acc.iter_mut().zip(&b) {
                *c = M::madd(a, b, *c);
            }
        }
    }
    acc
}

/// Writes `C[i+r, j..j+cols] = α·acc[r] + β·C[..]` (β = 0 overwrites, even NaN).
///
/// # Safety
/// Rows `i..i+MR` and columns `j..j+cols` lie inside C; `cols ≤ NR`.
#[inline(always)]
unsafe fn store<T: Float, const MR: usize, const NR: usize>(
    p: &Problem<T>,
    i: usize,
    j: usize,
    cols: usize,
    acc: &[[T; NR]; MR],
) {
    let (alpha, beta) = (p.alpha, p.beta);
    for (r, acc) in acc.iter().enumerate() {
        // SAFETY: `(i + r, j)` lies inside C.
        let row = unsafe { at(p.c, i + r, j) };
        if p.c.cs == 1 {
            // SAFETY: `cols` contiguous elements of C's row, not aliasing A or B.
            let row = unsafe { std::slice::from_raw_parts_mut(row, cols) };
            for (c, &x) in row.iter_mut().zip(acc) {
                *c = combine(alpha, x, beta, *c);
            }
        } else {
            for (jj, &x) in acc.iter().enumerate().take(cols) {
                // SAFETY: column `j + jj < j + cols` of the row.
                let c = unsafe { &mut *row.offset(jj as isize * p.c.cs) };
                *c = combine(alpha, x, beta, *c);
            }
        }
    }
}

/// `α·x + β·c`, with β = 0 ignoring `c` (so NaN there does not leak).
#[inline(always)]
fn combine<T: Float>(alpha: T, x: T, beta: T, c: T) -> T {
    if beta == T::zero() {
        alpha * x
    } else {
        alpha * x + beta * c
    }
}

/// The "dots" order: each column of C in blocks of 4 rows, then one block of the 1–3 left.
///
/// # Safety
/// As [`run`], and op(A) rows and op(B) columns are contiguous (`a.cs == 1`, `b.rs == 1`).
#[inline(always)]
unsafe fn by_dots<T: Float, M: Madd, const L: usize>(p: &Problem<T>) {
    for j in 0..p.n {
        let mut i = 0;
        // Safety of the unsafe blocks below (all calls): rows `i..i+R` and column `j` lie inside A, B and C.
        while i + 4 <= p.m {
            // SAFETY: as above.
            unsafe { dot_block::<T, M, 4, L>(p, i, j) };
            i += 4;
        }
        match p.m - i {
            // SAFETY: as above.
            3 => unsafe { dot_block::<T, M, 3, L>(p, i, j) },
            // SAFETY: as above.
            2 => unsafe { dot_block::<T, M, 2, L>(p, i, j) },
            // SAFETY: as above.
            1 => unsafe { dot_block::<T, M, 1, L>(p, i, j) },
            _ => {}
        }
    }
}

/// `C[i+r, j]` for `r < R`: `L` lane-wise partial sums over whole chunks of `p`, reduced
/// pairwise, then the remaining `k mod L` products in order.
///
/// # Safety
/// As [`by_dots`], and `i + R ≤ m`, `j < n`.
#[inline(always)]
unsafe fn dot_block<T: Float, M: Madd, const R: usize, const L: usize>(
    p: &Problem<T>,
    i: usize,
    j: usize,
) {
    // SAFETY: op(A) rows `i..i+R` and op(B) column `j` are contiguous runs of `k` elements.
    let (a, b) = unsafe {
        let a: [&[T]; R] =
            std::array::from_fn(|r| std::slice::from_raw_parts(at(p.a, i + r, 0), p.k));
        (a, std::slice::from_raw_parts(at(p.b, 0, j), p.k))
    };
    let whole = p.k / L * L;
    let mut acc = [[T::zero(); L]; R];
    for q in (0..whole).step_by(L) {
        // SAFETY: `q + L ≤ whole ≤ k`, inside every row (read as arrays: no bounds checks, so
        // the lanes vectorise).
        let b = unsafe { b.as_ptr().add(q).cast::<[T; L]>().read_unaligned() };
        for (acc, a) in acc.iter_mut().zip(&a) {
            // SAFETY: as for `b`.
            let a = unsafe { a.as_ptr().add(q).cast::<[T; L]>().read_unaligned() };
            for ((c, &x), &y) in acc.iter_mut().zip(&a).zip(&b) {
                *c = M::madd(x, y, *c);
            }
        }
    }
    for (r, (acc, a)) in acc.into_iter().zip(&a).enumerate() {
        let mut sum = reduce(acc);
        for q in whole..p.k {
            sum = M::madd(a[q], b[q], sum);
        }
        // SAFETY: `(i + r, j)` lies inside C and aliases neither A nor B.
        let c = unsafe { &mut *at(p.c, i + r, j) };
        *c = combine(p.alpha, sum, p.beta, *c);
    }
}

/// The sum of `L` lanes (a power of two), halving pairwise: a fixed order that vectorises.
#[inline(always)]
fn reduce<T: Float, const L: usize>(mut x: [T; L]) -> T {
    let mut width = L;
    while width > 1 {
        width /= 2;
        for l in 0..width {
            x[l] += x[l + width];
        }
    }
    x[0]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problem(m: usize, n: usize, k: usize, a: [isize; 2], b: [isize; 2]) -> Problem<f32> {
        let mat = |[rs, cs]: [isize; 2]| Mat {
            ptr: std::ptr::null::<f32>(),
            rs,
            cs,
        };
        Problem {
            m,
            n,
            k,
            alpha: 1.0,
            a: mat(a),
            b: mat(b),
            beta: 0.0,
            c: Mat {
                ptr: std::ptr::null_mut(),
                rs: n as isize,
                cs: 1,
            },
        }
    }

    #[test]
    fn iris_shapes_pick_the_vectorising_order() {
        // forward X·W1ᵀ: dots of length 4 would waste lanes; B (4×16) is copied instead.
        assert_eq!(
            order(&problem(150, 16, 4, [4, 1], [1, 4])),
            Some(Order::PackedRows)
        );
        // forward H·W2ᵀ (n = 3): B (16×3) copied and padded to 4 columns.
        assert_eq!(
            order(&problem(150, 3, 16, [16, 1], [1, 16])),
            Some(Order::PackedRows)
        );
        // A·Bᵀ with long rows: dots of length 150.
        assert_eq!(
            order(&problem(16, 4, 150, [150, 1], [1, 150])),
            Some(Order::Dots)
        );
        assert_eq!(
            order(&problem(3, 16, 150, [150, 1], [1, 150])),
            Some(Order::Dots)
        );
        // dW1 = dZ1ᵀ·X: columns of dZ1ᵀ are contiguous, m = 16.
        assert_eq!(
            order(&problem(16, 4, 150, [1, 16], [4, 1])),
            Some(Order::Columns)
        );
        // dW2 = dZ2ᵀ·H and dX = dZ2·W2: rows of B, n = 16.
        assert_eq!(
            order(&problem(3, 16, 150, [1, 3], [16, 1])),
            Some(Order::Rows)
        );
        assert_eq!(
            order(&problem(150, 16, 3, [3, 1], [16, 1])),
            Some(Order::Rows)
        );
        // Nothing contiguous and B too big to copy: the packed path.
        assert_eq!(order(&problem(2, 64, 64, [2, 3], [5, 7])), None);
    }

    #[test]
    fn narrow_dots_match_the_naive_product() {
        use crate::{gemm, matmul_naive, Transpose};
        use ndarray::{Array2, ShapeBuilder};
        // k of 8 and 16, 1–4 columns, C row-major and column-major, α and β not 1 and 0.
        for (m, n, k) in [(150, 3, 16), (5, 4, 8), (1, 1, 16), (17, 2, 8)] {
            let a = Array2::from_shape_fn((m, k), |(i, q)| ((i * 7 + q * 3) % 11) as f32 - 5.0);
            let w = Array2::from_shape_fn((n, k), |(j, q)| ((j * 5 + q) % 7) as f32 * 0.25 - 0.5);
            let want = matmul_naive(a.view(), w.t()).unwrap();
            for f_order in [false, true] {
                let mut c = Array2::from_elem((m, n).set_f(f_order), 1.0_f32);
                gemm(
                    2.0,
                    a.view(),
                    Transpose::No,
                    w.view(),
                    Transpose::Yes,
                    0.5,
                    c.view_mut(),
                )
                .unwrap();
                // Integer-valued products and sums: exact in any order.
                assert_eq!(c, want.mapv(|v: f32| 2.0 * v + 0.5), "{m}×{n}×{k}");
            }
        }
    }

    #[test]
    fn pairwise_reduction_order() {
        assert_eq!(reduce([1.0_f64, 2.0, 3.0, 4.0]), (1.0 + 3.0) + (2.0 + 4.0));
        assert_eq!(reduce([5.0_f32]), 5.0);
    }
}
