//! `when` conditions, evaluated the way Argo's govaluate does. Placeholder.
