//! Loop expansion (withItems, withParam, withSequence). Placeholder: being written.
