//! Loops inside steps and DAGs: substitute what the loop is over, then
//! expand it with [`crate::loops`].

use serde_json::Value;

use crate::expr::Vars;
use crate::loops::{self, LoopItem};
use crate::spec::{Control, IntOrString};
use crate::substitute::{self, Mode};

/// `None` without a loop; otherwise the iterations, or why there are none.
pub fn expand(control: &Control, vars: &Vars) -> Option<Result<Vec<LoopItem>, String>> {
    if control.with_items.is_none()
        && control.with_param.is_none()
        && control.with_sequence.is_none()
    {
        return None;
    }
    // `withItems: []` and `withParam: ""` are no loop at all (Argo's
    // `ShouldExpand`): the step runs once.
    match resolved(control, vars) {
        Ok(c) => loops::expand(&c).map(|r| r.map_err(|e| e.message)),
        Err(msg) => Some(Err(msg)),
    }
}

/// The loop fields with their `{{…}}` tags replaced.
fn resolved(control: &Control, vars: &Vars) -> Result<Control, String> {
    let mut c = control.clone();
    if let Some(p) = &control.with_param {
        c.with_param =
            Some(substitute::string(p, vars, Mode::Strict).map_err(|e| e.message)?.into_owned());
    }
    if let Some(items) = &control.with_items {
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
