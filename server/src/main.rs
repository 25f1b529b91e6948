//! The `keelson` binary: the command-line interface (and, from issue 4 on,
//! the server). Argument parsing lives in [`cli`]; each verb has its own
//! module there.

mod cli;

use std::process::ExitCode;

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
