//! The overview of a large graph: the whole drawing, small, in the
//! canvas's corner, with the part the canvas shows outlined; a click or a
//! drag there brings that part of the drawing to the canvas's centre.

use leptos::prelude::*;

use super::Camera;
use super::far::FarPath;

/// From this many boxes the overview is shown.
pub const FROM: usize = 60;
/// Its width on the page (its height follows the drawing's shape).
const WIDTH: f64 = 200.0;

#[component]
pub fn MiniMap(camera: Camera, paths: Memo<Vec<FarPath>>) -> impl IntoView {
    let size = Memo::new(move |_| camera.scene.with(|s| (s.width.max(1.0), s.height.max(1.0))));
    let height = move || {
        let (w, h) = size.get();
        (WIDTH * h / w).clamp(24.0, 160.0)
    };
    let view_box = move || {
        let (w, h) = size.get();
        format!("0 0 {w:.1} {h:.1}")
    };
    let map = NodeRef::<leptos::svg::Svg>::new();
    let dragging = RwSignal::new(false);
    let go = move |x: f64, y: f64| {
        #[cfg(feature = "hydrate")]
        if let Some((left, top, width, height)) = rect_of(map) {
            let (w, h) = size.get_untracked();
            camera.centre_on((x - left) / width * w, (y - top) / height * h);
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (x, y, map);
    };
    view! {
        <svg
            node_ref=map
            class="minimap"
            aria-hidden="true"
            width=WIDTH
            height=height
            viewBox=view_box
            preserveAspectRatio="none"
            on:pointerdown=move |ev: leptos::ev::PointerEvent| {
                ev.stop_propagation();
                dragging.set(true);
                go(f64::from(ev.client_x()), f64::from(ev.client_y()));
            }
            on:pointermove=move |ev: leptos::ev::PointerEvent| {
                if dragging.get_untracked() && ev.buttons() & 1 == 1 {
                    go(f64::from(ev.client_x()), f64::from(ev.client_y()));
                }
            }
            on:pointerup=move |_| dragging.set(false)
            on:pointerleave=move |_| dragging.set(false)
        >
            <g class="far-boxes">
                {move || {
                    paths
                        .get()
                        .into_iter()
                        .map(|p| view! { <path class=p.class data-phase=p.phase d=p.d></path> })
                        .collect_view()
                }}
            </g>
            <Seen camera/>
        </svg>
    }
}

/// The outline of what the canvas shows, in drawing units.
#[component]
fn Seen(camera: Camera) -> impl IntoView {
    let seen = move || {
        let v = camera.view.get();
        let (w, h) = camera.canvas_size();
        (-v.x / v.scale, -v.y / v.scale, w / v.scale, h / v.scale)
    };
    view! {
        <rect
            class="seen"
            x=move || format!("{:.1}", seen().0)
            y=move || format!("{:.1}", seen().1)
            width=move || format!("{:.1}", seen().2)
            height=move || format!("{:.1}", seen().3)
        ></rect>
    }
}

/// The overview's place on the screen: left, top, width, height.
#[cfg(feature = "hydrate")]
fn rect_of(map: NodeRef<leptos::svg::Svg>) -> Option<(f64, f64, f64, f64)> {
    use wasm_bindgen::JsCast;
    let el = map.get_untracked()?;
    let r = el.dyn_ref::<web_sys::Element>()?.get_bounding_client_rect();
    (r.width() > 0.0 && r.height() > 0.0).then(|| (r.left(), r.top(), r.width(), r.height()))
}
