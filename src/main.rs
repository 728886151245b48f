//! The `homeport` command: parse arguments, dispatch, map errors to exit codes.

use std::process::ExitCode;

use argh::{EarlyExit, FromArgs};

use homeport::cli::{Args, EXIT_USAGE};

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(code) => return ExitCode::from(code),
    };
    if args.version {
        println!("homeport {}", homeport::VERSION);
        return ExitCode::SUCCESS;
    }
    let Some(command) = args.command else {
        eprintln!("error: no command given; see 'homeport --help'");
        return ExitCode::from(EXIT_USAGE);
    };
    match command.run() {
        Ok(status) => ExitCode::from(status),
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}

/// The parsed command line, or the exit status after help (0) or a usage error (2).
fn parse_args() -> Result<Args, u8> {
    let mut words = Vec::new();
    for a in std::env::args_os().skip(1) {
        match a.into_string() {
            Ok(s) => words.push(s),
            Err(bad) => {
                eprintln!("error: argument {} is not valid UTF-8", bad.to_string_lossy());
                return Err(EXIT_USAGE);
            }
        }
    }
    let words: Vec<&str> = words.iter().map(String::as_str).collect();
    match Args::from_args(&["homeport"], &words) {
        Ok(a) => Ok(a),
        Err(EarlyExit { output, status: Ok(()) }) => {
            print!("{output}");
            Err(0)
        }
        Err(EarlyExit { output, status: Err(()) }) => {
            eprintln!("error: {}", output.trim_end());
            Err(EXIT_USAGE)
        }
    }
}
