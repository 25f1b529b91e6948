//! Which workflows a list returns: namespace, phases, a Kubernetes label
//! selector, a name prefix, a creation-time range and a keyset page,
//! turned into one SQL `WHERE` clause with numbered parameters.

use engine::status::Time;

/// Argo's system labels, answered from columns rather than label rows.
const PHASE_LABEL: &str = "workflows.argoproj.io/phase";
const COMPLETED_LABEL: &str = "workflows.argoproj.io/completed";
const COMPLETED_PHASES: &str = "('Succeeded', 'Failed', 'Error')";

/// A list request.
#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    /// `None`: every namespace.
    pub namespace: Option<String>,
    /// Any of these phases (empty: any phase).
    pub phases: Vec<String>,
    pub labels: LabelSelector,
    /// Exactly this name (a `metadata.name` field selector).
    pub name: Option<String>,
    pub name_prefix: Option<String>,
    pub created_after: Option<Time>,
    pub created_before: Option<Time>,
    /// At most this many (0: no limit).
    pub limit: i64,
    /// After this row of the previous page: its creation time and uid.
    pub after: Option<(Time, String)>,
}

/// A parsed Kubernetes label selector: `a=b,c!=d,e in (x,y),f notin (z),g,!h`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LabelSelector(pub Vec<Requirement>);

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Requirement {
    In { key: String, values: Vec<String> },
    NotIn { key: String, values: Vec<String> },
    Exists(String),
    NotExists(String),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid label selector {selector:?}: {why}")]
pub struct SelectorError {
    pub selector: String,
    pub why: String,
}

impl LabelSelector {
    pub fn parse(text: &str) -> Result<LabelSelector, SelectorError> {
        let err = |why: &str| SelectorError { selector: text.to_string(), why: why.to_string() };
        let mut out = Vec::new();
        for part in split_top_level(text) {
            let part = part.trim();
            if part.is_empty() {
                continue;
            }
            let req = if let Some(key) = part.strip_prefix('!') {
                Requirement::NotExists(key.trim().to_string())
            } else if let Some((k, v)) = part.split_once("!=") {
                Requirement::NotIn { key: k.trim().into(), values: vec![v.trim().into()] }
            } else if let Some((k, v)) = part.split_once("==").or_else(|| part.split_once('=')) {
                Requirement::In { key: k.trim().into(), values: vec![v.trim().into()] }
            } else if let Some((k, rest)) = set_operator(part, " notin ") {
                Requirement::NotIn {
                    key: k,
                    values: values(rest).ok_or_else(|| err("expected notin (a, b)"))?,
                }
            } else if let Some((k, rest)) = set_operator(part, " in ") {
                Requirement::In {
                    key: k,
                    values: values(rest).ok_or_else(|| err("expected in (a, b)"))?,
                }
            } else if part.contains([' ', '(', ')']) {
                return Err(err(&format!("cannot read {part:?}")));
            } else {
                Requirement::Exists(part.to_string())
            };
            let key = match &req {
                Requirement::In { key, .. }
                | Requirement::NotIn { key, .. }
                | Requirement::Exists(key)
                | Requirement::NotExists(key) => key,
            };
            if key.is_empty() {
                return Err(err("a requirement has no key"));
            }
            out.push(req);
        }
        Ok(LabelSelector(out))
    }
}

impl LabelSelector {
    /// Whether a workflow with these labels and this phase matches — the
    /// same rules as the SQL (Argo's phase and completed labels come from
    /// the phase), for watches that filter live changes in memory.
    pub fn matches(
        &self,
        labels: &std::collections::BTreeMap<String, String>,
        phase: &str,
    ) -> bool {
        let completed = matches!(phase, "Succeeded" | "Failed" | "Error");
        let value = |key: &str| -> Option<String> {
            match key {
                PHASE_LABEL => (!phase.is_empty()).then(|| phase.to_string()),
                COMPLETED_LABEL => Some(completed.to_string()),
                _ => labels.get(key).cloned(),
            }
        };
        self.0.iter().all(|r| match r {
            Requirement::In { key, values } => value(key).is_some_and(|v| values.contains(&v)),
            Requirement::NotIn { key, values } => value(key).is_none_or(|v| !values.contains(&v)),
            Requirement::Exists(key) => value(key).is_some(),
            Requirement::NotExists(key) => value(key).is_none(),
        })
    }
}

/// Split at commas outside parentheses.
fn split_top_level(text: &str) -> Vec<&str> {
    let (mut parts, mut depth, mut start) = (Vec::new(), 0i32, 0);
    for (i, c) in text.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&text[start..]);
    parts
}

fn set_operator<'a>(part: &'a str, op: &str) -> Option<(String, &'a str)> {
    let (k, rest) = part.split_once(op)?;
    Some((k.trim().to_string(), rest.trim()))
}

fn values(text: &str) -> Option<Vec<String>> {
    let inner = text.strip_prefix('(')?.strip_suffix(')')?;
    Some(inner.split(',').map(|v| v.trim().to_string()).filter(|v| !v.is_empty()).collect())
}

/// A parameter for the built query.
#[derive(Debug, Clone, PartialEq)]
pub enum Bind {
    Text(String),
    Int(i64),
}

/// `WHERE …` (with a leading space) and its parameters, numbered from 1.
pub fn where_clause(q: &ListQuery) -> (String, Vec<Bind>) {
    let mut w = Where::default();
    if let Some(ns) = &q.namespace {
        let p = w.bind(Bind::Text(ns.clone()));
        w.and(format!("namespace = {p}"));
    }
    if !q.phases.is_empty() {
        let list = w.list(&q.phases);
        w.and(format!("phase IN ({list})"));
    }
    for r in &q.labels.0 {
        w.requirement(r);
    }
    if let Some(name) = &q.name {
        let p = w.bind(Bind::Text(name.clone()));
        w.and(format!("name = {p}"));
    }
    if let Some(prefix) = &q.name_prefix {
        let escaped = prefix.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
        let p = w.bind(Bind::Text(format!("{escaped}%")));
        w.and(format!("name LIKE {p} ESCAPE '\\'"));
    }
    if let Some(t) = q.created_after {
        let p = w.bind(Bind::Int(t.0));
        w.and(format!("created_at >= {p}"));
    }
    if let Some(t) = q.created_before {
        let p = w.bind(Bind::Int(t.0));
        w.and(format!("created_at < {p}"));
    }
    if let Some((t, uid)) = &q.after {
        let (pt, pu) = (w.bind(Bind::Int(t.0)), w.bind(Bind::Text(uid.clone())));
        w.and(format!("(created_at < {pt} OR (created_at = {pt} AND uid < {pu}))"));
    }
    let clause = if w.terms.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", w.terms.join(" AND "))
    };
    (clause, w.binds)
}

#[derive(Default)]
struct Where {
    terms: Vec<String>,
    binds: Vec<Bind>,
}

impl Where {
    fn bind(&mut self, b: Bind) -> String {
        self.binds.push(b);
        format!("${}", self.binds.len())
    }

    fn list(&mut self, values: &[String]) -> String {
        values.iter().map(|v| self.bind(Bind::Text(v.clone()))).collect::<Vec<_>>().join(", ")
    }

    fn and(&mut self, term: String) {
        self.terms.push(term);
    }

    fn requirement(&mut self, r: &Requirement) {
        match r {
            Requirement::In { key, values } if key == PHASE_LABEL => {
                let list = self.list(values);
                self.and(format!("phase IN ({list})"));
            }
            Requirement::NotIn { key, values } if key == PHASE_LABEL => {
                let list = self.list(values);
                self.and(format!("phase NOT IN ({list})"));
            }
            Requirement::In { key, values } | Requirement::NotIn { key, values }
                if key == COMPLETED_LABEL =>
            {
                let wants_true = values.iter().any(|v| v == "true");
                let negate = matches!(r, Requirement::NotIn { .. });
                let op = if wants_true != negate { "IN" } else { "NOT IN" };
                self.and(format!("phase {op} {COMPLETED_PHASES}"));
            }
            Requirement::In { key, values } => {
                let k = self.bind(Bind::Text(key.clone()));
                let list = self.list(values);
                self.and(format!("EXISTS ({} AND l.key = {k} AND l.value IN ({list}))", LABEL_ROW));
            }
            Requirement::NotIn { key, values } => {
                let k = self.bind(Bind::Text(key.clone()));
                let list = self.list(values);
                self.and(format!(
                    "NOT EXISTS ({} AND l.key = {k} AND l.value IN ({list}))",
                    LABEL_ROW
                ));
            }
            Requirement::Exists(key) => {
                let k = self.bind(Bind::Text(key.clone()));
                self.and(format!("EXISTS ({LABEL_ROW} AND l.key = {k})"));
            }
            Requirement::NotExists(key) => {
                let k = self.bind(Bind::Text(key.clone()));
                self.and(format!("NOT EXISTS ({LABEL_ROW} AND l.key = {k})"));
            }
        }
    }
}

const LABEL_ROW: &str = "SELECT 1 FROM workflow_labels l WHERE l.uid = workflows.uid";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_requirement_form() {
        let s = LabelSelector::parse("a=b, c!=d,e in (x, y),f notin (z),g,!h,i==j").expect("parse");
        assert_eq!(
            s.0,
            [
                Requirement::In { key: "a".into(), values: vec!["b".into()] },
                Requirement::NotIn { key: "c".into(), values: vec!["d".into()] },
                Requirement::In { key: "e".into(), values: vec!["x".into(), "y".into()] },
                Requirement::NotIn { key: "f".into(), values: vec!["z".into()] },
                Requirement::Exists("g".into()),
                Requirement::NotExists("h".into()),
                Requirement::In { key: "i".into(), values: vec!["j".into()] },
            ]
        );
        assert!(LabelSelector::parse("a in x").is_err());
        assert!(LabelSelector::parse("=b").is_err());
    }

    #[test]
    fn system_labels_read_columns() {
        let q = ListQuery {
            labels: LabelSelector::parse(
                "workflows.argoproj.io/phase in (Running,Pending),workflows.argoproj.io/completed=false",
            )
            .expect("parse"),
            ..Default::default()
        };
        let (sql, binds) = where_clause(&q);
        assert_eq!(
            sql,
            " WHERE phase IN ($1, $2) AND phase NOT IN ('Succeeded', 'Failed', 'Error')"
        );
        assert_eq!(binds.len(), 2);
    }
}
