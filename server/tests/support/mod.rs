//! What the integration tests share. Each test binary uses part of it.
#![allow(dead_code)]

pub mod fake_kube;
pub mod keelson;
pub mod postgres;
