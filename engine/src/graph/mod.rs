//! Drawing a workflow: which boxes and arrows to show ([`workflow`]: the
//! nodes of a run's status, or the tasks of a template before it runs,
//! with wide fan-outs folded, and [`ghost`]: the tasks of a running one
//! that have not started) and where to put them ([`layout`]: a layered
//! layout). Pure code, shared by the server's rendering and the browser.

pub mod ghost;
pub mod layout;
pub mod preview;
pub mod workflow;

pub use layout::{Direction, Layout, Point, Size, Spacing, layout};
pub use workflow::{Drawing, Shape, Shown};

#[cfg(test)]
mod tests;
