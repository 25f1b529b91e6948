//! Cron workflows: each with its schedule in words, time zone, last run,
//! what is running now, and suspend/resume, submit now, edit (editors);
//! each one's own page (`page`) with its next runs, its history and its
//! YAML.

mod page;

use engine::status::Time;
use leptos::prelude::*;

use crate::api::{CronSchedules, CronWorkflow, List, Me};

pub use page::CronPage;

/// A CronWorkflow as the list shows it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CronRow {
    pub name: String,
    pub schedules: Vec<String>,
    pub timezone: String,
    pub suspended: bool,
    pub last: Option<Time>,
    pub active: usize,
    /// What a run due while another runs does (`concurrencyPolicy`).
    pub policy: String,
    /// The next runs, from the server, which knows the time zones'
    /// rules; or why there are none.
    pub next: Result<Vec<Time>, String>,
}

impl CronRow {
    /// The row of `cron` (`None` if it has no name).
    pub fn of(cron: CronWorkflow) -> Option<CronRow> {
        let CronWorkflow { metadata, spec, status } = cron;
        if metadata.name.is_empty() {
            return None;
        }
        let one = spec.schedule.filter(|s| !s.is_empty());
        Some(CronRow {
            name: metadata.name,
            schedules: one.into_iter().chain(spec.schedules).collect(),
            timezone: spec.timezone.unwrap_or_default(),
            suspended: spec.suspend == Some(true),
            last: status.last_scheduled_time,
            active: status.active.len(),
            policy: spec.concurrency_policy.unwrap_or_else(|| "Allow".into()),
            next: Ok(Vec::new()),
        })
    }

    /// Take this CronWorkflow's next runs from the namespace's schedules.
    pub fn with_next_runs(mut self, schedules: &CronSchedules) -> CronRow {
        if let Some(mine) = schedules.items.iter().find(|i| i.name == self.name) {
            self.next = match &mine.error {
                Some(e) => Err(e.clone()),
                None => Ok(mine.next_runs.clone()),
            };
        }
        self
    }
}

/// Each of the row's schedules as written and in words, a line each.
pub fn schedules_in_words(row: &CronRow) -> impl IntoView + use<> {
    row.schedules
        .iter()
        .map(|s| view! { <div><code>{s.clone()}</code> " — " {in_words(s)}</div> })
        .collect_view()
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
            if ns == crate::namespace::ALL {
                return crate::namespace::pick_one("Cron workflows");
            }
            let paths = vec![
                crate::api::USERINFO.to_string(),
                crate::api::crons_path(&ns),
                crate::api::schedules_path(&ns),
            ];
            type Answers = (Me, List<CronWorkflow>, CronSchedules);
            crate::load::page(paths, move |(me, crons, next): Answers| {
                let ns = ns.clone();
                view! { <CronList me crons next ns/> }
            })
            .into_any()
        }}
    }
}

/// The namespace's CronWorkflows, when they run next, for the user.
#[component]
fn CronList(me: Me, crons: List<CronWorkflow>, next: CronSchedules, ns: String) -> impl IntoView {
    let me = RwSignal::new(Some(me));
    let rows: Vec<CronRow> =
        crons.items.into_iter().filter_map(CronRow::of).map(|r| r.with_next_runs(&next)).collect();
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
    me: RwSignal<Option<Me>>,
    error: RwSignal<Option<String>>,
    ns: StoredValue<String>,
) -> impl IntoView {
    let schedules = schedules_in_words(&row);
    let zone = (!row.timezone.is_empty()).then(|| format!("time zone {}", row.timezone));
    let href = format!(
        "/cron-workflows/{}/{}",
        crate::api::encode(&ns.get_value()),
        crate::api::encode(&row.name)
    );
    let runs_href = format!(
        "/workflows?namespace={}&labels={}",
        crate::api::encode(&ns.get_value()),
        crate::api::encode(&format!("{RUNS_LABEL}={}", row.name))
    );
    view! {
        <tr data-name=row.name.clone()>
            <td><a href=href>{row.name.clone()}</a></td>
            <td>{schedules} <small class="hint">{zone}</small></td>
            {next_run(&row)}
            <td title=row.last.map(|t| t.to_string()).unwrap_or_default()>
                {crate::time::ago(row.last)}
            </td>
            <td>{row.active}</td>
            <td data-state=if row.suspended { "suspended" } else { "active" }>
                {if row.suspended { "suspended" } else { "active" }}
            </td>
            <td>
                <CronActions row=row.clone() rows me error ns/>
                " "
                <a href=runs_href aria-label=format!("Runs of {}", row.name)>"Runs"</a>
            </td>
        </tr>
    }
}

/// The label Argo puts on the workflows a CronWorkflow starts.
pub const RUNS_LABEL: &str = "workflows.argoproj.io/cron-workflow";

/// Suspend or resume, submit now, edit its YAML (editors; the others see
/// why not).
#[component]
pub fn CronActions(
    row: CronRow,
    rows: RwSignal<Vec<CronRow>>,
    me: RwSignal<Option<Me>>,
    error: RwSignal<Option<String>>,
    ns: StoredValue<String>,
) -> impl IntoView {
    let suspend = !row.suspended;
    let action = if suspend { "suspend" } else { "resume" };
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
                match crate::api::set_suspended(me, &ns.get_value(), &name, suspend).await {
                    Ok(cron) => {
                        if let Some(new) = CronRow::of(cron) {
                            rows.update(|rs| {
                                if let Some(r) = rs.iter_mut().find(|r| r.name == new.name) {
                                    // The next runs are the server's to say.
                                    let next = std::mem::replace(&mut r.next, Ok(Vec::new()));
                                    *r = CronRow { next, ..new };
                                }
                            });
                        }
                    }
                    Err(e) => error.set(Some(e)),
                }
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (&name, rows, error, suspend);
    };
    let edit_href = format!(
        "/editor?namespace={}&cron={}",
        crate::api::encode(&ns.get_value()),
        crate::api::encode(&row.name)
    );
    // `argo submit --from cronwf/NAME`: its workflow now, then its page.
    let submitting = RwSignal::new(false);
    let now_name = row.name.clone();
    let submit_now = move |()| {
        #[cfg(feature = "hydrate")]
        {
            let Some(me) = me.get_untracked() else { return };
            let (ns, name) = (ns.get_value(), now_name.clone());
            let navigate = leptos_router::hooks::use_navigate();
            submitting.set(true);
            leptos::task::spawn_local(async move {
                let body =
                    serde_json::json!({"resourceKind": "CronWorkflow", "resourceName": name});
                let path = format!("/api/v1/workflows/{ns}/submit");
                match crate::api::send::<crate::api::Named>(
                    &me,
                    crate::api::Method::Post,
                    &path,
                    &body,
                )
                .await
                {
                    Ok(made) => navigate(
                        &format!("/workflows/{ns}/{}", made.metadata.name),
                        Default::default(),
                    ),
                    Err(e) => error.set(Some(e)),
                }
                submitting.set(false);
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = &now_name;
    };
    view! {
        <crate::widgets::GuardedButton
            label
            action
            reason=Signal::derive(reason)
            busy
            on_click=Callback::new(click)
        />
        " "
        <crate::widgets::GuardedButton
            label="Submit now"
            action="submit-now"
            reason=Signal::derive(reason)
            busy=submitting
            on_click=Callback::new(submit_now)
        />
        " "
        <a href=edit_href aria-label=format!("Edit YAML of {}", row.name)>"Edit YAML"</a>
    }
}

/// The next run's cell: how soon (the next few times as its tooltip), or
/// why there is none.
fn next_run(row: &CronRow) -> impl IntoView + use<> {
    let (text, title) = match &row.next {
        _ if row.suspended => ("— (suspended)".to_string(), String::new()),
        Err(e) => (format!("never: {e}"), String::new()),
        Ok(times) => match times.first() {
            Some(t) => {
                let all: Vec<String> = times.iter().map(Time::to_string).collect();
                (crate::time::until(*t), all.join("\n"))
            }
            None => ("never".to_string(), String::new()),
        },
    };
    view! { <td class="next-run" title=title>{text}</td> }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read<T: serde::de::DeserializeOwned>(v: serde_json::Value) -> T {
        serde_json::from_str(&v.to_string()).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn a_cron_row_reads_its_schedules() {
        let v = serde_json::json!({
            "metadata": {"name": "nightly"},
            "spec": {"schedule": "0 2 * * *", "schedules": ["*/5 * * * *"], "suspend": true,
                     "timezone": "Europe/Paris"},
            "status": {"active": [{"name": "x"}], "lastScheduledTime": "2026-01-01T02:00:00Z"}
        });
        let r = CronRow::of(read(v)).unwrap_or_else(|| panic!("a row"));
        assert_eq!(r.schedules, ["0 2 * * *", "*/5 * * * *"]);
        assert!(r.suspended);
        assert_eq!(r.active, 1);
        assert_eq!(in_words(&r.schedules[0]), "at 02:00 every day");
        assert!(in_words("nonsense").starts_with("not a schedule"));
        let next = serde_json::json!({"items": [
            {"name": "other", "nextRuns": ["2999-01-01T00:00:00Z"]},
            {"name": "nightly", "nextRuns": ["2999-01-02T02:00:00Z", "2999-01-03T02:00:00Z"]}
        ]});
        let r = r.with_next_runs(&read(next));
        let times = ["2999-01-02T02:00:00Z", "2999-01-03T02:00:00Z"].map(Time::parse_rfc3339);
        assert_eq!(r.next, Ok(times.into_iter().flatten().collect()));
        assert_eq!(r.last, Time::parse_rfc3339("2026-01-01T02:00:00Z"));
        let bad = serde_json::json!({"items": [{"name": "nightly", "error": "time zone"}]});
        assert_eq!(r.with_next_runs(&read(bad)).next, Err("time zone".into()));
    }
}
