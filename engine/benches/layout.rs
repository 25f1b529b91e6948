//! Graph layout cost (goal: a 5,000-node workflow laid out in ≤ 300 ms
//! in the browser's WASM). Native figures here; the browser's are measured
//! by `end2end/bench/ui.mjs` (`make bench-ui`). Run with
//! `cargo bench -p engine --bench layout` (prints a table).

use std::time::Instant;

use engine::graph::{Direction, Size, Spacing, layout};

/// A deterministic pseudo-random sequence (no dependency for a bench).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, below: usize) -> usize {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((self.0 >> 33) as usize) % below
    }
}

fn fan_out(n: usize) -> (usize, Vec<(usize, usize)>) {
    let mut edges = Vec::new();
    for i in 1..n - 1 {
        edges.push((0, i));
        edges.push((i, n - 1));
    }
    (n, edges)
}

/// `layers` layers of `width` tasks, each depending on two of the layer
/// above.
fn layered(layers: usize, width: usize) -> (usize, Vec<(usize, usize)>) {
    let mut rng = Lcg(12345);
    let mut edges = Vec::new();
    for l in 1..layers {
        for j in 0..width {
            for _ in 0..2 {
                edges.push(((l - 1) * width + rng.next(width), l * width + j));
            }
        }
    }
    (layers * width, edges)
}

fn main() {
    let shapes = [
        ("fan-out 1→4,998→1", fan_out(5_000)),
        ("layered 50×100, 2 deps each", layered(50, 100)),
        ("layered 10×500, 2 deps each", layered(10, 500)),
        ("fan-out 1→1,998→1", fan_out(2_000)),
    ];
    println!("| shape | nodes | edges | layout ms (best of 5) |");
    println!("|---|---:|---:|---:|");
    for (name, (n, edges)) in shapes {
        let sizes = vec![Size { width: 140.0, height: 36.0 }; n];
        let mut best = f64::INFINITY;
        for _ in 0..5 {
            let started = Instant::now();
            let l = layout(&sizes, &edges, Direction::Down, Spacing::default());
            best = best.min(started.elapsed().as_secs_f64() * 1e3);
            assert_eq!(l.nodes.len(), n);
        }
        println!("| {name} | {n} | {} | {best:.1} |", edges.len());
    }
}
