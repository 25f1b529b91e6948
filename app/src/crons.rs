//! Cron workflows: each with its schedule in words, time zone, last run,
//! what is running now, and suspend/resume (editors).

use leptos::prelude::*;

/// A CronWorkflow as the list shows it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CronRow {
    pub name: String,
    pub schedules: Vec<String>,
    pub timezone: String,
    pub suspended: bool,
    pub last: String,
    pub active: usize,
    /// The next runs (RFC 3339), from the server, which knows the time
    /// zones' rules; or why there are none.
    pub next: Result<Vec<String>, String>,
}

impl CronRow {
    pub fn from_json(v: &serde_json::Value) -> Option<CronRow> {
        let text = |p: &str| v.pointer(p).and_then(|x| x.as_str()).unwrap_or("").to_string();
        let name = text("/metadata/name");
        if name.is_empty() {
            return None;
        }
        let mut schedules: Vec<String> = v
            .pointer("/spec/schedules")
            .and_then(|s| s.as_array())
            .into_iter()
            .flatten()
            .filter_map(|s| s.as_str().map(str::to_string))
            .collect();
        let one = text("/spec/schedule");
        if !one.is_empty() {
            schedules.insert(0, one);
        }
        Some(CronRow {
            name,
            schedules,
            timezone: text("/spec/timezone"),
            suspended: v.pointer("/spec/suspend").and_then(|s| s.as_bool()) == Some(true),
            last: text("/status/lastScheduledTime"),
            active: v.pointer("/status/active").and_then(|a| a.as_array()).map_or(0, Vec::len),
            next: Ok(Vec::new()),
        })
    }

    /// Take this CronWorkflow's next runs from `GET /api/v1/cron-schedules`.
    fn with_next_runs(mut self, schedules: Option<&serde_json::Value>) -> CronRow {
        let mine = schedules
            .and_then(|s| s["items"].as_array())
            .into_iter()
            .flatten()
            .find(|i| i["name"].as_str() == Some(&self.name));
        if let Some(item) = mine {
            self.next = match item["error"].as_str() {
                Some(e) => Err(e.to_string()),
                None => Ok(item["nextRuns"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|t| t.as_str().map(str::to_string))
                    .collect()),
            };
        }
        self
    }
}

/// `schedule` in words ("every 5 minutes"), or why it cannot be read.
fn in_words(schedule: &str) -> String {
    match engine::cron::parse(schedule) {
        Ok(s) => engine::cron::describe(&s),
        Err(e) => format!("not a schedule: {e}"),
    }
}

#[component]
pub fn Crons() -> impl IntoView {
    let namespace = crate::namespace::current();
    view! {
        <h1>"Cron workflows"</h1>
        {move || {
            let ns = namespace.get();
            let paths = vec![
                "/api/v1/userinfo".to_string(),
                format!("/api/v1/cron-workflows/{ns}"),
                format!("/api/v1/cron-schedules/{ns}"),
            ];
            crate::load::page(paths, move |answers| {
                let ns = ns.clone();
                view! { <CronList answers ns/> }
            })
        }}
    }
}

/// The list, from the user (`answers[0]`), the namespace's CronWorkflows
/// (`answers[1]`) and when they run next (`answers[2]`).
#[component]
fn CronList(answers: Vec<serde_json::Value>, ns: String) -> impl IntoView {
    let me = RwSignal::new(answers.first().map(crate::api::Me::from_json));
    let next = answers.get(2).cloned();
    let rows: Vec<CronRow> = crate::api::rows(answers.get(1), CronRow::from_json)
        .into_iter()
        .map(|r| r.with_next_runs(next.as_ref()))
        .collect();
    let rows = RwSignal::new(rows);
    let error = RwSignal::new(None::<String>);
    let ns = StoredValue::new(ns);
    view! {
        {crate::load::alert(error)}
        <crate::widgets::Table
            class="crons"
            headers=&["Name", "Schedule", "Next run", "Last run", "Running", "State", "Actions"]
            rows
            row=move |r| view! { <CronLine row=r rows me error ns/> }
        />
        <p class="hint">
            {move || if rows.with(Vec::is_empty) { "No cron workflows." } else { "" }}
        </p>
    }
}

#[component]
fn CronLine(
    row: CronRow,
    rows: RwSignal<Vec<CronRow>>,
    me: RwSignal<Option<crate::api::Me>>,
    error: RwSignal<Option<String>>,
    ns: StoredValue<String>,
) -> impl IntoView {
    let action = if row.suspended { "resume" } else { "suspend" };
    let label = if row.suspended { "Resume" } else { "Suspend" };
    let reason = move || match me.get() {
        Some(m) if m.can_edit(&ns.get_value()) => None,
        Some(m) => {
            Some(format!("needs the editor role in {} (you are {})", ns.get_value(), m.user))
        }
        None => Some("signing in…".to_string()),
    };
    let name = row.name.clone();
    let busy = RwSignal::new(false);
    let click = move |()| {
        #[cfg(feature = "hydrate")]
        {
            let name = name.clone();
            leptos::task::spawn_local(async move {
                let path = format!("/api/v1/cron-workflows/{}/{name}/{action}", ns.get_value());
                match crate::api::send_signed(me, "PUT", &path, &serde_json::Value::Null).await {
                    Ok(v) => {
                        if let Some(new) = CronRow::from_json(&v) {
                            rows.update(|rs| {
                                if let Some(r) = rs.iter_mut().find(|r| r.name == new.name) {
                                    *r = new;
                                }
                            });
                        }
                    }
                    Err(e) => error.set(Some(e)),
                }
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (&name, rows, error, action);
    };
    let schedules = row
        .schedules
        .iter()
        .map(|s| {
            view! {
                <div>
                    <code>{s.clone()}</code>
                    " — "
                    {in_words(s)}
                </div>
            }
        })
        .collect_view();
    let zone = (!row.timezone.is_empty()).then(|| format!("time zone {}", row.timezone));
    view! {
        <tr data-name=row.name.clone()>
            <td>{row.name.clone()}</td>
            <td>{schedules} <small class="hint">{zone}</small></td>
            {next_run(&row)}
            <td title=row.last.clone()>{crate::time::ago(&row.last)}</td>
            <td>{row.active}</td>
            <td data-state=if row.suspended { "suspended" } else { "active" }>
                {if row.suspended { "suspended" } else { "active" }}
            </td>
            <td>
                <crate::widgets::GuardedButton
                    label
                    action
                    reason=Signal::derive(reason)
                    busy
                    on_click=Callback::new(click)
                />
            </td>
        </tr>
    }
}

/// The next run's cell: how soon (the next few times as its tooltip), or
/// why there is none.
fn next_run(row: &CronRow) -> impl IntoView + use<> {
    let (text, title) = match &row.next {
        _ if row.suspended => ("— (suspended)".to_string(), String::new()),
        Err(e) => (format!("never: {e}"), String::new()),
        Ok(times) => match times.first() {
            Some(t) => (crate::time::until(t), times.join("\n")),
            None => ("never".to_string(), String::new()),
        },
    };
    view! { <td class="next-run" title=title>{text}</td> }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cron_row_reads_its_schedules() {
        let v = serde_json::json!({
            "metadata": {"name": "nightly"},
            "spec": {"schedule": "0 2 * * *", "schedules": ["*/5 * * * *"], "suspend": true,
                     "timezone": "Europe/Paris"},
            "status": {"active": [{"name": "x"}], "lastScheduledTime": "2026-01-01T02:00:00Z"}
        });
        let r = CronRow::from_json(&v).unwrap_or_else(|| panic!("a row"));
        assert_eq!(r.schedules, ["0 2 * * *", "*/5 * * * *"]);
        assert!(r.suspended);
        assert_eq!(r.active, 1);
        assert_eq!(in_words(&r.schedules[0]), "at 02:00 every day");
        assert!(in_words("nonsense").starts_with("not a schedule"));
        let next = serde_json::json!({"items": [
            {"name": "other", "nextRuns": ["2999-01-01T00:00:00Z"]},
            {"name": "nightly", "nextRuns": ["2999-01-02T02:00:00Z", "2999-01-03T02:00:00Z"]}
        ]});
        let r = r.with_next_runs(Some(&next));
        assert_eq!(r.next, Ok(vec!["2999-01-02T02:00:00Z".into(), "2999-01-03T02:00:00Z".into()]));
        let bad = serde_json::json!({"items": [{"name": "nightly", "error": "time zone"}]});
        assert_eq!(r.with_next_runs(Some(&bad)).next, Err("time zone".into()));
    }
}
