//! A run interrupted after epoch k, saved to a checkpoint file, read back and resumed, ends with
//! bit-identical weights to an uninterrupted run (momentum, plateau schedule and shuffling state
//! included).

use ndarray::Array2;
use nn_core::{Activation, Loss, Network};
use nn_optim::{AnyOptimizer, Checkpoint, LrSchedule, Schedule, Sgd, SgdConfig, Trainer};

fn data() -> (Array2<f32>, Array2<f32>) {
    // y = [sin(x0 + 2 x1), x0·x1] on a deterministic grid of 40 points
    let x = Array2::from_shape_fn((40, 2), |(i, j)| ((i * 7 + j * 3) % 11) as f32 / 5.0 - 1.0);
    let y = Array2::from_shape_fn((40, 2), |(i, j)| match j {
        0 => (x[[i, 0]] + 2.0 * x[[i, 1]]).sin(),
        _ => x[[i, 0]] * x[[i, 1]],
    });
    (x, y)
}

struct Run {
    net: Network<f32>,
    sgd: AnyOptimizer<f32>,
    schedule: Schedule,
    trainer: Trainer,
}

impl Run {
    fn new() -> Run {
        Run {
            net: Network::mlp(&[2, 8, 2], Activation::Tanh, Activation::Identity, 5).unwrap(),
            sgd: Sgd::new(SgdConfig {
                momentum: 0.9,
                nesterov: true,
                weight_decay: 1e-3,
            })
            .unwrap()
            .into(),
            schedule: Schedule::parse("plateau:1:0.5", 0.05, 10)
                .unwrap()
                .with_warmup(2),
            trainer: Trainer::new(8, 11),
        }
    }

    fn epochs(&mut self, n: usize) {
        let (x, y) = data();
        for _ in 0..n {
            let lr = self.schedule.lr_at(self.trainer.epoch());
            let r = self
                .trainer
                .run_epoch(
                    &mut self.net,
                    &mut self.sgd,
                    Loss::Mse,
                    x.view(),
                    y.view(),
                    lr,
                )
                .unwrap();
            self.schedule.observe(r.train_loss);
        }
    }
}

#[test]
fn interrupted_and_resumed_run_is_bit_identical() {
    let mut straight = Run::new();
    straight.epochs(10);

    let mut first = Run::new();
    first.epochs(4);
    let path = std::env::temp_dir().join(format!("nn-resume-{}.json", std::process::id()));
    Checkpoint::new(first.net, first.sgd, first.schedule, first.trainer, vec![])
        .save(&path)
        .unwrap();
    let ck = Checkpoint::<f32>::load(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
    let mut resumed = Run {
        net: ck.network,
        sgd: ck.optimizer,
        schedule: ck.schedule,
        trainer: ck.trainer,
    };
    resumed.epochs(6);

    assert_eq!(resumed.trainer.epoch(), 10);
    for (a, b) in straight.net.layers().iter().zip(resumed.net.layers()) {
        let (wa, wb) = (
            a.weight().as_slice().unwrap(),
            b.weight().as_slice().unwrap(),
        );
        assert!(
            wa.iter().zip(wb).all(|(p, q)| p.to_bits() == q.to_bits()),
            "weights differ"
        );
        assert_eq!(a.bias(), b.bias());
    }
    assert_eq!(straight.sgd, resumed.sgd, "momentum buffers");
    assert_eq!(straight.schedule.lr_at(10), resumed.schedule.lr_at(10));
}

#[test]
fn wrong_format_or_version_is_a_clear_error() {
    let path = std::env::temp_dir().join(format!("nn-badck-{}.json", std::process::id()));
    std::fs::write(&path, r#"{"format":"nn-checkpoint","version":99}"#).unwrap();
    let err = Checkpoint::<f32>::load(&path).unwrap_err().to_string();
    assert!(err.contains("version 99 is not supported"), "{err}");
    std::fs::write(&path, "{ truncated").unwrap();
    let err = Checkpoint::<f32>::load(&path).unwrap_err().to_string();
    assert!(err.contains("not a checkpoint"), "{err}");
    std::fs::remove_file(&path).unwrap();
}
