//! `homeport schema --json`: the options of `/etc/config/homeport` and the rules the
//! parser applies to them, for LuCI's validators (see [`crate::config::schema`]).
//!
//! Shell: prints the schema's rendering, which the schema's tests keep current.

use std::fmt;
use std::io::{self, Write};

use argh::FromArgs;

use super::{EXIT_USAGE, Failure, Outcome};
use crate::config::schema;

/// print every configuration option with its type, default and limits
#[derive(FromArgs, Debug)]
#[argh(subcommand, name = "schema")]
pub struct SchemaArgs {
    /// print as JSON (the only form)
    #[argh(switch)]
    pub json: bool,
}

#[derive(Debug)]
enum SchemaError {
    NoForm,
    Stdout(io::Error),
}

impl fmt::Display for SchemaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SchemaError::NoForm => f.write_str("the schema is printed as JSON: use `homeport schema --json`"),
            SchemaError::Stdout(e) => write!(f, "cannot write to stdout: {e}"),
        }
    }
}

impl Failure for SchemaError {
    fn exit_code(&self) -> u8 {
        match self {
            SchemaError::NoForm => EXIT_USAGE,
            SchemaError::Stdout(_) => 1,
        }
    }
}

pub fn run(args: SchemaArgs) -> Outcome {
    if !args.json {
        return Err(SchemaError::NoForm.into());
    }
    let mut out = io::stdout().lock();
    out.write_all(schema::JSON.as_bytes()).and_then(|()| out.flush()).map_err(SchemaError::Stdout)?;
    Ok(0)
}
