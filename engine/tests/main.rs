//! The engine's integration tests, in one binary: hostile input, Argo's
//! examples through lint (`lint_conformance`, which prints the table
//! quoted in `docs/conformance.md`), and the spec's round trip.

mod hostile_input;
mod lint_conformance;
mod spec_roundtrip;
