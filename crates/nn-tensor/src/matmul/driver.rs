//! The BLIS-style loop nest around a [`MicroKernel`], and its multi-threaded split.
//!
//! Loop levels, outermost first: LOOP 5 splits `n` into `nc`, LOOP 4 splits `k` into `kc` (and
//! packs a `kc×nc` block of B), LOOP 3 splits `m` into `mc` (and packs an `mc×kc` block of A),
//! LOOP 2 splits `nc` into `nr` micro-panels, LOOP 1 splits `mc` into `mr` and calls the kernel.
//! Threads split only `m` and `n` (each runs this whole nest on its own sub-matrix of `C`), so
//! every element of `C` is summed in the same order whatever the thread count. Mid-size products
//! run their parts through [`crate::pool::run_parts`] (the caller computes a part itself, helpers
//! linger between products); long ones through a plain rayon scope.

use super::kernel::{MicroKernel, Tile};
use super::pack::{pack, with_workspace, Src, Workspace};
use crate::Float;

/// A strided matrix: element `(i, j)` lives at `ptr + i·rs + j·cs`.
#[derive(Clone, Copy)]
pub(crate) struct Mat<P> {
    pub ptr: P,
    pub rs: isize,
    pub cs: isize,
}

/// One product `C = α·A·B + β·C` on raw strided operands: `A: (m, k)`, `B: (k, n)`, `C: (m, n)`.
#[derive(Clone, Copy)]
pub(crate) struct Problem<T> {
    pub m: usize,
    pub n: usize,
    pub k: usize,
    pub alpha: T,
    pub a: Mat<*const T>,
    pub b: Mat<*const T>,
    pub beta: T,
    pub c: Mat<*mut T>,
}

// SAFETY: a `Problem` is only sent to other threads as disjoint sub-problems (see `run`):
// A and B are only read, and no two sub-problems write the same element of C.
unsafe impl<T: Send> Send for Problem<T> {}
// SAFETY: as for `Send`: shared references to a `Problem` only read its fields.
unsafe impl<T: Sync> Sync for Problem<T> {}

impl<T: Float> Problem<T> {
    /// The same product written for `Cᵀ = Bᵀ·Aᵀ`.
    pub(crate) fn transposed(&self) -> Self {
        let (a, b, c) = (self.a, self.b, self.c);
        Problem {
            m: self.n,
            n: self.m,
            a: Mat {
                ptr: b.ptr,
                rs: b.cs,
                cs: b.rs,
            },
            b: Mat {
                ptr: a.ptr,
                rs: a.cs,
                cs: a.rs,
            },
            c: Mat {
                ptr: c.ptr,
                rs: c.cs,
                cs: c.rs,
            },
            ..*self
        }
    }

    /// The sub-problem on rows `i0..i0 + m` and columns `j0..j0 + n` of C.
    fn sub(&self, i0: usize, m: usize, j0: usize, n: usize) -> Self {
        let (i0, j0) = (i0 as isize, j0 as isize);
        // SAFETY: callers pass ranges inside `0..self.m` × `0..self.n`, so the offsets point
        // into the operands (or one past, when the range is empty and never dereferenced).
        unsafe {
            Problem {
                m,
                n,
                a: Mat {
                    ptr: self.a.ptr.offset(i0 * self.a.rs),
                    ..self.a
                },
                b: Mat {
                    ptr: self.b.ptr.offset(j0 * self.b.cs),
                    ..self.b
                },
                c: Mat {
                    ptr: self.c.ptr.offset(i0 * self.c.rs + j0 * self.c.cs),
                    ..self.c
                },
                ..*self
            }
        }
    }
}

/// Runs the product on up to `threads` threads (fewer for small products).
///
/// # Safety
/// The operands of `p` must be valid for their shapes and strides, with C writable and not
/// aliasing A or B.
pub(crate) unsafe fn run<T: Float, K: MicroKernel<T>>(p: &Problem<T>, threads: usize) {
    if 2 * p.n < K::NR && p.n < p.m {
        // A narrow C wastes most of each NR-wide tile: compute Cᵀ = Bᵀ·Aᵀ instead, which puts
        // the narrow side on the MR rows (only strides change; the arithmetic is the same).
        // SAFETY: the transposed problem describes exactly the same memory.
        return unsafe { run::<T, K>(&p.transposed(), threads) };
    }
    let (tm, tn) = grid::<T, K>(p, threads);
    if tm * tn == 1 {
        // SAFETY: forwarded contract.
        return with_workspace(|ws| unsafe { serial::<T, K>(p, ws) });
    }
    let mut parts = Vec::with_capacity(tm * tn);
    for (i0, m) in chunks(p.m, tm, K::MR) {
        for (j0, n) in chunks(p.n, tn, K::NR) {
            parts.push(p.sub(i0, m, j0, n));
        }
    }
    if p.m * p.n * p.k >= BIG_FMAS * parts.len() {
        // Long products: waking parked workers costs nothing in comparison, and a rayon scope
        // leaves the scheduling to rayon.
        return rayon::scope(|s| {
            let (first, rest) = parts.split_first().expect("grid has at least one part");
            for part in rest {
                // SAFETY: the parts cover disjoint blocks of C (forwarded contract).
                s.spawn(move |_| with_workspace(|ws| unsafe { serial::<T, K>(part, ws) }));
            }
            // SAFETY: as above.
            with_workspace(|ws| unsafe { serial::<T, K>(first, ws) });
        });
    }
    // SAFETY: the parts cover disjoint blocks of C (forwarded contract), and `run_parts`
    // returns once every part is done.
    crate::pool::run_parts(parts.len(), &|i| {
        // SAFETY: as above.
        with_workspace(|ws| unsafe { serial::<T, K>(&parts[i], ws) })
    });
}

/// Minimum multiply-adds per thread before splitting pays for the hand-off to a helper.
const FMAS_PER_THREAD: usize = 1 << 19;

/// Multiply-adds per part (about 0.7 ms on one core) from which a product keeps the plain
/// rayon scope: lingering helpers only pay off when waking a worker is a visible cost.
const BIG_FMAS: usize = 1 << 25;

/// Picks a `tm × tn` thread grid minimising per-thread work plus duplicated packing (a packed
/// element costs about as much as 16 multiply-adds, which run 16 to a vector instruction).
///
/// One part per thread: splitting finer (a shared work counter over 2–4 parts per thread) was
/// tried and lost 10–25% on the MLP shapes to the extra packing, even on a busy machine.
fn grid<T: Float, K: MicroKernel<T>>(p: &Problem<T>, threads: usize) -> (usize, usize) {
    let useful = (p.m * p.n * p.k / FMAS_PER_THREAD).max(1);
    let t = threads.min(useful).max(1);
    let cost = |tm: usize, tn: usize| {
        let mt = p.m.div_ceil(tm).next_multiple_of(K::MR);
        let nt = p.n.div_ceil(tn).next_multiple_of(K::NR);
        mt * nt + 16 * (mt + nt)
    };
    (1..=t)
        .filter(|tm| t / tm * tm == t)
        .map(|tm| (tm, t / tm))
        .min_by_key(|&(tm, tn)| cost(tm, tn))
        .unwrap_or((1, 1))
}

/// Splits `0..len` into at most `parts` ranges whose starts are multiples of `unit`.
fn chunks(len: usize, parts: usize, unit: usize) -> impl Iterator<Item = (usize, usize)> {
    let step = len.div_ceil(parts).next_multiple_of(unit).max(unit);
    (0..len).step_by(step).map(move |s| (s, step.min(len - s)))
}

/// The single-threaded loop nest (LOOPs 5 to 3).
///
/// # Safety
/// As [`run`].
unsafe fn serial<T: Float, K: MicroKernel<T>>(p: &Problem<T>, ws: &mut Workspace) {
    let kc_max = K::KC.min(p.k);
    let len_a = K::MC.min(p.m.next_multiple_of(K::MR)) * kc_max;
    let len_b = K::NC.min(p.n.next_multiple_of(K::NR)) * kc_max;
    let (buf_a, buf_b) = ws.buffers::<T>(len_a, len_b);
    // LOOP 5: split n into nc.
    for jc in (0..p.n).step_by(K::NC) {
        let nc = K::NC.min(p.n - jc);
        // LOOP 4: split k into kc; blocks after the first accumulate onto C.
        for pc in (0..p.k).step_by(K::KC) {
            let kc = K::KC.min(p.k - pc);
            let beta = if pc == 0 { p.beta } else { T::one() };
            // SAFETY: rows pc..pc+kc, columns jc..jc+nc are inside B; buf_b is large enough.
            unsafe {
                let ptr = p.b.ptr.offset(pc as isize * p.b.rs + jc as isize * p.b.cs);
                pack(
                    buf_b,
                    Src {
                        ptr,
                        ls: p.b.cs,
                        ds: p.b.rs,
                    },
                    K::NR,
                    nc,
                    kc,
                );
            }
            // LOOP 3: split m into mc.
            for ic in (0..p.m).step_by(K::MC) {
                let mc = K::MC.min(p.m - ic);
                // SAFETY: rows ic..ic+mc, columns pc..pc+kc are inside A; buf_a is large enough.
                unsafe {
                    let ptr = p.a.ptr.offset(ic as isize * p.a.rs + pc as isize * p.a.cs);
                    pack(
                        buf_a,
                        Src {
                            ptr,
                            ls: p.a.rs,
                            ds: p.a.cs,
                        },
                        K::MR,
                        mc,
                        kc,
                    );
                    let c = p.c.ptr.offset(ic as isize * p.c.rs + jc as isize * p.c.cs);
                    let block = Block {
                        mc,
                        nc,
                        kc,
                        alpha: p.alpha,
                        beta,
                        c: Mat { ptr: c, ..p.c },
                    };
                    macro_kernel::<T, K>(&block, buf_a, buf_b);
                }
            }
        }
    }
}

/// One `mc×nc` block of C over a packed `kc` slice of A and B.
struct Block<T> {
    mc: usize,
    nc: usize,
    kc: usize,
    alpha: T,
    beta: T,
    c: Mat<*mut T>,
}

/// LOOPs 2 and 1: walks the register tiles of one block (edge tiles are partial).
///
/// # Safety
/// `blk.c` must be writable on `mc×nc`; the packed buffers must hold the block's panels.
unsafe fn macro_kernel<T: Float, K: MicroKernel<T>>(blk: &Block<T>, a: &[T], b: &[T]) {
    let Mat { ptr: c, rs, cs } = blk.c;
    // LOOP 2: split nc into nr.
    for jr in (0..blk.nc).step_by(K::NR) {
        let cols = K::NR.min(blk.nc - jr);
        let bp = b[jr * blk.kc..].as_ptr();
        // LOOP 1: split mc into mr.
        for ir in (0..blk.mc).step_by(K::MR) {
            let rows = K::MR.min(blk.mc - ir);
            let ap = a[ir * blk.kc..].as_ptr();
            // SAFETY: the tile starts inside the block and has at most MR×NR elements inside
            // it; the packed panels hold kc·MR and kc·NR elements from `ap` and `bp`.
            unsafe {
                let ptr = c.offset(ir as isize * rs + jr as isize * cs);
                K::run(
                    blk.kc,
                    blk.alpha,
                    ap,
                    bp,
                    blk.beta,
                    Tile {
                        ptr,
                        rs,
                        cs,
                        rows,
                        cols,
                    },
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_cover_the_range_on_unit_boundaries() {
        let got: Vec<_> = chunks(100, 3, 12).collect();
        assert_eq!(got, vec![(0, 36), (36, 36), (72, 28)]);
        assert_eq!(chunks(5, 4, 12).collect::<Vec<_>>(), vec![(0, 5)]);
        assert_eq!(chunks(0, 2, 12).count(), 0);
    }
}
