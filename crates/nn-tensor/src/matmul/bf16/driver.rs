//! The loop nest around a [`DotKernel`] (the f32 driver's, with pair-packed bf16 panels) and
//! its split over threads. Every kernel family shares the blocking of `kernel.rs`, and threads
//! split only `m` and `n`, so each element of C is summed in the same order on any CPU and at
//! any thread count.

use super::super::driver::{chunks, grid_for, Mat, Problem};
use super::super::kernel::Tile;
use super::kernel::{DotKernel, KC, MC, MR, NC, NR};
use super::pack::{pack, Src};
use std::cell::RefCell;

thread_local! {
    /// Per-thread packing buffers (A panels, B panels), reused across products.
    static BUFFERS: RefCell<(Vec<u32>, Vec<u32>)> = const { RefCell::new((Vec::new(), Vec::new())) };
}

/// Runs the product on up to `threads` threads.
///
/// # Safety
/// The operands of `p` must be valid for their shapes and strides, with C writable and not
/// aliasing A or B; the CPU must support `K`.
pub(crate) unsafe fn run<K: DotKernel>(p: &Problem<f32>, threads: usize) {
    let (tm, tn) = grid_for((p.m, p.n, p.k), (MR, NR), threads);
    let mut parts = Vec::with_capacity(tm * tn);
    for (i0, m) in chunks(p.m, tm, MR) {
        for (j0, n) in chunks(p.n, tn, NR) {
            parts.push(p.sub(i0, m, j0, n));
        }
    }
    // SAFETY: the parts cover disjoint blocks of C (forwarded contract), and `run_parts`
    // returns once every part is done.
    crate::pool::run_parts(parts.len(), &|i| unsafe { serial::<K>(&parts[i]) });
}

/// The single-threaded loop nest: LOOP 5 splits `n` into `nc`, LOOP 4 `k` into `kc` (packing B),
/// LOOP 3 `m` into `mc` (packing A); [`macro_kernel`] walks the register tiles.
///
/// # Safety
/// As [`run`].
unsafe fn serial<K: DotKernel>(p: &Problem<f32>) {
    BUFFERS.with_borrow_mut(|(buf_a, buf_b)| {
        let kp_max = KC.min(p.k).div_ceil(2);
        buf_a.resize(MC.min(p.m.next_multiple_of(MR)) * kp_max, 0);
        buf_b.resize(NC.min(p.n.next_multiple_of(NR)) * kp_max, 0);
        // LOOP 5: split n into nc.
        for jc in (0..p.n).step_by(NC) {
            let nc = NC.min(p.n - jc);
            // LOOP 4: split k into kc; blocks after the first accumulate onto C.
            for pc in (0..p.k).step_by(KC) {
                let kc = KC.min(p.k - pc);
                let beta = if pc == 0 { p.beta } else { 1.0 };
                // SAFETY: rows pc..pc+kc, columns jc..jc+nc are inside B; buf_b is large enough.
                unsafe {
                    let ptr = p.b.ptr.offset(pc as isize * p.b.rs + jc as isize * p.b.cs);
                    let src = Src {
                        ptr,
                        ls: p.b.cs,
                        ds: p.b.rs,
                    };
                    pack::<NR>(buf_b, src, nc, kc);
                }
                // LOOP 3: split m into mc.
                for ic in (0..p.m).step_by(MC) {
                    let mc = MC.min(p.m - ic);
                    // SAFETY: rows ic..ic+mc, columns pc..pc+kc are inside A; buf_a is large
                    // enough; the block of C is inside C.
                    unsafe {
                        let ptr = p.a.ptr.offset(ic as isize * p.a.rs + pc as isize * p.a.cs);
                        pack::<MR>(
                            buf_a,
                            Src {
                                ptr,
                                ls: p.a.rs,
                                ds: p.a.cs,
                            },
                            mc,
                            kc,
                        );
                        let c = p.c.ptr.offset(ic as isize * p.c.rs + jc as isize * p.c.cs);
                        let block = Block {
                            mc,
                            nc,
                            kp: kc.div_ceil(2),
                            alpha: p.alpha,
                            beta,
                        };
                        macro_kernel::<K>(&block, buf_a, buf_b, Mat { ptr: c, ..p.c });
                    }
                }
            }
        }
    });
}

/// One `mc×nc` block of C over `kp` packed depth pairs.
struct Block {
    mc: usize,
    nc: usize,
    kp: usize,
    alpha: f32,
    beta: f32,
}

/// LOOPs 2 and 1: the register tiles of one block (edge tiles partial).
///
/// # Safety
/// `c` must be writable on `mc×nc`; the packed buffers must hold the block's panels.
unsafe fn macro_kernel<K: DotKernel>(blk: &Block, a: &[u32], b: &[u32], c: Mat<*mut f32>) {
    for jr in (0..blk.nc).step_by(NR) {
        let bp = b[jr * blk.kp..].as_ptr();
        for ir in (0..blk.mc).step_by(MR) {
            let ap = a[ir * blk.kp..].as_ptr();
            // SAFETY: the tile starts inside the block and has at most MR×NR elements in it;
            // the panels hold kp·MR and kp·NR pairs from `ap` and `bp`.
            unsafe {
                let ptr = c.ptr.offset(ir as isize * c.rs + jr as isize * c.cs);
                let (rows, cols) = (MR.min(blk.mc - ir), NR.min(blk.nc - jr));
                let tile = Tile {
                    ptr,
                    rs: c.rs,
                    cs: c.cs,
                    rows,
                    cols,
                };
                K::run(blk.kp, blk.alpha, ap, bp, blk.beta, tile);
            }
        }
    }
}
