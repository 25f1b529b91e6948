//! A pod's log as it is written. Lines arriving from the websocket are
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

/// A batch of lines put on the page at once.
#[derive(Debug, Clone, PartialEq)]
struct Block {
    id: u64,
    lines: Arc<Vec<String>>,
}

#[component]
pub fn LogView(run: Run, pod: String) -> impl IntoView {
    let blocks = RwSignal::new(Vec::<Block>::new());
    // Every line received, for the download.
    let all: StoredValue<Vec<String>, LocalStorage> = StoredValue::new_local(Vec::new());
    // Lines not on the page, all before those that are: `all[..dropped]`.
    let dropped = RwSignal::new(0usize);
    // How many lines the page keeps; raised by "Show earlier lines".
    let cap = RwSignal::new(KEEP_LINES);
    let total = RwSignal::new(0usize);
    let filter = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let ended = RwSignal::new(false);
    #[cfg(feature = "hydrate")]
    {
        use std::cell::RefCell;
        use std::rc::Rc;
        let pending: Rc<RefCell<Vec<String>>> = Rc::new(RefCell::new(Vec::new()));
        let next_id = Rc::new(std::cell::Cell::new(0u64));
        let flush = {
            let pending = pending.clone();
            move || {
                let lines: Vec<String> = std::mem::take(&mut *pending.borrow_mut());
                if lines.is_empty() {
                    return;
                }
                all.update_value(|a| a.extend(lines.iter().cloned()));
                total.update(|t| *t += lines.len());
                let id = next_id.get();
                next_id.set(id + 1);
                blocks.update(|b| {
                    b.push(Block { id, lines: Arc::new(lines) });
                    let mut kept: usize = b.iter().map(|x| x.lines.len()).sum();
                    while kept > cap.get_untracked() && b.len() > 1 {
                        let old = b.remove(0);
                        kept -= old.lines.len();
                        dropped.update(|d| *d += old.lines.len());
                    }
                });
            }
        };
        let flush = Rc::new(flush);
        let scheduled = Rc::new(std::cell::Cell::new(false));
        let (namespace, workflow) = (run.namespace.get_value(), run.name.get_value());
        let receive = {
            let (pending, flush, scheduled) = (pending.clone(), flush.clone(), scheduled.clone());
            move |line: String| {
                pending.borrow_mut().push(line);
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
        // Dropped (its socket closed) when the view goes away: no line
        // arrives for a view that is gone.
        crate::load::spawn_while_shown(async move {
            let done = crate::api::follow_log(&namespace, &workflow, &pod, true, receive).await;
            flush();
            if let Err(e) = done {
                error.set(Some(e));
            }
            ended.set(true);
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (run, pod);
    // Put back (up to) KEEP_LINES of the lines dropped from the page, in
    // front of those there; the page then keeps that many more.
    let earlier_id = StoredValue::new(u64::MAX);
    let show_earlier = move |_| {
        let before = dropped.get_untracked();
        let n = before.min(KEEP_LINES);
        if n == 0 {
            return;
        }
        let lines: Vec<String> =
            all.with_value(|a| a.get(before - n..before).unwrap_or(&[]).to_vec());
        let id = earlier_id.get_value();
        earlier_id.set_value(id - 1);
        dropped.set(before - n);
        cap.update(|c| *c += n);
        blocks.update(|b| b.insert(0, Block { id, lines: Arc::new(lines) }));
    };
    let download = NodeRef::<leptos::html::A>::new();
    let on_download = move |_| {
        #[cfg(feature = "hydrate")]
        if let Some(a) = download.get_untracked() {
            let text = all.with_value(|l| l.join("\n"));
            let encoded = js_sys::encode_uri_component(&text);
            a.set_href(&format!("data:text/plain;charset=utf-8,{encoded}"));
        }
    };
    view! {
        <section class="log" aria-label="log">
            <div class="log-tools">
                <h3>"Log"</h3>
                <input
                    type="search"
                    placeholder="Filter lines"
                    aria-label="filter log lines"
                    on:input=move |ev| filter.set(event_target_value(&ev))
                />
                <a node_ref=download href="#" download="log.txt" on:click=on_download>
                    "Download"
                </a>
                <span class="hint" data-lines=move || total.get()>
                    {move || format!("{} lines", total.get())}
                    {move || if ended.get() { " (ended)" } else { "" }}
                </span>
            </div>
            {crate::load::alert(error)}
            {move || {
                (dropped.get() > 0)
                    .then(|| {
                        view! {
                            <p class="hint">
                                {format!("{} earlier lines not shown (Download has them all). ", dropped.get())}
                                <button type="button" class="earlier" on:click=show_earlier>
                                    {format!("Show {} earlier lines", dropped.get().min(KEEP_LINES))}
                                </button>
                            </p>
                        }
                    })
            }}
            <pre class="log-lines" aria-live="off">
                <For
                    each=move || blocks.get()
                    key=|b| b.id
                    children=move |b| view! { <LogBlock lines=b.lines filter/> }
                />
            </pre>
        </section>
    }
    .into_any()
}

/// A block of lines, the filter applied: plain lines as one text (a
/// thousand lines are one DOM node, not a thousand), lines with ANSI
/// colours as spans between them.
#[component]
fn LogBlock(lines: Arc<Vec<String>>, filter: RwSignal<String>) -> impl IntoView {
    move || {
        let f = filter.get();
        let mut parts: Vec<AnyView> = Vec::new();
        let mut plain = String::new();
        let mut shown = 0usize;
        for l in lines.iter().filter(|l| f.is_empty() || l.contains(&f)) {
            shown += 1;
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
