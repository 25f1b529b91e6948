use std::collections::HashSet;

use proptest::prelude::*;

use super::workflow::LABEL_CHARS;
use super::*;
use crate::status::{NodePhase, NodeStatus, NodeType};

fn boxes(n: usize) -> Vec<Size> {
    vec![Size { width: 100.0, height: 30.0 }; n]
}

fn lay(n: usize, edges: &[(usize, usize)]) -> Layout {
    layout(&boxes(n), edges, Direction::Down, Spacing::default())
}

/// No two boxes overlap (boxes in one layer share a centre line).
fn assert_no_overlap(sizes: &[Size], l: &Layout) {
    for a in 0..sizes.len() {
        for b in a + 1..sizes.len() {
            let (p, q) = (l.nodes[a], l.nodes[b]);
            let apart_x = (p.x - q.x).abs() >= (sizes[a].width + sizes[b].width) / 2.0 - 1e-6;
            let apart_y = (p.y - q.y).abs() >= (sizes[a].height + sizes[b].height) / 2.0 - 1e-6;
            assert!(apart_x || apart_y, "boxes {a} and {b} overlap: {p:?} {q:?}");
        }
    }
}

#[test]
fn a_chain_goes_straight_down() {
    let l = lay(4, &[(0, 1), (1, 2), (2, 3)]);
    for w in l.nodes.windows(2) {
        assert!(w[1].y > w[0].y, "{:?}", l.nodes);
        assert!((w[1].x - w[0].x).abs() < 1e-6, "{:?}", l.nodes);
    }
    // Each edge leaves the bottom of its source and reaches the top of
    // its target.
    assert_eq!(l.edges[0].first().map(|p| p.y), Some(l.nodes[0].y + 15.0));
    assert_eq!(l.edges[0].last().map(|p| p.y), Some(l.nodes[1].y - 15.0));
}

#[test]
fn a_diamond_is_symmetric_and_has_no_crossings() {
    let l = lay(4, &[(0, 1), (0, 2), (1, 3), (2, 3)]);
    assert_eq!(l.nodes[1].y, l.nodes[2].y);
    assert!(l.nodes[1].x < l.nodes[2].x, "siblings keep their order");
    let middle = (l.nodes[1].x + l.nodes[2].x) / 2.0;
    assert!((l.nodes[0].x - middle).abs() < 1e-6);
    assert!((l.nodes[3].x - middle).abs() < 1e-6);
    assert!(l.width >= 224.0 && l.height > 0.0);
}

#[test]
fn long_edges_bend_through_each_layer_they_cross() {
    // 0 → 1 → 2 → 3 and 0 → 3: the long edge has two bends.
    let l = lay(4, &[(0, 1), (1, 2), (2, 3), (0, 3)]);
    assert_eq!(l.edges[3].len(), 4);
    assert_no_overlap(&boxes(4), &l);
}

#[test]
fn cycles_self_loops_and_bad_edges_do_not_break_it() {
    let l = lay(3, &[(0, 1), (1, 2), (2, 0), (1, 1), (0, 9)]);
    assert_eq!(l.nodes.len(), 3);
    assert_eq!(l.edges.len(), 5);
    assert!(l.edges[3].is_empty() && l.edges[4].is_empty());
    // The reversed edge is still drawn from its own source to its target.
    let back = &l.edges[2];
    assert!(back.first().map(|p| p.y) > back.last().map(|p| p.y), "{back:?}");
    assert!(layout(&[], &[(0, 1)], Direction::Down, Spacing::default()).edges[0].is_empty());
}

#[test]
fn a_source_sits_just_above_its_first_consumer() {
    // 3 feeds only 2, which is two layers down: 3 goes to layer 1.
    let l = lay(4, &[(0, 1), (1, 2), (3, 2)]);
    assert_eq!(l.nodes[3].y, l.nodes[1].y);
}

#[test]
fn left_to_right_transposes() {
    let down = lay(3, &[(0, 1), (1, 2)]);
    let right = layout(&boxes(3), &[(0, 1), (1, 2)], Direction::Right, Spacing::default());
    for w in right.nodes.windows(2) {
        assert!(w[1].x > w[0].x);
        assert!((w[1].y - w[0].y).abs() < 1e-6);
    }
    assert!(right.width > right.height && down.height > down.width);
}

#[test]
fn crossings_are_removed_where_an_order_without_them_exists() {
    // Two chains whose second layer starts crossed: a→d, b→c.
    let edges = [(0, 3), (1, 2)];
    let l = lay(4, &edges);
    assert!((l.nodes[0].x < l.nodes[1].x) == (l.nodes[3].x < l.nodes[2].x));
}

#[test]
fn a_wide_fan_out_has_its_children_in_order_and_the_parent_centred() {
    let n = 202;
    let mut edges = Vec::new();
    for i in 1..n - 1 {
        edges.push((0, i));
        edges.push((i, n - 1));
    }
    let l = lay(n, &edges);
    for i in 2..n - 1 {
        assert!(l.nodes[i].x > l.nodes[i - 1].x);
    }
    let middle = (l.nodes[1].x + l.nodes[n - 2].x) / 2.0;
    assert!((l.nodes[0].x - middle).abs() < 1.0);
    assert!((l.nodes[n - 1].x - middle).abs() < 1.0);
}

proptest! {
    #[test]
    fn random_dags_lay_out_without_overlaps(
        n in 1usize..40,
        raw in proptest::collection::vec((0usize..40, 0usize..40), 0..80),
        widths in proptest::collection::vec(10.0f64..200.0, 40),
    ) {
        let edges: Vec<(usize, usize)> =
            raw.into_iter().filter(|(a, b)| a < b && *b < n).collect();
        let sizes: Vec<Size> =
            (0..n).map(|i| Size { width: widths[i], height: 20.0 + (i % 3) as f64 * 10.0 }).collect();
        let l = layout(&sizes, &edges, Direction::Down, Spacing::default());
        prop_assert_eq!(l.nodes.len(), n);
        assert_no_overlap(&sizes, &l);
        for (k, &(a, b)) in edges.iter().enumerate() {
            // Every edge points down, from a to b.
            prop_assert!(l.nodes[b].y > l.nodes[a].y);
            let path = &l.edges[k];
            prop_assert!(path.len() >= 2);
            prop_assert!((path[0].x - l.nodes[a].x).abs() < 1e-6);
            prop_assert!((path[path.len() - 1].x - l.nodes[b].x).abs() < 1e-6);
        }
        for (v, p) in l.nodes.iter().enumerate() {
            prop_assert!(p.x - sizes[v].width / 2.0 >= -1e-6);
            prop_assert!(p.x + sizes[v].width / 2.0 <= l.width + 1e-6);
        }
    }
}

fn node(id: &str, node_type: NodeType, phase: NodePhase, children: &[&str]) -> NodeStatus {
    NodeStatus {
        id: id.into(),
        name: format!("wf.{id}"),
        display_name: id.into(),
        node_type,
        template_name: None,
        template_ref: None,
        phase,
        boundary_id: None,
        message: String::new(),
        started_at: None,
        finished_at: None,
        progress: String::new(),
        inputs: None,
        outputs: None,
        children: children.iter().map(|c| c.to_string()).collect(),
        outbound_nodes: Vec::new(),
        host_node_name: None,
        pod_ip: None,
        daemoned: None,
        image: None,
    }
}

/// root (DAG) → fan (TaskGroup) → item-0 … item-(n-1) → join.
fn fan_out(n: usize, failed: &[usize]) -> Vec<NodeStatus> {
    let items: Vec<String> = (0..n).map(|i| format!("item-{i}")).collect();
    let refs: Vec<&str> = items.iter().map(String::as_str).collect();
    let mut nodes = vec![
        node("root", NodeType::Dag, NodePhase::Running, &["fan"]),
        node("fan", NodeType::TaskGroup, NodePhase::Running, &refs),
    ];
    for (i, id) in items.iter().enumerate() {
        let phase = if failed.contains(&i) { NodePhase::Failed } else { NodePhase::Succeeded };
        nodes.push(node(id, NodeType::Pod, phase, &["join"]));
    }
    nodes.push(node("join", NodeType::Pod, NodePhase::Pending, &[]));
    nodes
}

#[test]
fn a_run_is_drawn_from_its_children() {
    let nodes = fan_out(3, &[]);
    let d = Drawing::of_run(&nodes, &HashSet::new());
    let keys: Vec<&str> = d.nodes.iter().map(|n| n.key.as_str()).collect();
    assert_eq!(keys, ["root", "fan", "item-0", "item-1", "item-2", "join"]);
    assert_eq!(d.nodes[0].shape, Shape::Template);
    assert_eq!(d.nodes[1].shape, Shape::Group);
    assert_eq!(d.nodes[2].shape, Shape::Task);
    assert_eq!(d.edges.len(), 1 + 3 + 3);
    assert!(d.edges.contains(&(4, 5)));
}

#[test]
fn wide_fan_outs_fold_keeping_the_first_and_the_failed() {
    let nodes = fan_out(100, &[50, 70]);
    let d = Drawing::of_run(&nodes, &HashSet::new());
    let shown: Vec<&str> = d.nodes.iter().map(|n| n.key.as_str()).collect();
    assert!(shown.contains(&"item-7") && !shown.contains(&"item-8"));
    assert!(shown.contains(&"item-50") && shown.contains(&"item-70"));
    let folded = d.nodes.iter().position(|n| matches!(n.shape, Shape::Folded { .. }));
    let Some(f) = folded else { panic!("no folded box in {shown:?}") };
    assert_eq!(d.nodes[f].shape, Shape::Folded { parent: "fan".into(), count: 90 });
    assert_eq!(d.nodes[f].label, "90 hidden nodes");
    let join = shown.iter().position(|k| *k == "join").unwrap_or(usize::MAX);
    assert!(d.edges.contains(&(1, f)) && d.edges.contains(&(f, join)), "{:?}", d.edges);
    assert_eq!(d.nodes.len(), 2 + 10 + 1 + 1);

    let open: HashSet<String> = ["fan".to_string()].into();
    let all = Drawing::of_run(&nodes, &open);
    assert_eq!(all.nodes.len(), 103);
    assert!(all.nodes.iter().all(|n| !matches!(n.shape, Shape::Folded { .. })));
}

#[test]
fn a_retrys_earlier_attempts_are_grouped_behind_the_last() {
    let nodes = vec![
        node("root", NodeType::Dag, NodePhase::Running, &["build"]),
        node("build", NodeType::Retry, NodePhase::Running, &["try-0", "try-1", "try-2"]),
        node("try-0", NodeType::Pod, NodePhase::Failed, &[]),
        node("try-1", NodeType::Pod, NodePhase::Failed, &[]),
        node("try-2", NodeType::Pod, NodePhase::Running, &[]),
    ];
    let d = Drawing::of_run(&nodes, &HashSet::new());
    let keys: Vec<&str> = d.nodes.iter().map(|n| n.key.as_str()).collect();
    assert_eq!(keys, ["root", "build", "try-2", "build/folded"]);
    assert_eq!(d.nodes[3].label, "2 earlier attempts");
    assert_eq!(d.nodes[3].shape, Shape::Folded { parent: "build".into(), count: 2 });
    assert!(d.edges.contains(&(1, 2)) && d.edges.contains(&(1, 3)), "{:?}", d.edges);
    // Unfolded: every attempt; one attempt alone is never folded.
    let open: HashSet<String> = ["build".to_string()].into();
    assert_eq!(Drawing::of_run(&nodes, &open).nodes.len(), 5);
    let first = Drawing::of_run(
        &nodes[..3]
            .iter()
            .cloned()
            .map(|mut n| {
                n.children.retain(|c| c != "try-1" && c != "try-2");
                n
            })
            .collect::<Vec<_>>(),
        &HashSet::new(),
    );
    assert_eq!(first.nodes.len(), 3);
}

#[test]
fn a_phase_change_alone_keeps_the_drawing() {
    let before = fan_out(30, &[]);
    let mut after = before.clone();
    after[5].phase = NodePhase::Running;
    let none = HashSet::new();
    assert_eq!(Drawing::of_run(&before, &none), Drawing::of_run(&after, &none));
    // A failure in the folded part brings that node into view.
    after[20].phase = NodePhase::Failed;
    assert_ne!(Drawing::of_run(&before, &none), Drawing::of_run(&after, &none));
}

#[test]
fn the_exit_handler_follows_the_runs_last_nodes() {
    let mut nodes = vec![
        node("root", NodeType::Steps, NodePhase::Succeeded, &["g0"]),
        node("g0", NodeType::StepGroup, NodePhase::Succeeded, &["a"]),
        node("a", NodeType::Pod, NodePhase::Succeeded, &[]),
        node("exit", NodeType::Pod, NodePhase::Running, &[]),
    ];
    nodes[0].outbound_nodes = vec!["a".into()];
    nodes[3].name = "wf.onExit".into();
    let d = Drawing::of_run(&nodes, &HashSet::new());
    assert!(d.edges.contains(&(2, 3)), "{:?}", d.edges);
}

#[test]
fn long_labels_are_cut() {
    let s = Shown {
        key: "k".into(),
        label: "x".repeat(60),
        shape: Shape::Task,
        template: String::new(),
        kind: "pod",
        ghost: false,
    };
    assert_eq!(s.short_label().chars().count(), LABEL_CHARS);
    assert!(s.short_label().ends_with('…'));
    assert!(s.size().width < 300.0);
}

fn spec(yaml: &str) -> crate::spec::WorkflowSpec {
    let docs = match crate::yaml::load_str(yaml, crate::yaml::Limits::default()) {
        Ok(d) => d,
        Err(e) => panic!("{e:?}"),
    };
    let value = docs[0].to_json();
    match serde_json::from_value(value["spec"].clone()) {
        Ok(s) => s,
        Err(e) => panic!("{e}"),
    }
}

#[test]
fn a_dag_template_is_previewed_with_its_dependencies() {
    let s = spec(
        r#"
spec:
  entrypoint: main
  onExit: cleanup
  templates:
  - name: main
    dag:
      tasks:
      - {name: build, template: step}
      - {name: test, template: step, dependencies: [build]}
      - {name: lint, template: step, depends: "build.Succeeded"}
      - {name: ship, template: inner, depends: "test && lint", withItems: [a, b, c]}
  - name: inner
    steps: [[{name: x, template: step}]]
  - name: step
    container: {image: alpine}
  - name: cleanup
    container: {image: alpine}
"#,
    );
    let d = Drawing::of_template(&s, None);
    let Some(d) = d else { panic!("no drawing") };
    let labels: Vec<&str> = d.nodes.iter().map(|n| n.label.as_str()).collect();
    assert_eq!(labels, ["main", "build", "test", "lint", "ship ×3", "onExit: cleanup"]);
    assert_eq!(d.nodes[4].shape, Shape::Template);
    assert_eq!(d.edges, [(0, 1), (1, 2), (1, 3), (2, 4), (3, 4), (4, 5)]);
    assert!(Drawing::of_template(&s, Some("nope")).is_none());
}

#[test]
fn a_steps_template_is_previewed_group_by_group() {
    let s = spec(
        r#"
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - - {name: a, template: t}
    - - {name: b, template: t}
      - {name: c, template: t}
  - name: t
    container: {image: alpine}
"#,
    );
    let Some(d) = Drawing::of_template(&s, None) else { panic!("no drawing") };
    let labels: Vec<&str> = d.nodes.iter().map(|n| n.label.as_str()).collect();
    assert_eq!(labels, ["main", "[0]", "a", "[1]", "b", "c"]);
    assert_eq!(d.edges, [(0, 1), (1, 2), (2, 3), (3, 4), (3, 5)]);
}

/// A node of a run named `name`, running `template`.
fn named(
    id: &str,
    name: &str,
    node_type: NodeType,
    phase: NodePhase,
    template: &str,
) -> NodeStatus {
    let mut n = node(id, node_type, phase, &[]);
    n.name = name.into();
    n.template_name = Some(template.into());
    n
}

const PLANNED: &str = r#"
spec:
  entrypoint: main
  templates:
  - name: main
    dag:
      tasks:
      - {name: build, template: step}
      - {name: test, template: step, dependencies: [build]}
      - {name: lint, template: step, depends: "build.Succeeded"}
      - {name: ship, template: inner, depends: "test && lint", withItems: [a, b]}
  - name: inner
    steps:
    - - {name: x, template: step}
    - - {name: p, template: step}
      - {name: q, template: step}
  - name: step
    container: {image: alpine}
"#;

#[test]
fn a_running_dag_shows_the_tasks_that_have_not_started_as_ghosts() {
    let s = spec(PLANNED);
    let mut root = named("r", "wf", NodeType::Dag, NodePhase::Running, "main");
    root.children = vec!["b".into()];
    let build = named("b", "wf.build", NodeType::Pod, NodePhase::Running, "step");
    let d = Drawing::of_running(&[root, build], &HashSet::new(), &s.templates);
    let shown: Vec<(&str, &str, bool)> =
        d.nodes.iter().map(|n| (n.key.as_str(), n.label.as_str(), n.ghost)).collect();
    assert_eq!(
        shown,
        [
            ("r", "r", false),
            ("b", "b", false),
            ("ghost:r:test", "test", true),
            ("ghost:r:lint", "lint", true),
            ("ghost:r:ship", "ship ×2", true),
        ]
    );
    assert_eq!(d.nodes[4].shape, Shape::Template, "ship calls a steps template");
    assert_eq!(d.edges, [(0, 1), (1, 2), (1, 3), (2, 4), (3, 4)]);
}

#[test]
fn a_ghost_is_replaced_by_its_node_and_a_finished_run_has_none() {
    let s = spec(PLANNED);
    let mut root = named("r", "wf", NodeType::Dag, NodePhase::Running, "main");
    root.children = vec!["b".into()];
    let mut build = named("b", "wf.build", NodeType::Pod, NodePhase::Succeeded, "step");
    build.children = vec!["t".into()];
    let test = named("t", "wf.test", NodeType::Pod, NodePhase::Running, "step");
    let nodes = vec![root, build, test];
    let d = Drawing::of_running(&nodes, &HashSet::new(), &s.templates);
    let ghosts: Vec<&str> = d.nodes.iter().filter(|n| n.ghost).map(|n| n.key.as_str()).collect();
    assert_eq!(ghosts, ["ghost:r:lint", "ghost:r:ship"]);
    // ship waits for the real test and the ghost lint.
    let at = |k: &str| d.nodes.iter().position(|n| n.key == k);
    let (Some(t), Some(lint), Some(ship)) = (at("t"), at("ghost:r:lint"), at("ghost:r:ship"))
    else {
        panic!("{:?}", d.nodes)
    };
    assert!(d.edges.contains(&(t, ship)) && d.edges.contains(&(lint, ship)), "{:?}", d.edges);

    let mut done = nodes;
    done[0].phase = NodePhase::Failed;
    let d = Drawing::of_running(&done, &HashSet::new(), &s.templates);
    assert!(d.nodes.iter().all(|n| !n.ghost), "{:?}", d.nodes);
    assert_eq!(d, Drawing::of_run(&done, &HashSet::new()));
}

#[test]
fn a_running_steps_node_shows_its_later_groups_as_ghosts() {
    let s = spec(PLANNED);
    let mut steps = named("s", "wf.ship(0:a)", NodeType::Steps, NodePhase::Running, "inner");
    steps.children = vec!["g0".into()];
    let mut g0 = named("g0", "wf.ship(0:a)[0]", NodeType::StepGroup, NodePhase::Running, "inner");
    g0.children = vec!["x".into()];
    let x = named("x", "wf.ship(0:a)[0].x", NodeType::Pod, NodePhase::Running, "step");
    let d = Drawing::of_running(&[steps, g0, x], &HashSet::new(), &s.templates);
    let shown: Vec<(&str, &str)> =
        d.nodes.iter().map(|n| (n.key.as_str(), n.label.as_str())).collect();
    assert_eq!(
        shown,
        [
            ("s", "s"),
            ("g0", "g0"),
            ("x", "x"),
            ("ghost:s:[1]", "[1]"),
            ("ghost:s:[1].p", "p"),
            ("ghost:s:[1].q", "q"),
        ]
    );
    assert_eq!(d.nodes[3].shape, Shape::Group);
    assert_eq!(d.edges, [(0, 1), (1, 2), (2, 3), (3, 4), (3, 5)]);
}

#[test]
fn nodes_of_templates_not_in_the_spec_get_no_ghosts() {
    let root = named("r", "wf", NodeType::Dag, NodePhase::Running, "elsewhere");
    let d = Drawing::of_running(std::slice::from_ref(&root), &HashSet::new(), &[]);
    assert_eq!(d.nodes.len(), 1);
}

#[test]
fn hidden_boxes_pass_their_arrows_on() {
    // r → a → b → c, r → d: hiding a and b leaves r → c, r → d.
    let mut d = Drawing::default();
    for key in ["r", "a", "b", "c", "d"] {
        d.nodes.push(Shown {
            key: key.into(),
            label: key.into(),
            shape: Shape::Task,
            template: String::new(),
            kind: "pod",
            ghost: false,
        });
    }
    d.edges = vec![(0, 1), (1, 2), (2, 3), (0, 4)];
    let hidden: HashSet<String> = ["a", "b"].into_iter().map(String::from).collect();
    let kept = d.without(&hidden);
    let keys: Vec<&str> = kept.nodes.iter().map(|n| n.key.as_str()).collect();
    assert_eq!(keys, ["r", "c", "d"]);
    assert_eq!(kept.edges, [(0, 2), (0, 1)]);
    assert_eq!(d.without(&HashSet::new()), d);
}
