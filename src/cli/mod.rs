//! The command line: arguments (argh) and one module per subcommand.
//!
//! Shell. Each subcommand module holds its argh struct and a `run` that returns the exit
//! status or a [`Failure`]; `main` prints the failure and exits with its code. To add a
//! subcommand: `mod x;`, a variant `X(x::XArgs)` in [`Command`], and an arm in
//! [`Command::run`].

use std::fmt;

use argh::FromArgs;

mod apply;
mod check;
pub mod common;
mod doctor;
mod flush;
pub mod json;
mod migrate;
mod rules;
mod run;
mod schema;
mod status;
mod update;

/// Dynamic DNS and port forwarding for OpenWrt routers.
#[derive(FromArgs, Debug)]
pub struct Args {
    /// print the version and exit
    #[argh(switch)]
    pub version: bool,
    #[argh(subcommand)]
    pub command: Option<Command>,
}

#[derive(FromArgs, Debug)]
#[argh(subcommand)]
pub enum Command {
    Check(check::CheckArgs),
    Rules(rules::RulesArgs),
    Apply(apply::ApplyArgs),
    Flush(flush::FlushArgs),
    Run(run::RunArgs),
    Status(status::StatusArgs),
    Update(update::UpdateArgs),
    Migrate(migrate::MigrateArgs),
    Schema(schema::SchemaArgs),
    Doctor(doctor::DoctorArgs),
}

impl Command {
    /// Runs the subcommand: `Ok(status)` when it ran to the end (the status may still
    /// report problems it found), `Err` when it could not.
    pub fn run(self) -> Outcome {
        match self {
            Command::Check(a) => check::run(a),
            Command::Rules(a) => rules::run(a),
            Command::Apply(a) => apply::run(a),
            Command::Flush(a) => flush::run(a),
            Command::Run(a) => run::run(a),
            Command::Status(a) => status::run(a),
            Command::Update(a) => update::run(a),
            Command::Migrate(a) => migrate::run(a),
            Command::Schema(a) => schema::run(a),
            Command::Doctor(a) => doctor::run(a),
        }
    }
}

/// What a subcommand returns.
pub type Outcome = Result<u8, Box<dyn Failure>>;

/// An error that ends a subcommand: printed as `error: <message>`, then the process
/// exits with [`Failure::exit_code`]. Each module keeps its own error enum and
/// implements this; `?` boxes it.
pub trait Failure: fmt::Display {
    fn exit_code(&self) -> u8 {
        1
    }
}

impl<E: Failure + 'static> From<E> for Box<dyn Failure> {
    fn from(e: E) -> Box<dyn Failure> {
        Box::new(e)
    }
}

/// Exit status for a command line that cannot be understood.
pub const EXIT_USAGE: u8 = 2;
