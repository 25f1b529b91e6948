//! The Keelson web UI. Empty until the dashboard lands (issue 6): the crate
//! exists now so that the workspace has its final shape.
