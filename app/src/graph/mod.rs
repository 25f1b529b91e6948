//! A graph as SVG — a run's (`workflow`) or a template's preview
//! (`templates`): boxes coloured by phase, arrows, "N hidden nodes" boxes;
//! zoom with the wheel or the buttons, pan by dragging, fit, top-down or
//! left-to-right, and a search (name, phase or template) that dims what
//! does not match.
//!
//! Thousands of boxes are drawn as one piece of SVG markup (the browser
//! parses it far faster than it takes one element at a time from the
//! WASM); after that, a phase change sets one attribute on one box, and
//! CSS does the rest (colours, selection, find); seen from far, the
//! boxes give way to one path per phase (`far`).
//! Clicks and keys are heard once for the whole graph.
//!
//! Its parts: a [`Camera`] (the laid-out scene and the pan and zoom it is
//! seen with), the toolbar (`ZoomControls`, `DirectionToggle`, `FindBox`)
//! and the canvas (`GraphCanvas`: `ArrowMarker`, `ArrowLayer`, `BoxLayer`).

mod far;
mod minimap;

use engine::graph::{Direction, Drawing, Point, Shape, Spacing, layout};
use engine::status::Time;
use leptos::prelude::*;

/// What a box shows of its node as of now.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BoxState {
    /// Argo's word (empty: no phase, as in a template's preview).
    pub phase: String,
    pub started: Option<Time>,
    pub finished: Option<Time>,
}

/// Where the graph gets its data and says what was picked.
#[derive(Clone, Copy)]
pub struct Source {
    pub drawing: Signal<Drawing>,
    /// A box's node as of now, by key.
    pub state: Callback<String, BoxState>,
    /// Boxes whose phase changed since (key, phase): set on the drawn
    /// boxes directly.
    pub changed: Signal<Vec<(String, String)>>,
    pub selected: Signal<Option<String>>,
    /// A box was clicked (or Enter was pressed on it).
    pub pick: Callback<(String, Shape)>,
}

/// A laid-out box.
#[derive(Debug, Clone, PartialEq)]
struct Placed {
    key: String,
    label: String,
    short: String,
    shape: Shape,
    template: String,
    kind: &'static str,
    /// A task that has not started (drawn faint, dashed).
    ghost: bool,
    x: f64,
    y: f64,
    w: f64,
    h: f64,
}

/// The whole drawing, laid out: boxes, arrows as SVG path data, size, and
/// how long the layout took (ms, shown to tests as `data-layout-ms`).
#[derive(Debug, Clone, PartialEq, Default)]
struct Scene {
    boxes: Vec<Placed>,
    arrows: Vec<String>,
    width: f64,
    height: f64,
    took_ms: f64,
}

fn scene(drawing: &Drawing, direction: Direction) -> Scene {
    let started = now_ms();
    let sizes = drawing.sizes();
    let spacing = Spacing { node: 20.0, layer: 44.0 };
    let l = layout(&sizes, &drawing.edges, direction, spacing);
    let boxes = drawing
        .nodes
        .iter()
        .zip(&sizes)
        .zip(&l.nodes)
        .map(|((n, s), p)| {
            // In a left-to-right drawing the layout swapped the sides.
            Placed {
                key: n.key.clone(),
                label: n.label.clone(),
                short: n.short_label(),
                shape: n.shape.clone(),
                template: n.template.clone(),
                kind: n.kind,
                ghost: n.ghost,
                x: p.x,
                y: p.y,
                w: s.width,
                h: s.height,
            }
        })
        .collect();
    let arrows = l.edges.iter().filter(|e| e.len() >= 2).map(|e| path(e, direction)).collect();
    Scene { boxes, arrows, width: l.width, height: l.height, took_ms: now_ms() - started }
}

/// A smooth path through `points`: each segment a cubic curve leaving and
/// entering along the flow.
fn path(points: &[Point], direction: Direction) -> String {
    let mut d = format!("M{:.1},{:.1}", points[0].x, points[0].y);
    for pair in points.windows(2) {
        let (a, b) = (pair[0], pair[1]);
        let (c1, c2) = match direction {
            Direction::Down => {
                let m = (a.y + b.y) / 2.0;
                ((a.x, m), (b.x, m))
            }
            Direction::Right => {
                let m = (a.x + b.x) / 2.0;
                ((m, a.y), (m, b.y))
            }
        };
        d.push_str(&format!(
            " C{:.1},{:.1} {:.1},{:.1} {:.1},{:.1}",
            c1.0, c1.1, c2.0, c2.1, b.x, b.y
        ));
    }
    d
}

fn now_ms() -> f64 {
    #[cfg(feature = "hydrate")]
    {
        web_sys::window().and_then(|w| w.performance()).map_or(0.0, |p| p.now())
    }
    #[cfg(not(feature = "hydrate"))]
    {
        0.0
    }
}

/// Pan and zoom: screen = world × scale + (x, y).
#[derive(Debug, Clone, Copy, PartialEq)]
struct View {
    x: f64,
    y: f64,
    scale: f64,
}

const MARGIN: f64 = 20.0;
/// Past this many arrows they are drawn as one path, without heads.
const ARROWHEADS_UP_TO: usize = 400;
/// Below this scale labels are unreadable: the boxes are drawn as paths
/// instead (`far`), which the page paints far faster while panning.
const FAR_BELOW: f64 = 0.35;

/// Up to this many phase changes at once, each box is looked up by its
/// key; past it, the drawn boxes are gone through once.
#[cfg(feature = "hydrate")]
const FEW_CHANGES: usize = 16;

/// Small enough to fit a 2,000-wide fan-out on a screen.
const MIN_SCALE: f64 = 0.002;
/// The most a fit enlarges a drawing.
const MAX_FIT: f64 = 1.6;

/// What the graph shows and where it is looked at from, shared by its
/// parts (all `Copy`).
#[derive(Clone, Copy)]
struct Camera {
    svg: NodeRef<leptos::svg::Svg>,
    scene: Memo<Scene>,
    view: RwSignal<View>,
    /// Once the user moves the view, new nodes no longer refit it.
    touched: RwSignal<bool>,
    /// The pointer moved the view since it went down: the click that
    /// ends a drag picks nothing.
    dragged: RwSignal<bool>,
}

impl Camera {
    /// The whole drawing in the canvas, as large as fits (never above
    /// 1:1).
    fn fit(self) {
        let Some(el) = self.svg.get_untracked() else { return };
        let (w, h) = (f64::from(el.client_width()), f64::from(el.client_height()));
        let (sw, sh) = self.scene.with_untracked(|s| (s.width, s.height));
        if w <= 0.0 || h <= 0.0 || sw <= 0.0 {
            return;
        }
        // A small drawing is enlarged to fill the view too, up to
        // `MAX_FIT` (past that, three boxes would look like a poster).
        let scale =
            ((w - 2.0 * MARGIN) / sw).min((h - 2.0 * MARGIN) / sh).clamp(MIN_SCALE, MAX_FIT);
        // Centred across; from the top, or centred if it is flat.
        let y = MARGIN.max((h - sh * scale) / 2.0 - MARGIN);
        self.view.set(View { x: (w - sw * scale) / 2.0, y, scale });
    }

    /// Zoom by `factor` around `at` (canvas pixels; its centre if `None`).
    fn zoom_by(self, factor: f64, at: Option<(f64, f64)>) {
        self.touched.set(true);
        let (cx, cy) = at.unwrap_or_else(|| {
            self.svg.get_untracked().map_or((0.0, 0.0), |el| {
                (f64::from(el.client_width()) / 2.0, f64::from(el.client_height()) / 2.0)
            })
        });
        self.view.update(|v| {
            let scale = (v.scale * factor).clamp(MIN_SCALE, 4.0);
            let f = scale / v.scale;
            v.x = cx - (cx - v.x) * f;
            v.y = cy - (cy - v.y) * f;
            v.scale = scale;
        });
    }

    /// The canvas's size on the page (nothing before it is there).
    fn canvas_size(self) -> (f64, f64) {
        self.svg
            .get_untracked()
            .map_or((0.0, 0.0), |el| (f64::from(el.client_width()), f64::from(el.client_height())))
    }

    /// Move the view so that drawing point (`x`, `y`) is at the canvas's
    /// centre.
    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    fn centre_on(self, x: f64, y: f64) {
        let (w, h) = self.canvas_size();
        self.touched.set(true);
        self.view.update(|v| {
            v.x = w / 2.0 - x * v.scale;
            v.y = h / 2.0 - y * v.scale;
        });
    }

    /// Fit again whenever the drawing changes, until the user moves the
    /// view.
    fn refit_on_change(self) {
        Effect::new(move |_| {
            self.scene.track();
            if !self.touched.get_untracked() {
                self.fit();
            }
        });
    }
}

/// `label` names the graph for screen readers; `class` sizes it; `scope`
/// tells it from other graphs on the page (letters, digits, `-`).
#[component]
pub fn Graph(
    source: Source,
    label: &'static str,
    class: &'static str,
    scope: String,
) -> impl IntoView {
    let direction = RwSignal::new(Direction::Down);
    let camera = Camera {
        svg: NodeRef::new(),
        scene: Memo::new(move |_| source.drawing.with(|d| scene(d, direction.get()))),
        view: RwSignal::new(View { x: MARGIN, y: MARGIN, scale: 1.0 }),
        touched: RwSignal::new(false),
        dragged: RwSignal::new(false),
    };
    let query = RwSignal::new(String::new());
    // Memos: the far view's attribute (and the style it selects) changes
    // only when the threshold is crossed, not on every move of a pan.
    let far = Memo::new(move |_| camera.view.get().scale < FAR_BELOW);
    let large = Memo::new(move |_| camera.scene.with(|s| s.boxes.len() >= minimap::FROM));
    let paths = far::paths_memo(
        camera.scene,
        source,
        query,
        Signal::derive(move || far.get() || large.get()),
    );
    camera.refit_on_change();
    #[cfg(feature = "hydrate")]
    pan_and_wheel(camera);
    follow_phase_changes(camera.svg, source);
    #[cfg(feature = "hydrate")]
    tick_running(camera.svg);
    view! {
        <section class=format!("graph {class}") aria-label=label>
            <GraphTools camera direction query/>
            <GraphCanvas camera source query scope far paths/>
            {move || large.get().then(|| view! { <minimap::MiniMap camera paths/> })}
        </section>
    }
    .into_any()
}

/// Phase changes go straight to the drawn boxes.
fn follow_phase_changes(svg: NodeRef<leptos::svg::Svg>, source: Source) {
    Effect::new(move |_| {
        let changes = source.changed.get();
        #[cfg(feature = "hydrate")]
        if let Some(el) = svg.get_untracked() {
            set_phases(&el, changes, source);
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (svg, changes);
    });
}

/// The toolbar above the canvas: zoom, direction, find.
#[component]
fn GraphTools(
    camera: Camera,
    direction: RwSignal<Direction>,
    query: RwSignal<String>,
) -> impl IntoView {
    view! {
        <div class="graph-tools" role="toolbar" aria-label="graph view">
            <ZoomControls camera/>
            <DirectionToggle camera direction/>
            <FindBox query/>
        </div>
    }
}

/// Zoom in, zoom out, fit the whole drawing.
#[component]
fn ZoomControls(camera: Camera) -> impl IntoView {
    view! {
        <button type="button" on:click=move |_| camera.zoom_by(1.25, None) aria-label="+ zoom in">
            "+"
        </button>
        <button type="button" on:click=move |_| camera.zoom_by(0.8, None) aria-label="− zoom out">
            "−"
        </button>
        <button
            type="button"
            on:click=move |_| {
                camera.touched.set(false);
                camera.fit();
            }
        >
            "Fit"
        </button>
    }
}

/// Top-down or left-to-right (the drawing refits after a flip).
#[component]
fn DirectionToggle(camera: Camera, direction: RwSignal<Direction>) -> impl IntoView {
    let flip = move |_| {
        camera.touched.set(false);
        direction.update(|d| {
            *d = match d {
                Direction::Down => Direction::Right,
                Direction::Right => Direction::Down,
            }
        });
    };
    view! {
        <button type="button" on:click=flip>
            {move || match direction.get() {
                Direction::Down => "Left to right",
                Direction::Right => "Top down",
            }}
        </button>
    }
}

/// The find box: boxes whose name, phase or template do not contain
/// `query` (lower case) are dimmed.
#[component]
fn FindBox(query: RwSignal<String>) -> impl IntoView {
    view! {
        <input
            type="search"
            placeholder="Find nodes (name, phase, template)"
            aria-label="find nodes"
            on:input=move |ev| query.set(event_target_value(&ev).to_lowercase())
        />
    }
}

/// The SVG canvas: the state-dependent styles, the arrowhead, and the
/// arrows and boxes, panned and zoomed; clicks and Enter on a box pick it.
#[component]
fn GraphCanvas(
    camera: Camera,
    source: Source,
    query: RwSignal<String>,
    scope: String,
    far: Memo<bool>,
    paths: Memo<Vec<far::FarPath>>,
) -> impl IntoView {
    let Camera { svg, scene, view, .. } = camera;
    // `scope` names this graph on the page (the same on the server and in
    // the browser): it scopes its CSS and its arrowhead.
    let graph_id = scope.clone();
    let arrow_id = format!("arrow-{scope}");
    let arrow_ref = format!("url(#{arrow_id})");
    let transform = move || {
        let v = view.get();
        format!("translate({:.2},{:.2}) scale({:.8})", v.x, v.y, v.scale)
    };
    view! {
        <svg
            node_ref=svg
            class="graph-canvas"
            data-graph=graph_id.clone()
            data-far=move || far.get().to_string()
            on:click=move |ev: leptos::ev::MouseEvent| {
                if !camera.dragged.get_untracked() && !pick_from(ev.target(), scene, source)
                    && far.get_untracked()
                {
                    pick_far(&ev, camera, source);
                }
            }
            on:keydown=move |ev: leptos::ev::KeyboardEvent| {
                if ev.key() == "Enter" || ev.key() == " " {
                    ev.prevent_default();
                    pick_from(ev.target(), scene, source);
                }
            }
            data-nodes=move || scene.with(|s| s.boxes.len())
            data-layout-ms=move || scene.with(|s| format!("{:.1}", s.took_ms))
            data-scale=move || format!("{:.8}", view.get().scale)
            data-pan=move || {
                let v = view.get();
                format!("{:.2},{:.2}", v.x, v.y)
            }
        >
            <style>
                {
                    let graph_id = graph_id.clone();
                    move || dynamic_css(&graph_id, source.selected.get().as_deref(), &query.get())
                }
            </style>
            <ArrowMarker id=arrow_id/>
            <defs inner_html=crate::icons::symbols(&graph_id)></defs>
            <g transform=transform>
                <ArrowLayer scene arrow_ref/>
                <BoxLayer scene source scope=graph_id.clone()/>
                <far::FarLayer scene source far paths/>
            </g>
        </svg>
    }
}

/// The arrowhead the arrows end with, `id` on this page.
#[component]
fn ArrowMarker(id: String) -> impl IntoView {
    view! {
        <defs>
            <marker
                id=id
                viewBox="0 0 10 10"
                refX="9"
                refY="5"
                markerWidth="7"
                markerHeight="7"
                orient="auto-start-reverse"
            >
                <path d="M0,0 L10,5 L0,10 z"></path>
            </marker>
        </defs>
    }
}

/// The arrows: each a path with its head (`arrow_ref`), or past
/// [`ARROWHEADS_UP_TO`] one path for all.
#[component]
fn ArrowLayer(scene: Memo<Scene>, arrow_ref: String) -> impl IntoView {
    view! {
        <g class="arrows">
            {move || {
                scene
                    .with(|s| {
                        if s.arrows.len() > ARROWHEADS_UP_TO {
                            // One path for all: thousands of elements
                            // cost more than the arrowheads are worth
                            // (the layers say which way they go).
                            let all = s.arrows.join(" ");
                            view! { <path d=all></path> }.into_any()
                        } else {
                            s.arrows
                                .iter()
                                .map(|d| view! { <path d=d.clone() marker-end=arrow_ref.clone()></path> })
                                .collect_view()
                                .into_any()
                        }
                    })
            }}
        </g>
    }
}

/// The boxes, as one piece of markup ([`boxes_html`]).
#[component]
fn BoxLayer(scene: Memo<Scene>, source: Source, scope: String) -> impl IntoView {
    view! {
        <g class="boxes" inner_html=move || scene.with(|s| boxes_html(s, source, &scope))></g>
    }
}

/// Set each changed box's `data-phase` (CSS colours it), its glyph and
/// its times.
#[cfg(feature = "hydrate")]
fn set_phases(el: &web_sys::Element, changes: Vec<(String, String)>, source: Source) {
    use wasm_bindgen::JsCast;
    let scope = el.get_attribute("data-graph").unwrap_or_default();
    let set = |node: &web_sys::Element, key: String| {
        let state = source.state.run(key);
        let _ = node.set_attribute("data-phase", &state.phase);
        let waiting = node.get_attribute("data-kind").as_deref() == Some("suspend");
        if let Ok(Some(glyph)) = node.query_selector("use.glyph") {
            let id = crate::icons::glyph_id(&scope, &state.phase, waiting);
            let _ = glyph.set_attribute("href", &format!("#{id}"));
        }
        if let Some(started) = state.started {
            let _ = node.set_attribute("data-started", &started.0.to_string());
        }
        if let Ok(Some(time)) = node.query_selector("text.time") {
            time.set_text_content(Some(&box_time(&state)));
        }
    };
    if changes.len() <= FEW_CHANGES {
        for (key, _) in changes {
            let selector = format!("g.node[data-key=\"{}\"]", key.replace('"', "\\\""));
            if let Ok(Some(node)) = el.query_selector(&selector) {
                set(&node, key);
            }
        }
        return;
    }
    // Many at once: one pass over the drawn boxes rather than a search of
    // them all for each change.
    let wanted: std::collections::HashSet<String> = changes.into_iter().map(|(k, _)| k).collect();
    let Ok(drawn) = el.query_selector_all("g.node") else { return };
    for i in 0..drawn.length() {
        let Some(node) = drawn.item(i).and_then(|n| n.dyn_into::<web_sys::Element>().ok()) else {
            continue;
        };
        if let Some(key) = node.get_attribute("data-key").filter(|k| wanted.contains(k)) {
            set(&node, key);
        }
    }
}

/// Every second, the running boxes' elapsed times move on.
#[cfg(feature = "hydrate")]
fn tick_running(svg: NodeRef<leptos::svg::Svg>) {
    use wasm_bindgen::JsCast;
    let tick = move || {
        let Some(el) = svg.get_untracked() else { return };
        let Ok(running) = el.query_selector_all(r#"g.node[data-phase="Running"][data-started]"#)
        else {
            return;
        };
        let now = crate::time::now();
        for i in 0..running.length() {
            let Some(node) = running.item(i).and_then(|n| n.dyn_into::<web_sys::Element>().ok())
            else {
                continue;
            };
            let started = node.get_attribute("data-started").and_then(|s| s.parse::<i64>().ok());
            if let (Some(started), Ok(Some(time))) = (started, node.query_selector("text.time")) {
                time.set_text_content(Some(&crate::time::short_span(now - started)));
            }
        }
    };
    if let Ok(handle) = set_interval_with_handle(tick, std::time::Duration::from_secs(1)) {
        on_cleanup(move || handle.clear());
    }
}

/// A box's time: how long its node ran, or has been running.
fn box_time(state: &BoxState) -> String {
    let Some(started) = state.started else { return String::new() };
    let end = state.finished.map_or_else(crate::time::now, |t| t.0);
    crate::time::short_span(end - started.0)
}

/// The markup of every box, with each one's phase, glyph and time as of
/// now.
fn boxes_html(scene: &Scene, source: Source, scope: &str) -> String {
    let mut out = String::with_capacity(scene.boxes.len() * 420);
    for b in &scene.boxes {
        let state = source.state.run(b.key.clone());
        let glyph = |x: f64, y: f64| {
            let id = crate::icons::glyph_id(scope, &state.phase, b.kind == "suspend");
            format!(
                concat!(
                    r##"<use class="glyph" href="#{id}" x="{x:.1}" y="{y:.1}" width="14" height="14" "##,
                    // A running glyph turns about its own centre.
                    r##"style="transform-origin:{cx:.1}px {cy:.1}px"></use>"##
                ),
                id = id,
                x = x,
                y = y,
                cx = x + 7.0,
                cy = y + 7.0,
            )
        };
        let (class, body) = match &b.shape {
            Shape::Group => (
                "group",
                format!(r#"<circle cx="{0:.1}" cy="{0:.1}" r="{0:.1}"></circle>"#, b.w / 2.0),
            ),
            Shape::Folded { .. } => (
                "folded",
                format!(
                    concat!(
                        r#"<rect width="{w:.1}" height="{h:.1}" rx="{r:.1}"></rect>"#,
                        r#"<circle class="dot" cx="{r:.1}" cy="{r:.1}" r="5"></circle>"#,
                        r#"<text class="label" x="{tx:.1}" y="{ty:.1}">{text}</text>"#
                    ),
                    w = b.w,
                    h = b.h,
                    r = b.h / 2.0,
                    tx = b.h / 2.0 + 10.0,
                    ty = b.h / 2.0 + 4.0,
                    text = escape(&b.short),
                ),
            ),
            // A template box: glyph, label and its kind on one line.
            Shape::Template => (
                "template",
                format!(
                    concat!(
                        r#"<rect width="{w:.1}" height="{h:.1}" rx="{r:.1}"></rect>{glyph}"#,
                        r#"<text class="label" x="24" y="{ty:.1}">{text}"#,
                        r#"<tspan class="kind" dx="6">{kind}</tspan></text>"#
                    ),
                    w = b.w,
                    h = b.h,
                    r = b.h / 2.0,
                    glyph = glyph(6.0, b.h / 2.0 - 7.0),
                    ty = b.h / 2.0 + 4.0,
                    text = escape(&b.short),
                    kind = b.kind,
                ),
            ),
            // A task: glyph, label, and under it its kind and time.
            Shape::Task => (
                "task",
                format!(
                    concat!(
                        r#"<rect width="{w:.1}" height="{h:.1}" rx="{r:.1}"></rect>{glyph}"#,
                        r#"<text class="label" x="28" y="{ty:.1}">{text}</text>"#,
                        r#"<text class="kind" x="28" y="29">{kind}</text>"#,
                        r#"<text class="time" x="{tx:.1}" y="29">{time}</text>"#
                    ),
                    w = b.w,
                    h = b.h,
                    r = 8.0,
                    glyph = glyph(8.0, b.h / 2.0 - 7.0),
                    text = escape(&b.short),
                    // Alone in the box (a preview's task) the label is
                    // centred; above its kind and time otherwise.
                    ty = if b.kind.is_empty() { b.h / 2.0 + 4.0 } else { 15.0 },
                    kind = b.kind,
                    tx = b.w - 10.0,
                    time = box_time(&state),
                ),
            ),
        };
        let label = escape(&b.label);
        let said = match (b.kind, b.ghost) {
            (_, true) => format!("{label} (not started yet)"),
            ("", false) => label.clone(),
            (kind, false) => format!("{label} ({kind})"),
        };
        let started =
            state.started.map(|t| format!(r#" data-started="{}""#, t.0)).unwrap_or_default();
        out.push_str(&format!(
            concat!(
                r#"<g class="node {class}{ghost}" transform="translate({x:.1},{y:.1})" data-key="{key}" "#,
                r#"data-label="{label}" data-phase="{phase}" data-template="{template}" "#,
                // Named by its title (what it is, in words), not by an
                // `aria-label` that would differ from the text it shows.
                r#"data-kind="{kind}"{started} tabindex="0" role="button">"#,
                r#"<title>{said}</title>{body}</g>"#
            ),
            class = class,
            ghost = if b.ghost { " ghost" } else { "" },
            x = b.x - b.w / 2.0,
            y = b.y - b.h / 2.0,
            key = escape(&b.key),
            label = label,
            said = said,
            phase = escape(&state.phase),
            template = escape(&b.template),
            kind = b.kind,
            started = started,
            body = body,
        ));
    }
    out
}

/// Text safe in markup, as content or as a quoted attribute.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The box an event happened in, if any, told to the source (a click on
/// the background, or the end of a drag, is no pick).
fn pick_from(
    target: Option<leptos::web_sys::EventTarget>,
    scene: Memo<Scene>,
    source: Source,
) -> bool {
    use leptos::wasm_bindgen::JsCast;
    let element = target.and_then(|t| t.dyn_into::<leptos::web_sys::Element>().ok());
    let Some(node) = element.and_then(|e| e.closest("g.node").ok().flatten()) else {
        return false;
    };
    let Some(key) = node.get_attribute("data-key") else { return false };
    let shape =
        scene.with_untracked(|s| s.boxes.iter().find(|b| b.key == key).map(|b| b.shape.clone()));
    if let Some(shape) = shape {
        source.pick.run((key, shape));
    }
    true
}

/// A click on the far view: the box drawn where it landed (the boxes
/// themselves are hidden there), within a few pixels.
#[cfg(feature = "hydrate")]
fn pick_far(ev: &leptos::ev::MouseEvent, camera: Camera, source: Source) {
    use wasm_bindgen::JsCast;
    let Some(el) = camera.svg.get_untracked() else { return };
    let Some(el) = el.dyn_ref::<web_sys::Element>() else { return };
    let r = el.get_bounding_client_rect();
    let v = camera.view.get_untracked();
    let x = (f64::from(ev.client_x()) - r.left() - v.x) / v.scale;
    let y = (f64::from(ev.client_y()) - r.top() - v.y) / v.scale;
    let hit = camera.scene.with_untracked(|s| {
        far::box_at(s, x, y, 3.0 / v.scale).map(|b| (b.key.clone(), b.shape.clone()))
    });
    if let Some(hit) = hit {
        source.pick.run(hit);
    }
}

/// (Clicks are the browser's.)
#[cfg(not(feature = "hydrate"))]
fn pick_far(_ev: &leptos::ev::MouseEvent, _camera: Camera, _source: Source) {}

/// The rules that depend on the graph's state: the chosen box, the find
/// query (boxes not matching it dimmed). Scoped to this graph
/// (`svg[data-graph=N]`).
fn dynamic_css(graph: &str, selected: Option<&str>, query: &str) -> String {
    let quote = |t: &str| {
        t.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\a ").replace('\r', "")
    };
    let scope = format!("svg[data-graph=\"{graph}\"]");
    let mut css = String::new();
    if let Some(key) = selected {
        css.push_str(&format!(
            "{scope} g.node[data-key=\"{}\"] rect {{ stroke-width: 4; }}\n",
            quote(key)
        ));
    }
    if !query.is_empty() {
        let q = quote(query);
        css.push_str(&format!(
            "{scope} g.node:not([data-label*=\"{q}\" i]):not([data-phase*=\"{q}\" i])\
             :not([data-template*=\"{q}\" i]) {{ opacity: 0.2; }}\n"
        ));
    }
    css
}

/// Dragging pans (after a few pixels, so a click still selects a box);
/// the wheel zooms around the pointer. The wheel listener is registered
/// by hand as non-passive so it can stop the page from scrolling.
#[cfg(feature = "hydrate")]
fn pan_and_wheel(camera: Camera) {
    use wasm_bindgen::JsCast;
    use wasm_bindgen::closure::Closure;

    let Camera { svg, view, touched, dragged, .. } = camera;

    // The listeners live as long as the graph: removed (and their
    // closures freed) when it goes away.
    let held: std::rc::Rc<std::cell::RefCell<Option<Listeners>>> = Default::default();
    let cleanup = send_wrapper::SendWrapper::new(held.clone());
    on_cleanup(move || drop(cleanup.take()));
    Effect::new(move |done: Option<bool>| {
        if done == Some(true) {
            return true;
        }
        let Some(el) = svg.get() else { return false };
        let target: &web_sys::Element = el.as_ref();
        let origin = |el: &web_sys::Element| {
            let r = el.get_bounding_client_rect();
            (r.left(), r.top())
        };
        let wheel_el = target.clone();
        let wheel = Closure::<dyn Fn(web_sys::WheelEvent)>::new(move |ev: web_sys::WheelEvent| {
            ev.prevent_default();
            let (left, top) = origin(&wheel_el);
            let (x, y) = client(&ev);
            let at = (x - left, y - top);
            camera.zoom_by((-ev.delta_y() * 0.0015).exp(), Some(at));
        });
        let options = web_sys::AddEventListenerOptions::new();
        options.set_passive(false);
        let _ = target.add_event_listener_with_callback_and_add_event_listener_options(
            "wheel",
            wheel.as_ref().unchecked_ref(),
            &options,
        );

        // (start pointer x, y, start view, dragging)
        let drag = std::rc::Rc::new(std::cell::Cell::new(None::<(f64, f64, View, bool)>));
        let (d1, d2, d3) = (drag.clone(), drag.clone(), drag);
        let down =
            Closure::<dyn Fn(web_sys::PointerEvent)>::new(move |ev: web_sys::PointerEvent| {
                if ev.button() == 0 {
                    let start = client(&ev);
                    dragged.set(false);
                    d1.set(Some((start.0, start.1, view.get_untracked(), false)));
                }
            });
        let capture_el = target.clone();
        let moved =
            Closure::<dyn Fn(web_sys::PointerEvent)>::new(move |ev: web_sys::PointerEvent| {
                let Some((sx, sy, v, dragging)) = d2.get() else { return };
                let (x, y) = client(&ev);
                let (dx, dy) = (x - sx, y - sy);
                if !dragging && dx.abs() + dy.abs() < 4.0 {
                    return;
                }
                if !dragging {
                    let _ = capture_el.set_pointer_capture(ev.pointer_id());
                    d2.set(Some((sx, sy, v, true)));
                    dragged.set(true);
                }
                touched.set(true);
                view.set(View { x: v.x + dx, y: v.y + dy, ..v });
            });
        let up = Closure::<dyn Fn(web_sys::PointerEvent)>::new(move |_| d3.set(None));
        let up = std::rc::Rc::new(up);
        let pointer = vec![
            ("pointerdown", std::rc::Rc::new(down)),
            ("pointermove", std::rc::Rc::new(moved)),
            ("pointerup", up.clone()),
            ("pointercancel", up),
        ];
        for (name, f) in &pointer {
            let _ = target.add_event_listener_with_callback(name, (**f).as_ref().unchecked_ref());
        }
        *held.borrow_mut() = Some(Listeners { target: target.clone(), wheel, pointer });
        true
    });
}

/// The graph's own listeners on its SVG element.
#[cfg(feature = "hydrate")]
struct Listeners {
    target: web_sys::Element,
    wheel: wasm_bindgen::closure::Closure<dyn Fn(web_sys::WheelEvent)>,
    pointer: Vec<(&'static str, PointerListener)>,
}

#[cfg(feature = "hydrate")]
type PointerListener = std::rc::Rc<wasm_bindgen::closure::Closure<dyn Fn(web_sys::PointerEvent)>>;

#[cfg(feature = "hydrate")]
impl Drop for Listeners {
    fn drop(&mut self) {
        use wasm_bindgen::JsCast;
        let _ = self
            .target
            .remove_event_listener_with_callback("wheel", self.wheel.as_ref().unchecked_ref());
        for (name, f) in &self.pointer {
            let _ = self
                .target
                .remove_event_listener_with_callback(name, (**f).as_ref().unchecked_ref());
        }
    }
}

/// The pointer's position with its fraction: web-sys reads `clientX` as
/// an integer, which at a small scale is many pixels of the drawing.
#[cfg(feature = "hydrate")]
fn client(ev: &web_sys::MouseEvent) -> (f64, f64) {
    let read = |name: &str| {
        js_sys::Reflect::get(ev, &wasm_bindgen::JsValue::from_str(name))
            .ok()
            .and_then(|v| v.as_f64())
            .unwrap_or(0.0)
    };
    (read("clientX"), read("clientY"))
}
