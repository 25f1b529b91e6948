//! A layered ("Sugiyama-style") drawing of a directed graph: the same
//! steps as dagre or Graphviz's `dot`, each chosen to stay near-linear so a
//! 5,000-node workflow lays out in the browser in well under its 300 ms
//! budget (`docs/performance.md`):
//!
//! 1. cycles broken by reversing DFS back edges (a workflow graph has none,
//!    but a layout must never loop forever on bad input);
//! 2. ranks by longest path from the sources, then sources pulled down next
//!    to their first consumer (no network simplex: it is quadratic in the
//!    worst case and workflow graphs gain little from it);
//! 3. long edges split into chains of dummy nodes, one per layer crossed;
//! 4. crossings reduced by alternating barycenter sweeps, keeping the best
//!    order seen (crossings counted per layer pair with a Fenwick tree);
//! 5. positions across each layer: every node wants the mean position of
//!    its neighbours, subject to minimum gaps and the order — solved exactly
//!    per layer as an isotonic regression (pool adjacent violators), in
//!    sweeps down and up;
//! 6. edges as polylines through their dummy nodes.
//!
//! Coordinates are those of a top-down drawing; [`Direction::Right`]
//! transposes them.

/// Width and height of a node's box.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Size {
    pub width: f64,
    pub height: f64,
}

/// A point (a node's centre, or a bend of an edge).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    pub x: f64,
    pub y: f64,
}

/// Which way the edges point.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Direction {
    /// Sources at the top (Argo's default).
    #[default]
    Down,
    /// Sources on the left.
    Right,
}

/// Gaps between boxes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Spacing {
    /// Between neighbours in one layer.
    pub node: f64,
    /// Between layers.
    pub layer: f64,
}

impl Default for Spacing {
    fn default() -> Spacing {
        Spacing { node: 24.0, layer: 48.0 }
    }
}

/// The drawing: node centres in input order, one polyline per input edge
/// (in input order; empty for a self-loop), and the bounding size.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Layout {
    pub nodes: Vec<Point>,
    pub edges: Vec<Vec<Point>>,
    pub width: f64,
    pub height: f64,
}

/// Lay out nodes of the given sizes joined by `edges` (indexes into
/// `sizes`; edges naming a node that does not exist are drawn empty).
pub fn layout(
    sizes: &[Size],
    edges: &[(usize, usize)],
    direction: Direction,
    spacing: Spacing,
) -> Layout {
    let n = sizes.len();
    if n == 0 {
        return Layout { edges: vec![Vec::new(); edges.len()], ..Layout::default() };
    }
    // Work top-down; for a left-to-right drawing swap the box sides.
    let boxes: Vec<Size> = match direction {
        Direction::Down => sizes.to_vec(),
        Direction::Right => {
            sizes.iter().map(|s| Size { width: s.height, height: s.width }).collect()
        }
    };
    let dag = Acyclic::new(n, edges);
    let rank = ranks(n, &dag.edges);
    let mut g = Layered::new(&boxes, &dag.edges, &rank);
    g.order();
    let (xs, ys) = g.positions(spacing);
    let mut out = Layout {
        nodes: Vec::with_capacity(n),
        edges: Vec::with_capacity(edges.len()),
        width: 0.0,
        height: 0.0,
    };
    for v in 0..n {
        out.nodes.push(Point { x: xs[v], y: ys[v] });
    }
    for kept in &dag.kept {
        out.edges.push(match *kept {
            None => Vec::new(),
            Some(k) => g.route(k, dag.edges[k], &boxes, &xs, &ys, dag.reversed[k]),
        });
    }
    let mut width = 0.0f64;
    let mut height = 0.0f64;
    for (v, s) in boxes.iter().enumerate() {
        width = width.max(xs[v] + s.width / 2.0);
        height = height.max(ys[v] + s.height / 2.0);
    }
    out.width = width;
    out.height = height;
    if direction == Direction::Right {
        let flip = |p: &mut Point| std::mem::swap(&mut p.x, &mut p.y);
        out.nodes.iter_mut().for_each(flip);
        out.edges.iter_mut().flatten().for_each(flip);
        std::mem::swap(&mut out.width, &mut out.height);
    }
    out
}

/// The input edges made acyclic: self-loops, duplicates and out-of-range
/// edges dropped, back edges of a DFS reversed.
struct Acyclic {
    /// Distinct edges, each pointing down.
    edges: Vec<(usize, usize)>,
    /// Whether `edges[k]` was reversed from the input's direction.
    reversed: Vec<bool>,
    /// For each input edge, its index in `edges` (`None`: not drawn).
    kept: Vec<Option<usize>>,
}

impl Acyclic {
    fn new(n: usize, input: &[(usize, usize)]) -> Acyclic {
        let mut out_edges: Vec<Vec<(usize, usize)>> = vec![Vec::new(); n];
        for (i, &(a, b)) in input.iter().enumerate() {
            if a < n && b < n && a != b {
                out_edges[a].push((b, i));
            }
        }
        // Iterative DFS in input order; an edge to a node still on the
        // stack closes a cycle and is reversed.
        let mut state = vec![0u8; n]; // 0 new, 1 on stack, 2 done
        let mut back = vec![false; input.len()];
        for root in 0..n {
            if state[root] != 0 {
                continue;
            }
            let mut stack = vec![(root, 0usize)];
            state[root] = 1;
            while let Some(&mut (v, ref mut next)) = stack.last_mut() {
                if let Some(&(w, i)) = out_edges[v].get(*next) {
                    *next += 1;
                    match state[w] {
                        0 => {
                            state[w] = 1;
                            stack.push((w, 0));
                        }
                        1 => back[i] = true,
                        _ => {}
                    }
                } else {
                    state[v] = 2;
                    stack.pop();
                }
            }
        }
        let mut seen = std::collections::HashMap::new();
        let mut edges = Vec::new();
        let mut reversed = Vec::new();
        let mut kept = Vec::with_capacity(input.len());
        for (i, &(a, b)) in input.iter().enumerate() {
            if a >= n || b >= n || a == b {
                kept.push(None);
                continue;
            }
            let e = if back[i] { (b, a) } else { (a, b) };
            let k = *seen.entry(e).or_insert_with(|| {
                edges.push(e);
                reversed.push(back[i]);
                edges.len() - 1
            });
            kept.push(Some(k));
        }
        Acyclic { edges, reversed, kept }
    }
}

/// Longest-path ranks from the sources; then each source moves down to
/// just above its highest consumer, so a late starter (an exit handler, a
/// task with no dependencies joining near the end) sits next to what it
/// feeds instead of at the top.
fn ranks(n: usize, edges: &[(usize, usize)]) -> Vec<usize> {
    let mut out: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut indegree = vec![0usize; n];
    for &(a, b) in edges {
        out[a].push(b);
        indegree[b] += 1;
    }
    let mut order = Vec::with_capacity(n);
    let mut left = indegree.clone();
    order.extend((0..n).filter(|&v| left[v] == 0));
    let mut head = 0;
    while head < order.len() {
        let v = order[head];
        head += 1;
        for &w in &out[v] {
            left[w] -= 1;
            if left[w] == 0 {
                order.push(w);
            }
        }
    }
    let mut rank = vec![0usize; n];
    for &v in &order {
        for &w in &out[v] {
            rank[w] = rank[w].max(rank[v] + 1);
        }
    }
    for &v in order.iter().rev() {
        if indegree[v] == 0
            && let Some(lowest) = out[v].iter().map(|&w| rank[w]).min()
        {
            rank[v] = lowest.saturating_sub(1);
        }
    }
    rank
}

/// The graph with dummy nodes: every edge spans exactly one layer.
struct Layered {
    /// Real nodes first (same indexes as the input), then dummies.
    width: Vec<f64>,
    height: Vec<f64>,
    rank: Vec<usize>,
    up: Vec<Vec<usize>>,
    down: Vec<Vec<usize>>,
    layers: Vec<Vec<usize>>,
    /// For each acyclic edge, the dummy chain it passes through.
    chains: Vec<Vec<usize>>,
    real: usize,
}

/// How wide a dummy node (an edge passing through a layer) is.
const DUMMY_WIDTH: f64 = 8.0;

impl Layered {
    fn new(boxes: &[Size], edges: &[(usize, usize)], rank: &[usize]) -> Layered {
        let real = boxes.len();
        let mut g = Layered {
            width: boxes.iter().map(|s| s.width).collect(),
            height: boxes.iter().map(|s| s.height).collect(),
            rank: rank.to_vec(),
            up: vec![Vec::new(); real],
            down: vec![Vec::new(); real],
            layers: Vec::new(),
            chains: Vec::with_capacity(edges.len()),
            real,
        };
        for &(a, b) in edges {
            let mut chain = Vec::new();
            let mut prev = a;
            for r in rank[a] + 1..rank[b] {
                let d = g.width.len();
                g.width.push(DUMMY_WIDTH);
                g.height.push(0.0);
                g.rank.push(r);
                g.up.push(Vec::new());
                g.down.push(Vec::new());
                g.link(prev, d);
                chain.push(d);
                prev = d;
            }
            g.link(prev, b);
            g.chains.push(chain);
        }
        let depth = g.rank.iter().max().map_or(0, |m| m + 1);
        g.layers = vec![Vec::new(); depth];
        // First order: depth-first from the sources in input order, so
        // siblings keep the order the workflow gave them and a subtree
        // stays together.
        let mut placed = vec![false; g.width.len()];
        for root in 0..real {
            if !g.up[root].is_empty() || placed[root] {
                continue;
            }
            let mut stack = vec![root];
            while let Some(v) = stack.pop() {
                if placed[v] {
                    continue;
                }
                placed[v] = true;
                g.layers[g.rank[v]].push(v);
                stack.extend(g.down[v].iter().rev().copied().filter(|&w| !placed[w]));
            }
        }
        for (v, &done) in placed.iter().enumerate() {
            if !done {
                g.layers[g.rank[v]].push(v);
            }
        }
        g
    }

    fn link(&mut self, a: usize, b: usize) {
        self.down[a].push(b);
        self.up[b].push(a);
    }

    /// Reorder each layer to reduce crossings; keeps the best order seen.
    fn order(&mut self) {
        let size = self.width.len();
        let mut position = vec![0usize; size];
        let index = |layers: &[Vec<usize>], position: &mut [usize]| {
            for layer in layers {
                for (i, &v) in layer.iter().enumerate() {
                    position[v] = i;
                }
            }
        };
        index(&self.layers, &mut position);
        let mut best = self.layers.clone();
        let mut best_crossings = self.crossings(&position);
        // Fewer sweeps on huge graphs: each costs O(edges · log width).
        let sweeps = if size > 20_000 { 4 } else { 8 };
        for sweep in 0..sweeps {
            let downward = sweep % 2 == 0;
            let order: Vec<usize> = if downward {
                (1..self.layers.len()).collect()
            } else {
                (0..self.layers.len().saturating_sub(1)).rev().collect()
            };
            for l in order {
                // A node with no neighbours on that side keeps its relative
                // place: its own position, scaled to the other layer's.
                let other = if downward { l - 1 } else { l + 1 };
                let scale =
                    self.layers[other].len().max(1) as f64 / self.layers[l].len().max(1) as f64;
                let mut keyed: Vec<(f64, usize)> = self.layers[l]
                    .iter()
                    .map(|&v| {
                        let near = if downward { &self.up[v] } else { &self.down[v] };
                        let key = if near.is_empty() {
                            position[v] as f64 * scale
                        } else {
                            near.iter().map(|&w| position[w] as f64).sum::<f64>()
                                / near.len() as f64
                        };
                        (key, v)
                    })
                    .collect();
                // Stable: equal keys keep their order.
                keyed.sort_by(|a, b| a.0.total_cmp(&b.0));
                self.layers[l] = keyed.into_iter().map(|(_, v)| v).collect();
                for (i, &v) in self.layers[l].iter().enumerate() {
                    position[v] = i;
                }
            }
            let crossings = self.crossings(&position);
            if crossings < best_crossings {
                best_crossings = crossings;
                best = self.layers.clone();
            }
            if best_crossings == 0 {
                break;
            }
        }
        self.layers = best;
    }

    /// Edge crossings between all adjacent layers (Barth–Jünger–Mutzel:
    /// sort the edges by upper end, count inversions of the lower ends).
    fn crossings(&self, position: &[usize]) -> u64 {
        let mut total = 0u64;
        for l in 0..self.layers.len().saturating_sub(1) {
            let width = self.layers[l + 1].len();
            let mut ends: Vec<usize> = Vec::new();
            for &v in &self.layers[l] {
                let mut below: Vec<usize> = self.down[v].iter().map(|&w| position[w]).collect();
                below.sort_unstable();
                ends.extend(below);
            }
            let mut tree = vec![0u64; width + 1];
            for (seen, &p) in ends.iter().enumerate() {
                // Count earlier ends strictly to the right of p.
                let mut at_most = 0u64;
                let mut i = p + 1;
                while i > 0 {
                    at_most += tree[i];
                    i -= i & i.wrapping_neg();
                }
                total += seen as u64 - at_most;
                let mut i = p + 1;
                while i <= width {
                    tree[i] += 1;
                    i += i & i.wrapping_neg();
                }
            }
        }
        total
    }

    /// x (across) and y (down) of every node, real and dummy.
    fn positions(&self, spacing: Spacing) -> (Vec<f64>, Vec<f64>) {
        let size = self.width.len();
        let mut y = vec![0.0; size];
        let mut top = 0.0;
        for layer in &self.layers {
            let tallest = layer.iter().map(|&v| self.height[v]).fold(0.0f64, f64::max);
            for &v in layer {
                y[v] = top + tallest / 2.0;
            }
            top += tallest + spacing.layer;
        }
        let mut x = vec![0.0; size];
        for layer in &self.layers {
            let mut at = 0.0;
            for (i, &v) in layer.iter().enumerate() {
                if i > 0 {
                    at += self.gap(layer[i - 1], v, spacing);
                }
                x[v] = at;
            }
        }
        let rounds = 4;
        for _ in 0..rounds {
            for l in 1..self.layers.len() {
                self.place(l, &self.up, &mut x, spacing);
            }
            for l in (0..self.layers.len().saturating_sub(1)).rev() {
                self.place(l, &self.down, &mut x, spacing);
            }
        }
        let left = (0..size).map(|v| x[v] - self.width[v] / 2.0).fold(f64::INFINITY, f64::min);
        if left.is_finite() {
            x.iter_mut().for_each(|x| *x -= left);
        }
        (x, y)
    }

    /// Smallest distance between the centres of neighbours `a`, `b`.
    fn gap(&self, a: usize, b: usize, spacing: Spacing) -> f64 {
        let dummies = usize::from(a >= self.real) + usize::from(b >= self.real);
        let gap = if dummies > 0 { spacing.node / 2.0 } else { spacing.node };
        (self.width[a] + self.width[b]) / 2.0 + gap
    }

    /// Move layer `l` as close as its order and gaps allow to the mean
    /// position of each node's neighbours in `near` (least squares,
    /// solved by pooling adjacent violators). Dummy nodes weigh more so
    /// long edges run straight.
    fn place(&self, l: usize, near: &[Vec<usize>], x: &mut [f64], spacing: Spacing) {
        let layer = &self.layers[l];
        if layer.is_empty() {
            return;
        }
        // Offsets that turn "gap ≥ min" into "y non-decreasing".
        let mut offset = Vec::with_capacity(layer.len());
        let mut at = 0.0;
        for (i, &v) in layer.iter().enumerate() {
            if i > 0 {
                at += self.gap(layer[i - 1], v, spacing);
            }
            offset.push(at);
        }
        // Blocks of (sum of weighted targets, total weight, count).
        let mut blocks: Vec<(f64, f64, usize)> = Vec::with_capacity(layer.len());
        for (i, &v) in layer.iter().enumerate() {
            let wanted = if near[v].is_empty() {
                x[v]
            } else {
                near[v].iter().map(|&w| x[w]).sum::<f64>() / near[v].len() as f64
            };
            let weight = if v >= self.real { 4.0 } else { 1.0 };
            let mut block = ((wanted - offset[i]) * weight, weight, 1usize);
            while let Some(&(s, w, c)) = blocks.last() {
                if s / w >= block.0 / block.1 {
                    blocks.pop();
                    block = (block.0 + s, block.1 + w, block.2 + c);
                } else {
                    break;
                }
            }
            blocks.push(block);
        }
        let mut i = 0;
        for (s, w, c) in blocks {
            let value = s / w;
            for _ in 0..c {
                x[layer[i]] = value + offset[i];
                i += 1;
            }
        }
    }

    /// The polyline of acyclic edge `k`: from the bottom of its upper end,
    /// through its dummies, to the top of its lower end; reversed back if
    /// the input edge pointed up.
    fn route(
        &self,
        k: usize,
        (a, b): (usize, usize),
        boxes: &[Size],
        x: &[f64],
        y: &[f64],
        reversed: bool,
    ) -> Vec<Point> {
        let chain = &self.chains[k];
        let mut points = Vec::with_capacity(chain.len() + 2);
        points.push(Point { x: x[a], y: y[a] + boxes[a].height / 2.0 });
        points.extend(chain.iter().map(|&d| Point { x: x[d], y: y[d] }));
        points.push(Point { x: x[b], y: y[b] - boxes[b].height / 2.0 });
        if reversed {
            points.reverse();
        }
        points
    }
}
