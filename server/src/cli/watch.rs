//! Following one workflow until it ends: over the server's watch stream,
//! reconnecting if the stream drops (a server restart), printing the tree
//! on every change when asked.

use std::io::{IsTerminal, Write};

use serde_json::Value;

use super::client::{Client, seg};
use super::tree;

fn completed(wf: &Value) -> bool {
    matches!(
        wf.pointer("/status/phase").and_then(Value::as_str),
        Some("Succeeded" | "Failed" | "Error")
    )
}

/// Print a workflow as `keelson get` does.
pub fn print_tree(wf: &Value, colour: bool) -> anyhow::Result<()> {
    let name = wf.pointer("/metadata/name").and_then(Value::as_str).unwrap_or("");
    let status: engine::status::WorkflowStatus =
        serde_json::from_value(wf.get("status").cloned().unwrap_or_default()).unwrap_or_default();
    let mut out = std::io::stdout().lock();
    tree::print(&mut out, name, &status, colour)?;
    out.flush()?;
    Ok(())
}

/// Wait for `name` to end; return its last state. With `show`, print the
/// tree at each change (redrawn in place on a terminal).
pub async fn until_done(client: &Client, name: &str, show: bool) -> anyhow::Result<Value> {
    let ns = seg(&client.namespace);
    let path = format!(
        "/api/v1/workflow-events/{ns}?listOptions.fieldSelector=metadata.name={}",
        seg(name)
    );
    let terminal = std::io::stdout().is_terminal();
    let mut last = Value::Null;
    let mut failures = 0;
    loop {
        let r = client
            .stream(&path, |event| {
                let Some(wf) = event.get("object") else { return Ok(true) };
                if event.get("type").and_then(Value::as_str) == Some("DELETED") {
                    anyhow::bail!("workflow {name} was deleted");
                }
                last = wf.clone();
                if show {
                    if terminal {
                        print!("\x1b[2J\x1b[H");
                    }
                    print_tree(wf, terminal)?;
                }
                Ok(!completed(wf))
            })
            .await;
        if completed(&last) {
            return Ok(last);
        }
        match r {
            Err(e) if e.to_string().contains("was deleted") => return Err(e),
            Err(e) => {
                failures += 1;
                if failures > 30 {
                    return Err(e);
                }
            }
            Ok(()) => {}
        }
        // The stream ended early (the server restarted?): look again.
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
        if let Ok(wf) = client.get(&format!("/api/v1/workflows/{ns}/{}", seg(name))).await
            && completed(&wf)
        {
            if show {
                print_tree(&wf, terminal)?;
            }
            return Ok(wf);
        }
    }
}
