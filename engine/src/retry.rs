//! Retry decisions and backoff. Placeholder: being written.
