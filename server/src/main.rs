//! The `keelson` binary: the command-line interface — lint, local runs,
//! the server (`keelson server`), the client verbs that talk to a server,
//! and the in-pod executor (`keelson exec`). Argument parsing lives in
//! [`cli`]; each verb has its own module there.

mod cli;

use std::process::ExitCode;

// The engine allocates per node and per event; glibc's malloc spent a
// third of its time consolidating free lists. mimalloc costs ~20 MiB more
// peak RSS (it commits its arenas up front); see docs/performance.md.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Before anything allocates: mimalloc must not commit whole arenas up
/// front (`mi_option_arena_eager_commit`, 4 in v2's `mi_option_t`; the
/// bindings do not name it), or transparent huge pages double the peak RSS.
#[used]
#[unsafe(link_section = ".init_array")]
static MIMALLOC_OPTIONS: extern "C" fn() = {
    extern "C" fn set() {
        // SAFETY: sets a process-wide option; no memory is involved.
        unsafe { libmimalloc_sys::mi_option_set(4, 0) };
    }
    set
};

fn main() -> ExitCode {
    match cli::run() {
        Ok(code) => code,
        Err(e) => {
            // A closed pipe (`keelson lint … | head`) is not an error: exit
            // quietly, as Unix tools do.
            if e.chain().any(|c| {
                c.downcast_ref::<std::io::Error>()
                    .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            }) {
                return ExitCode::SUCCESS;
            }
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}
