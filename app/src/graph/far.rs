//! The graph seen from far (below `FAR_BELOW`): every box drawn in one
//! path per phase rather than as its own element, which a browser paints
//! in a fraction of the time while the view pans over thousands of them.
//! The boxes themselves stay in the page, out of the drawing (`display:
//! none`; merely invisible, they still cost every frame), back once
//! zoomed in; a click finds its box by where it landed.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use leptos::prelude::*;

use super::{Placed, Scene, Source};

/// The far layer: the boxes' paths ([`paths`]) while far, and the chosen
/// box.
#[component]
pub fn FarLayer(
    scene: Memo<Scene>,
    source: Source,
    far: Memo<bool>,
    paths: Memo<Vec<FarPath>>,
) -> impl IntoView {
    let chosen = move || {
        if !far.get() {
            return None;
        }
        let key = source.selected.get()?;
        scene.with(|s| s.boxes.iter().find(|b| b.key == key).map(outline))
    };
    view! {
        <g
            class="far-boxes"
            role=move || far.get().then_some("img")
            aria-label=move || far.get().then_some("the tasks seen from far: zoom in to reach them")
        >
            {move || {
                far.get()
                    .then(|| {
                        paths
                            .get()
                            .into_iter()
                            .map(|p| {
                                view! { <path class=p.class data-phase=p.phase d=p.d></path> }
                            })
                            .collect_view()
                    })
            }}
            {move || chosen().map(|d| view! { <path class="far-chosen" d=d></path> })}
        </g>
    }
}

/// The boxes as paths, kept current (phases, the find query) while
/// `wanted` (the view is far, or the overview shows them).
pub fn paths_memo(
    scene: Memo<Scene>,
    source: Source,
    query: RwSignal<String>,
    wanted: Signal<bool>,
) -> Memo<Vec<FarPath>> {
    Memo::new(move |_| {
        if !wanted.get() {
            return Vec::new();
        }
        // Redrawn when a phase changes as well as when the drawing does.
        source.changed.track();
        let q = query.get();
        scene.with(|s| paths(s, source, &q))
    })
}

/// One path of the far layer.
#[derive(Debug, Clone, PartialEq)]
pub struct FarPath {
    pub class: &'static str,
    pub phase: String,
    pub d: String,
}

/// The boxes of `scene` as paths: one per phase (ghosts and boxes the
/// find query leaves out apart).
fn paths(scene: &Scene, source: Source, query: &str) -> Vec<FarPath> {
    let mut by: BTreeMap<(&'static str, String), String> = BTreeMap::new();
    for b in &scene.boxes {
        let phase = if b.ghost { String::new() } else { source.state.run(b.key.clone()).phase };
        let class = if b.ghost {
            "ghost"
        } else if !matches(b, &phase, query) {
            "dim"
        } else {
            "box"
        };
        let d = by.entry((class, phase)).or_default();
        let _ = write!(d, "{}", outline(b));
    }
    by.into_iter().map(|((class, phase), d)| FarPath { class, phase, d }).collect()
}

/// Whether a box is one the find query (lower case) asks for, as the
/// near view's CSS decides (label, phase, template).
fn matches(b: &Placed, phase: &str, query: &str) -> bool {
    query.is_empty()
        || [b.label.as_str(), phase, b.template.as_str()]
            .iter()
            .any(|t| t.to_lowercase().contains(query))
}

/// A box's outline as path data.
fn outline(b: &Placed) -> String {
    format!("M{:.1},{:.1}h{:.1}v{:.1}h{:.1}z", b.x - b.w / 2.0, b.y - b.h / 2.0, b.w, b.h, -b.w)
}

#[cfg_attr(not(any(feature = "hydrate", test)), allow(dead_code))]
/// The box under drawing point (`x`, `y`), within `slack` (drawing
/// units: a box a pixel wide is still hit); of several, the nearest.
pub fn box_at(scene: &Scene, x: f64, y: f64, slack: f64) -> Option<&Placed> {
    let distance = |b: &Placed| (x - b.x).hypot(y - b.y);
    scene
        .boxes
        .iter()
        .filter(|b| (x - b.x).abs() <= b.w / 2.0 + slack && (y - b.y).abs() <= b.h / 2.0 + slack)
        .min_by(|a, b| distance(a).total_cmp(&distance(b)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn placed(key: &str, x: f64, y: f64) -> Placed {
        Placed {
            key: key.into(),
            label: key.into(),
            short: key.into(),
            shape: engine::graph::Shape::Task,
            template: "work".into(),
            kind: "pod",
            ghost: false,
            x,
            y,
            w: 100.0,
            h: 40.0,
        }
    }

    #[test]
    fn a_far_click_finds_the_box_drawn_there_and_boxes_are_outlined() {
        let scene = Scene {
            boxes: vec![placed("a", 50.0, 20.0), placed("b", 250.0, 20.0)],
            ..Scene::default()
        };
        assert_eq!(box_at(&scene, 60.0, 30.0, 0.0).map(|b| b.key.as_str()), Some("a"));
        assert_eq!(box_at(&scene, 199.0, 20.0, 0.0).map(|b| b.key.as_str()), None);
        assert_eq!(box_at(&scene, 199.0, 20.0, 2.0).map(|b| b.key.as_str()), Some("b"));
        assert_eq!(
            box_at(&scene, 151.0, 20.0, 100.0).map(|b| b.key.as_str()),
            Some("b"),
            "the nearest"
        );
        assert_eq!(outline(&scene.boxes[1]), "M200.0,0.0h100.0v40.0h-100.0z");
        assert!(matches(&scene.boxes[0], "Succeeded", "succ"));
        assert!(matches(&scene.boxes[0], "", "wor"), "by template");
        assert!(!matches(&scene.boxes[0], "Running", "zzz"));
    }
}
