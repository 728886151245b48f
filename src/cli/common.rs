//! What every subcommand's shell shares beyond [`crate::compose`]: the exit code of an
//! unreadable configuration, and printing diagnostics.
//!
//! Shell. Subcommands declare the options themselves (argh has no flattening):
//!
//! ```ignore
//! /// the UCI file to read (default /etc/config/homeport)
//! #[argh(option, short = 'c', default = "compose::default_config()")]
//! config: PathBuf,
//! /// where state is kept (default /var/run/homeport)
//! #[argh(option, default = "compose::default_state_dir()")]
//! state_dir: PathBuf,
//! ```

use std::io::{self, Write};

use crate::compose::Unreadable;
use crate::diag::Diagnostic;

use super::Failure;

impl Failure for Unreadable {
    /// `homeport check` documents 2 for an unreadable file; every command keeps it.
    fn exit_code(&self) -> u8 {
        2
    }
}

/// Writes each diagnostic on its own line to stderr.
pub fn print_diagnostics(diags: &[Diagnostic]) {
    let mut err = io::stderr().lock();
    for d in diags {
        // A closed stderr leaves nothing better to do than carry on.
        let _ = writeln!(err, "{d}");
    }
}
