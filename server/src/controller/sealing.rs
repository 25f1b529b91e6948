//! Journal entries that carry a secret's value (a task printed one, and
//! it is in the node's result): sealed before they are written, opened
//! before a run is replayed. See `crate::redact`.

use crate::redact::Masker;
use crate::store::{Entry, LoggedEvent, SecretKey, StoreError};

/// `entry` as it is written: sealed if it carries a value of `masker`'s.
pub fn seal(
    key: &SecretKey,
    masker: &Masker,
    uid: &str,
    seq: i64,
    entry: Entry,
) -> Result<Entry, StoreError> {
    if masker.is_empty() {
        return Ok(entry);
    }
    let text = serde_json::to_string(&entry)
        .map_err(|e| StoreError::Corrupt(format!("journal entry: {e}")))?;
    if !masker.found_in_json(&text) {
        return Ok(entry);
    }
    Ok(Entry::Sealed { sealed: key.seal_entry(uid, seq, &text)? })
}

/// A journal as replay reads it: every sealed entry opened.
pub fn open(key: &SecretKey, log: Vec<LoggedEvent>) -> Result<Vec<LoggedEvent>, StoreError> {
    log.into_iter()
        .map(|mut e| {
            if let Entry::Sealed { sealed } = &e.entry {
                let text = key.open_entry(&e.workflow_uid, e.seq, sealed)?;
                e.entry = serde_json::from_str(&text).map_err(|err| {
                    StoreError::Corrupt(format!("sealed journal entry {}: {err}", e.seq))
                })?;
            }
            Ok(e)
        })
        .collect()
}
