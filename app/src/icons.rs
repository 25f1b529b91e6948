//! The glyphs that say a phase without colour (Lucide's icons, from the
//! `icondata` crate): one per node phase, a distinct one for a suspend
//! node that waits to be resumed, and an empty dashed circle for a task
//! that has not started. The graph draws them from `<symbol>`s it defines
//! once ([`symbols`]); elsewhere [`PhaseIcon`] draws one inline.

use icondata::Icon;
use leptos::prelude::*;

/// The glyph of `phase` (a node's or a workflow's, Argo's words; empty:
/// not started), `waiting` for a suspend node that waits to be resumed.
pub fn phase_icon(phase: &str, waiting: bool) -> Icon {
    match phase {
        "Running" if waiting => icondata::LuCirclePause,
        "Running" => icondata::LuLoaderCircle,
        "Pending" => icondata::LuClock,
        "Succeeded" => icondata::LuCircleCheck,
        "Failed" => icondata::LuCircleX,
        "Error" => icondata::LuTriangleAlert,
        "Skipped" => icondata::LuCircleArrowRight,
        "Omitted" => icondata::LuCircleMinus,
        _ => icondata::LuCircleDashed,
    }
}

/// Every glyph the graph may show, by the name [`glyph_id`] gives it.
const GLYPHS: [(&str, bool); 9] = [
    ("Running", true),
    ("Running", false),
    ("Pending", false),
    ("Succeeded", false),
    ("Failed", false),
    ("Error", false),
    ("Skipped", false),
    ("Omitted", false),
    ("", false),
];

/// The ID of the `<symbol>` of `phase` in the graph `scope`.
pub fn glyph_id(scope: &str, phase: &str, waiting: bool) -> String {
    let name = match (phase, waiting) {
        ("Running", true) => "Waiting",
        ("", _) => "None",
        (p, _) if GLYPHS.iter().any(|(g, _)| *g == p) => p,
        _ => "None",
    };
    format!("glyph-{scope}-{name}")
}

/// The `<symbol>`s of every glyph, for the graph `scope`'s `<defs>`.
pub fn symbols(scope: &str) -> String {
    GLYPHS
        .iter()
        .map(|&(phase, waiting)| {
            let icon = phase_icon(phase, waiting);
            format!(
                r#"<symbol id="{id}" viewBox="{view_box}" {paint}>{data}</symbol>"#,
                id = glyph_id(scope, phase, waiting),
                view_box = icon.view_box.unwrap_or(VIEW_BOX),
                paint = paint(icon),
                data = markup(icon),
            )
        })
        .collect()
}

/// An icon's shapes, without the line breaks between them (text nodes
/// that would count in the text of what holds the icon).
fn markup(icon: Icon) -> String {
    icon.data.lines().map(str::trim).collect()
}

/// Lucide draws on a 24-unit square.
const VIEW_BOX: &str = "0 0 24 24";

/// How an icon is painted (stroke, fill) as attributes.
fn paint(icon: Icon) -> String {
    let pairs = [
        ("fill", icon.fill),
        ("stroke", icon.stroke),
        ("stroke-width", icon.stroke_width),
        ("stroke-linecap", icon.stroke_linecap),
        ("stroke-linejoin", icon.stroke_linejoin),
    ];
    pairs
        .iter()
        .filter_map(|(k, v)| v.map(|v| format!(r#"{k}="{v}""#)))
        .collect::<Vec<_>>()
        .join(" ")
}

/// `phase`'s glyph, inline (hidden from screen readers: the phase is
/// always written next to it).
#[component]
pub fn PhaseIcon(
    #[prop(into)] phase: Signal<String>,
    #[prop(default = false)] waiting: bool,
) -> impl IntoView {
    let icon = move || phase_icon(&phase.get(), waiting);
    view! {
        <svg
            class="icon"
            width="1em"
            height="1em"
            aria-hidden="true"
            focusable="false"
            inner_html=move || {
                let icon = icon();
                format!(r#"<g {}>{}</g>"#, paint(icon), markup(icon))
            }
            viewBox=move || icon().view_box.unwrap_or(VIEW_BOX)
        ></svg>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_phase_has_its_own_glyph_and_unknown_ones_the_empty_one() {
        let ids: std::collections::HashSet<String> =
            GLYPHS.iter().map(|&(p, w)| glyph_id("run", p, w)).collect();
        assert_eq!(ids.len(), GLYPHS.len());
        assert_eq!(glyph_id("run", "Running", true), "glyph-run-Waiting");
        assert_eq!(glyph_id("run", "Bogus", false), "glyph-run-None");
        assert_ne!(phase_icon("Running", true), phase_icon("Running", false));
        let defs = symbols("run");
        assert_eq!(defs.matches("<symbol ").count(), GLYPHS.len());
        assert!(defs.contains(r#"id="glyph-run-Succeeded" viewBox="0 0 24 24""#), "{defs}");
    }
}
