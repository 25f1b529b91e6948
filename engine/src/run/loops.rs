//! Loops inside steps and DAGs: substitute what the loop is over, then
//! expand it with [`crate::loops`].

use serde_json::Value;

use crate::expr::Vars;
use crate::loops::{self, LoopItem};
use crate::spec::{CallFlow, IntOrString};
use crate::substitute::{self, Mode};

/// `None` without a loop; otherwise the iterations, or why there are none.
pub fn expand(flow: &CallFlow, vars: &Vars) -> Option<Result<Vec<LoopItem>, String>> {
    if flow.with_items.is_none() && flow.with_param.is_none() && flow.with_sequence.is_none() {
        return None;
    }
    // `withItems: []` and `withParam: ""` are no loop at all (Argo's
    // `ShouldExpand`): the step runs once.
    match resolved(flow, vars) {
        Ok(c) => loops::expand(&c).map(|r| r.map_err(|e| e.message)),
        Err(msg) => Some(Err(msg)),
    }
}

/// The loop fields with their `{{…}}` tags replaced.
fn resolved(flow: &CallFlow, vars: &Vars) -> Result<CallFlow, String> {
    let mut c = flow.clone();
    if let Some(p) = &flow.with_param {
        c.with_param =
            Some(substitute::string(p, vars, Mode::Strict).map_err(|e| e.message)?.into_owned());
    }
    if let Some(items) = &flow.with_items {
        let v = substitute::value(&Value::Array(items.clone()), vars, Mode::AllowUnresolved)
            .map_err(|e| e.message)?;
        c.with_items = v.as_array().cloned();
    }
    if let Some(seq) = &mut c.with_sequence {
        for field in [&mut seq.count, &mut seq.start, &mut seq.end] {
            if let Some(IntOrString::String(s)) = field {
                let v = substitute::string(s, vars, Mode::Strict).map_err(|e| e.message)?;
                *field = Some(IntOrString::String(v.into_owned()));
            }
        }
        if let Some(f) = &seq.format {
            let v = substitute::string(f, vars, Mode::Strict).map_err(|e| e.message)?;
            seq.format = Some(v.into_owned());
        }
    }
    Ok(c)
}
