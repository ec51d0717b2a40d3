//! Arbitrary text as a `--schedule` SPEC: errors, never panics; a parsed schedule gives finite,
//! non-negative rates for every epoch of the run (50; the parser only promises that range).
#![no_main]

use libfuzzer_sys::fuzz_target;
use nn_optim::{LrSchedule, Schedule};

fuzz_target!(|data: &[u8]| {
    if let Ok(spec) = std::str::from_utf8(data) {
        if let Ok(mut s) = Schedule::parse_with_warmup(spec, 0.1, 50, 3) {
            for epoch in 0..50 {
                let lr = s.lr_at(epoch);
                assert!(lr.is_finite() && lr >= 0.0, "{spec:?} epoch {epoch}: {lr}");
                s.observe(1.0);
            }
        }
    }
});
