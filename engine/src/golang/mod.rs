//! Go's standard library's formatting, byte for byte, where Argo's output
//! is Go's: what Argo's controller (and the govaluate, Sprig and
//! expr-lang code it runs) prints and parses through Go shows up in node
//! names, variables, messages and conditions, so Keelson reproduces it
//! here, once, for every caller.
//!
//! One module per concept, after the Go package it copies:
//! [`strconv`] (quoting, `FormatFloat`, `Atoi`/`ParseInt`/`ParseFloat`),
//! [`fmt`] (`%v`, `%s`, `Sprintf` with an `int`), [`json`]
//! (`encoding/json`: marshalling, the scanner, decoding), [`time`] (layouts:
//! `Format`, `Parse`, `Time.String`) and [`duration`] (`ParseDuration`,
//! `Duration.Seconds`). What Argo or its libraries add on top (Argo's bare
//! seconds, Sprig's casts, govaluate's date layouts) stays with the caller.

pub mod duration;
pub mod fmt;
pub mod json;
pub mod strconv;
pub mod time;
