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
}

impl CronRow {
    #[cfg_attr(not(any(feature = "hydrate", test)), allow(dead_code))]
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
        })
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
    let rows = RwSignal::new(Vec::<CronRow>::new());
    let error = RwSignal::new(None::<String>);
    let me = RwSignal::new(None::<crate::api::Me>);
    #[cfg(feature = "hydrate")]
    crate::load::in_browser(error, move || async move {
        me.set(Some(crate::api::me().await?));
        rows.set(crate::api::crons("default").await?);
        Ok(())
    });
    view! {
        <h1>"Cron workflows"</h1>
        {crate::load::alert(error)}
        <crate::widgets::Table
            class="crons"
            headers=&["Name", "Schedule", "Last run", "Running", "State", "Actions"]
            rows
            row=move |r| view! { <CronLine row=r rows me error/> }
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
) -> impl IntoView {
    let action = if row.suspended { "resume" } else { "suspend" };
    let label = if row.suspended { "Resume" } else { "Suspend" };
    let reason = move || match me.get() {
        Some(m) if m.can_edit("default") => None,
        Some(m) => Some(format!("needs the editor role in default (you are {})", m.user)),
        None => Some("signing in…".to_string()),
    };
    let name = row.name.clone();
    let busy = RwSignal::new(false);
    let click = move |()| {
        #[cfg(feature = "hydrate")]
        {
            let name = name.clone();
            leptos::task::spawn_local(async move {
                let path = format!("/api/v1/cron-workflows/default/{name}/{action}");
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
    }
}
