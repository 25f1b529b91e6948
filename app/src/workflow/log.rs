//! A pod's log as it is written — or all the run's pods' logs merged by
//! time, each line marked with its task. Lines arriving from the websocket are
//! gathered and put on the page at most every [`FLUSH_MS`] as one block,
//! so thousands of lines a second cost a few DOM insertions; only the last
//! [`KEEP_LINES`] stay on the page ("Show earlier lines" puts older ones
//! back, the download has them all). A filter
//! shows matching lines only, the matches marked; ANSI colours become
//! classes.

use std::sync::Arc;

use leptos::prelude::*;

use super::Run;

/// Lines kept on the page; older blocks are dropped as new ones arrive.
pub const KEEP_LINES: usize = 5_000;
/// How often arrived lines are put on the page.
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
pub const FLUSH_MS: u64 = 100;

/// A line of the log and when it was written.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    pub at: Option<engine::status::Time>,
    /// The task that wrote it, in the merged log of all tasks.
    pub task: Option<Arc<str>>,
    pub text: String,
}

/// A batch of lines put on the page at once.
#[derive(Debug, Clone, PartialEq)]
struct Block {
    id: u64,
    lines: Arc<Vec<Line>>,
}

/// What the log view knows, shared by its parts (all `Copy`).
#[derive(Clone, Copy)]
struct LogState {
    blocks: RwSignal<Vec<Block>>,
    /// Every line received, for the download.
    all: StoredValue<Vec<Line>, LocalStorage>,
    /// Lines not on the page, all before those that are: `all[..dropped]`.
    dropped: RwSignal<usize>,
    /// How many lines the page keeps; raised by "Show earlier lines".
    cap: RwSignal<usize>,
    total: RwSignal<usize>,
    filter: RwSignal<String>,
    error: RwSignal<Option<String>>,
    ended: RwSignal<bool>,
    /// Kept at the newest line as lines arrive; off once the reader
    /// scrolls up, on again at the bottom or with "Jump to the end".
    following: RwSignal<bool>,
    /// Long lines wrapped (else scrolled sideways).
    wrap: RwSignal<bool>,
    /// Each line's time shown in front of it (the viewer's time zone).
    times: RwSignal<bool>,
    /// A line that is a JSON object shown as its fields (`key=value`).
    fields: RwSignal<bool>,
    /// The ID of the next block of earlier lines put back (counting down
    /// from the top, below the IDs of arriving blocks).
    earlier_id: StoredValue<u64>,
}

impl LogState {
    fn new() -> LogState {
        LogState {
            blocks: RwSignal::new(Vec::new()),
            all: StoredValue::new_local(Vec::new()),
            dropped: RwSignal::new(0),
            cap: RwSignal::new(KEEP_LINES),
            total: RwSignal::new(0),
            filter: RwSignal::new(String::new()),
            error: RwSignal::new(None),
            ended: RwSignal::new(false),
            following: RwSignal::new(true),
            wrap: RwSignal::new(true),
            times: RwSignal::new(false),
            fields: RwSignal::new(false),
            earlier_id: StoredValue::new(u64::MAX),
        }
    }

    /// Put `lines` on the page as block `id`, dropping the oldest blocks
    /// past the cap.
    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    fn append(self, id: u64, lines: Vec<Line>) {
        self.all.update_value(|a| a.extend(lines.iter().cloned()));
        self.total.update(|t| *t += lines.len());
        self.blocks.update(|b| {
            b.push(Block { id, lines: Arc::new(lines) });
            let mut kept: usize = b.iter().map(|x| x.lines.len()).sum();
            while kept > self.cap.get_untracked() && b.len() > 1 {
                let old = b.remove(0);
                kept -= old.lines.len();
                self.dropped.update(|d| *d += old.lines.len());
            }
        });
    }

    /// Put back (up to) KEEP_LINES of the lines dropped from the page, in
    /// front of those there; the page then keeps that many more.
    fn show_earlier(self) {
        let before = self.dropped.get_untracked();
        let n = before.min(KEEP_LINES);
        if n == 0 {
            return;
        }
        let lines: Vec<Line> =
            self.all.with_value(|a| a.get(before - n..before).unwrap_or(&[]).to_vec());
        let id = self.earlier_id.get_value();
        self.earlier_id.set_value(id - 1);
        self.dropped.set(before - n);
        self.cap.update(|c| *c += n);
        self.blocks.update(|b| b.insert(0, Block { id, lines: Arc::new(lines) }));
    }
}

/// `pod`'s log, or (`None`) every pod's, merged by time.
#[component]
pub fn LogView(run: Run, pod: Option<String>) -> impl IntoView {
    let log = LogState::new();
    #[cfg(feature = "hydrate")]
    follow(log, run, pod);
    #[cfg(not(feature = "hydrate"))]
    let _ = (run, pod);
    view! {
        <section class="log" aria-label="log">
            <LogToolbar log/>
            {crate::load::alert(log.error)}
            <EarlierLines log/>
            <LogLines log/>
        </section>
    }
    .into_any()
}

/// Follow the pod's log: lines gathered as they arrive and put on the
/// page every [`FLUSH_MS`]. Dropped (its socket closed) when the view
/// goes away: no line arrives for a view that is gone.
#[cfg(feature = "hydrate")]
fn follow(log: LogState, run: Run, pod: Option<String>) {
    use std::cell::{Cell, RefCell};
    use std::rc::Rc;
    let (namespace, workflow) = (run.namespace.get_value(), run.name.get_value());
    let merged = pod.is_none();
    // Each pod's task name, looked up again when a pod is new.
    let mut tasks: std::collections::HashMap<String, Arc<str>> = Default::default();
    let mut task_of = move |pod: &str| -> Option<Arc<str>> {
        if !tasks.contains_key(pod) {
            tasks = run.task_names_by_pod();
        }
        tasks.get(pod).cloned()
    };
    let pending: Rc<RefCell<Vec<Line>>> = Rc::new(RefCell::new(Vec::new()));
    let next_id = Rc::new(Cell::new(0u64));
    let flush = {
        let pending = pending.clone();
        Rc::new(move || {
            let lines: Vec<Line> = std::mem::take(&mut *pending.borrow_mut());
            if lines.is_empty() {
                return;
            }
            let id = next_id.get();
            next_id.set(id + 1);
            log.append(id, lines);
        })
    };
    let scheduled = Rc::new(Cell::new(false));
    let receive = {
        let flush = flush.clone();
        move |at, from: Option<String>, text| {
            let task = if merged {
                from.and_then(|p| task_of(&p).or_else(|| Some(p.into())))
            } else {
                None
            };
            pending.borrow_mut().push(Line { at, task, text });
            if !scheduled.replace(true) {
                let (flush, scheduled) = (flush.clone(), scheduled.clone());
                set_timeout(
                    move || {
                        scheduled.set(false);
                        flush();
                    },
                    std::time::Duration::from_millis(FLUSH_MS),
                );
            }
        }
    };
    crate::load::spawn_while_shown(async move {
        let done =
            crate::api::follow_log(&namespace, &workflow, pod.as_deref(), true, receive).await;
        flush();
        if let Err(e) = done {
            log.error.set(Some(e));
        }
        log.ended.set(true);
    });
}

/// The log's heading, filter, download link and line count.
#[component]
fn LogToolbar(log: LogState) -> impl IntoView {
    view! {
        <div class="log-tools">
            <h3>"Log"</h3>
            <LogFilter filter=log.filter/>
            <Matches log/>
            <Toggle on=log.wrap label="Wrap lines" title="long lines wrapped, else scrolled sideways"/>
            <Toggle on=log.times label="Timestamps" title="when each line was written, in your time zone"/>
            <Toggle on=log.fields label="JSON as fields" title="lines that are JSON objects shown as key=value"/>
            <DownloadLink all=log.all/>
            <LineCount total=log.total ended=log.ended/>
        </div>
    }
}

/// A checkbox for one of the log's view settings.
#[component]
fn Toggle(on: RwSignal<bool>, label: &'static str, title: &'static str) -> impl IntoView {
    view! {
        <label class="inline" title=title>
            <input
                type="checkbox"
                prop:checked=move || on.get()
                on:change=move |ev| on.set(event_target_checked(&ev))
            />
            {label}
        </label>
    }
}

/// The filter: only lines containing it are shown.
#[component]
fn LogFilter(filter: RwSignal<String>) -> impl IntoView {
    view! {
        <input
            type="search"
            placeholder="Filter lines"
            aria-label="filter log lines"
            on:input=move |ev| filter.set(event_target_value(&ev))
        />
    }
}

/// How many lines match the filter (of all received, shown or not), and
/// Previous / Next to step through the matches on the page.
#[component]
fn Matches(log: LogState) -> impl IntoView {
    let count = move || {
        let f = log.filter.get();
        log.total.track();
        (!f.is_empty())
            .then(|| log.all.with_value(|a| a.iter().filter(|l| l.text.contains(&f)).count()))
    };
    // The current match is the mark with `data-current` (none at first).
    let step = move |forward: bool| {
        #[cfg(feature = "hydrate")]
        {
            use wasm_bindgen::JsCast;
            let Some(doc) = web_sys::window().and_then(|w| w.document()) else { return };
            let Ok(marks) = doc.query_selector_all(".log-lines mark") else { return };
            let marks: Vec<web_sys::Element> = (0..marks.length())
                .filter_map(|i| marks.item(i)?.dyn_into::<web_sys::Element>().ok())
                .collect();
            let n = marks.len();
            if n == 0 {
                return;
            }
            let was = marks.iter().position(|m| m.has_attribute("data-current"));
            let next = match (was, forward) {
                (None, true) => 0,
                (None, false) => n - 1,
                (Some(i), true) => (i + 1) % n,
                (Some(i), false) => (i + n - 1) % n,
            };
            if let Some(i) = was {
                let _ = marks[i].remove_attribute("data-current");
            }
            let _ = marks[next].set_attribute("data-current", "true");
            marks[next].scroll_into_view();
            log.following.set(false);
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = forward;
    };
    move || {
        count().map(|n| {
            view! {
                <span class="hint" data-matches=n>{format!("{n} matching lines")}</span>
                <button type="button" on:click=move |_| step(false)>"Previous"</button>
                <button type="button" on:click=move |_| step(true)>"Next"</button>
            }
        })
    }
}

/// "Download": every line received, made into the link's target when
/// it is clicked.
#[component]
fn DownloadLink(all: StoredValue<Vec<Line>, LocalStorage>) -> impl IntoView {
    let download = NodeRef::<leptos::html::A>::new();
    let on_download = move |_| {
        #[cfg(feature = "hydrate")]
        if let Some(a) = download.get_untracked() {
            let text = all.with_value(|lines| {
                lines
                    .iter()
                    .map(|l| match &l.task {
                        Some(task) => format!("{task} | {}", l.text),
                        None => l.text.clone(),
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            });
            let encoded = js_sys::encode_uri_component(&text);
            a.set_href(&format!("data:text/plain;charset=utf-8,{encoded}"));
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = all;
    };
    view! {
        <a node_ref=download href="#" download="log.txt" on:click=on_download>
            "Download"
        </a>
    }
}

/// How many lines have arrived, and whether the log has ended.
#[component]
fn LineCount(total: RwSignal<usize>, ended: RwSignal<bool>) -> impl IntoView {
    view! {
        <span class="hint" data-lines=move || total.get()>
            {move || format!("{} lines", total.get())}
            {move || if ended.get() { " (ended)" } else { "" }}
        </span>
    }
}

/// How many earlier lines are not on the page, and the button that puts
/// some back (nothing while all are there).
#[component]
fn EarlierLines(log: LogState) -> impl IntoView {
    let dropped = log.dropped;
    move || {
        (dropped.get() > 0).then(|| {
            view! {
                <p class="hint">
                    {format!("{} earlier lines not shown (Download has them all). ", dropped.get())}
                    <button type="button" class="earlier" on:click=move |_| log.show_earlier()>
                        {format!("Show {} earlier lines", dropped.get().min(KEEP_LINES))}
                    </button>
                </p>
            }
        })
    }
}

/// The lines on the page, block by block, the filter applied; kept at
/// the end while following.
#[component]
fn LogLines(log: LogState) -> impl IntoView {
    let (blocks, filter, following) = (log.blocks, log.filter, log.following);
    let pre = NodeRef::<leptos::html::Pre>::new();
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        blocks.track();
        if following.get()
            && let Some(p) = pre.get()
        {
            // After this change is on the page.
            request_animation_frame(move || p.set_scroll_top(p.scroll_height()));
        }
    });
    let on_scroll = move |_| {
        #[cfg(feature = "hydrate")]
        if let Some(p) = pre.get_untracked() {
            let at_end = p.scroll_top() + p.client_height() >= p.scroll_height() - 4;
            if following.get_untracked() != at_end {
                following.set(at_end);
            }
        }
    };
    let class = move || if log.wrap.get() { "log-lines" } else { "log-lines nowrap" };
    view! {
        <pre class=class aria-live="off" node_ref=pre on:scroll=on_scroll>
            <For
                each=move || blocks.get()
                key=|b| b.id
                children=move |b| {
                    view! { <LogBlock lines=b.lines filter times=log.times fields=log.fields/> }
                }
            />
        </pre>
        <Show when=move || !following.get()>
            <button type="button" class="jump" on:click=move |_| following.set(true)>
                "Jump to the end"
            </button>
        </Show>
    }
}

/// A block of lines, the filter applied: plain lines as one text (a
/// thousand lines are one DOM node, not a thousand), lines with ANSI
/// colours as spans between them.
#[component]
fn LogBlock(
    lines: Arc<Vec<Line>>,
    filter: RwSignal<String>,
    times: RwSignal<bool>,
    fields: RwSignal<bool>,
) -> impl IntoView {
    move || {
        let f = filter.get();
        let times = times.get();
        let fields = fields.get();
        let mut parts: Vec<AnyView> = Vec::new();
        let mut plain = String::new();
        let mut shown = 0usize;
        for line in lines.iter().filter(|l| f.is_empty() || l.text.contains(&f)) {
            shown += 1;
            if times {
                plain.push_str(&line.at.map_or_else(|| " ".repeat(8), crate::time::clock));
                plain.push(' ');
            }
            if let Some(task) = &line.task {
                plain.push_str(task);
                plain.push_str(" | ");
            }
            let as_fields = if fields { json_fields(&line.text) } else { None };
            let l = as_fields.as_ref().unwrap_or(&line.text);
            if !l.contains('\u{1b}') && f.is_empty() {
                plain.push_str(l);
                plain.push('\n');
                continue;
            }
            if !l.contains('\u{1b}') {
                // A match of the filter: marked where it occurs.
                let mut rest = l.as_str();
                while let Some(at) = rest.find(&f) {
                    plain.push_str(&rest[..at]);
                    parts.push(std::mem::take(&mut plain).into_any());
                    parts.push(view! { <mark>{f.clone()}</mark> }.into_any());
                    rest = &rest[at + f.len()..];
                }
                plain.push_str(rest);
                plain.push('\n');
                continue;
            }
            if !plain.is_empty() {
                parts.push(std::mem::take(&mut plain).into_any());
            }
            for r in crate::ansi::runs(l) {
                parts.push(if r.class.is_empty() {
                    r.text.into_any()
                } else {
                    view! { <span class=r.class>{r.text}</span> }.into_any()
                });
            }
            parts.push("\n".into_any());
        }
        if !plain.is_empty() {
            parts.push(plain.into_any());
        }
        view! { <div class="block" data-lines=shown>{parts}</div> }
    }
}

/// A log line that is a JSON object, as its fields: `key=value` (strings
/// without their quotes), in the order written (the workspace's
/// serde_json keeps it: `preserve_order`, which expr-lang turns on);
/// `None` for any other line.
pub fn json_fields(line: &str) -> Option<String> {
    if !line.trim_start().starts_with('{') {
        return None;
    }
    let object: serde_json::Map<String, serde_json::Value> = serde_json::from_str(line).ok()?;
    let shown: Vec<String> = object
        .into_iter()
        .map(|(k, v)| match v {
            serde_json::Value::String(s) => format!("{k}={s}"),
            other => format!("{k}={other}"),
        })
        .collect();
    Some(shown.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_lines_are_shown_as_their_fields() {
        assert_eq!(
            json_fields(r#"{"msg":"started","level":"info","n":3,"ok":true}"#).as_deref(),
            Some("msg=started level=info n=3 ok=true")
        );
        assert_eq!(json_fields("plain text"), None);
        assert_eq!(json_fields("{not json"), None);
        assert_eq!(json_fields("[1, 2]"), None);
    }
}
