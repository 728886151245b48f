//! Where the daemon's log lines go: syslog (what `logread` shows on OpenWrt) when it runs
//! as a service, stderr with `--foreground`. One line per change or outcome; the level
//! comes from `log_level` and can change on SIGHUP.
//!
//! Shell. Nothing here formats secrets: callers never pass them (see `types::Secret`).

use std::fmt;
use std::io::{self, Write as _};
use std::os::unix::net::{UnixDatagram, UnixStream};
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Mutex, OnceLock};

use crate::config::LogLevel;

/// How severe a line is; a line is written when its level is at most the configured one.
/// The `log` crate's levels without `Trace`: homeport has no trace lines.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Error = 1,
    Warn = 2,
    Info = 3,
    Debug = 4,
}

/// The most verbose level written; 0 writes nothing (before `init`, as with `log`).
static MAX: AtomicU8 = AtomicU8::new(0);
static SINK: OnceLock<Sink> = OnceLock::new();

enum Sink {
    Stderr,
    Syslog { socket: Mutex<Syslog>, pid: u32 },
}

/// The local syslog socket: a datagram socket (OpenWrt's logd, busybox syslogd, rsyslog,
/// journald), or a stream socket where the daemon listens with one (each line then ends
/// with a NUL, as the syslog crate this replaces wrote them).
enum Syslog {
    Datagram(UnixDatagram),
    Stream(UnixStream),
}

/// Where local syslog daemons listen, tried in this order (as the syslog crate did).
const SYSLOG_PATHS: [&str; 3] = ["/dev/log", "/var/run/syslog", "/var/run/log"];

/// Connects to the first syslog socket of `paths` that exists: a missing path is skipped,
/// any other error is the answer.
fn connect_syslog(paths: &[&str]) -> io::Result<Syslog> {
    for &path in paths {
        let sock = UnixDatagram::unbound()?;
        match sock.connect(path) {
            Ok(()) => return Ok(Syslog::Datagram(sock)),
            Err(e) if e.raw_os_error() == Some(libc::EPROTOTYPE) => {
                return UnixStream::connect(path).map(Syslog::Stream);
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
    }
    Err(io::Error::new(io::ErrorKind::NotFound, format!("no syslog socket at {}", paths.join(", "))))
}

impl Syslog {
    fn send(&mut self, mut line: String) -> io::Result<()> {
        match self {
            Syslog::Datagram(d) => d.send(line.as_bytes()).map(drop),
            Syslog::Stream(s) => {
                line.push('\0');
                s.write_all(line.as_bytes())
            }
        }
    }
}

pub fn level_filter(level: LogLevel) -> Level {
    match level {
        LogLevel::Error => Level::Error,
        LogLevel::Warning => Level::Warn,
        // syslog's notice has no level of its own here: notices are logged as info.
        LogLevel::Notice | LogLevel::Info => Level::Info,
        LogLevel::Debug => Level::Debug,
    }
}

/// Installs the logger. With `foreground` (or when syslog cannot be reached) lines go to
/// stderr as `homeport: <level>: <message>`.
pub fn init(foreground: bool, level: LogLevel) {
    // A second init (tests) keeps the first logger; only the level changes.
    SINK.get_or_init(|| {
        if foreground {
            return Sink::Stderr;
        }
        match connect_syslog(&SYSLOG_PATHS) {
            Ok(socket) => Sink::Syslog { socket: Mutex::new(socket), pid: std::process::id() },
            Err(e) => {
                eprintln!("homeport: cannot reach syslog ({e}); logging to stderr");
                Sink::Stderr
            }
        }
    });
    set_level(level);
}

pub fn set_level(level: LogLevel) {
    MAX.store(level_filter(level) as u8, Ordering::Relaxed);
}

/// Whether a line of this level is written; the macros below ask before formatting.
pub fn enabled(level: Level) -> bool {
    level as u8 <= MAX.load(Ordering::Relaxed)
}

/// Writes one line. Only homeport's own lines come here: the dependencies' `log` calls
/// (rustls, ureq) are compiled out (Cargo.toml, the `log` crate's `max_level_off`), as
/// the `log`-based logger used to drop them at run time.
pub fn write(level: Level, args: fmt::Arguments) {
    match SINK.get() {
        Some(Sink::Stderr) => {
            let name = match level {
                Level::Error => "error",
                Level::Warn => "warning",
                Level::Info => "info",
                Level::Debug => "debug",
            };
            let _ = writeln!(std::io::stderr().lock(), "homeport: {name}: {args}");
        }
        Some(Sink::Syslog { socket, pid }) => {
            let Ok(mut socket) = socket.lock() else { return };
            let _ = socket.send(syslog_line(*pid, level, args));
        }
        None => {}
    }
}

/// `log::info!(...)` and friends, for `use crate::log;`: format only when the level is on.
macro_rules! log_at {
    ($level:ident, $($arg:tt)+) => {
        if $crate::daemon::logging::enabled($crate::daemon::logging::Level::$level) {
            $crate::daemon::logging::write($crate::daemon::logging::Level::$level, format_args!($($arg)+))
        }
    };
}
macro_rules! log_error {
    ($($arg:tt)+) => { $crate::daemon::logging::log_at!(Error, $($arg)+) };
}
macro_rules! log_warn {
    ($($arg:tt)+) => { $crate::daemon::logging::log_at!(Warn, $($arg)+) };
}
macro_rules! log_info {
    ($($arg:tt)+) => { $crate::daemon::logging::log_at!(Info, $($arg)+) };
}
macro_rules! log_debug {
    ($($arg:tt)+) => { $crate::daemon::logging::log_at!(Debug, $($arg)+) };
}
pub(crate) use log_at;
pub(crate) use {log_debug as debug, log_error as error, log_info as info, log_warn as warn};

/// The datagram for /dev/log: `<PRI>homeport[PID]: message`, facility daemon (RFC 3164
/// §4.1.1: PRI = facility × 8 + severity; daemon is 3). No timestamp and no hostname:
/// OpenWrt's logd and busybox syslogd stamp each line with their own clock when it arrives
/// (logd drops a client timestamp anyway), and so do rsyslog and journald. Leaving it out
/// also keeps the `time` crate, which the syslog crate's own RFC 3164 formatter parsed a
/// format description with at every line, out of the binary (25 KB on mipsel); writing the
/// socket here keeps the syslog crate's other transports out too (cross/README.md).
fn syslog_line(pid: u32, level: Level, args: fmt::Arguments) -> String {
    // RFC 5424 §6.2.1 severities: 3 error, 4 warning, 6 informational, 7 debug.
    let severity = match level {
        Level::Error => 3,
        Level::Warn => 4,
        Level::Info => 6,
        Level::Debug => 7,
    };
    format!("<{}>homeport[{pid}]: {args}", 3 * 8 + severity)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(level: Level, msg: &str) -> String {
        syslog_line(4242, level, format_args!("{msg}"))
    }

    #[test]
    fn syslog_lines_carry_daemon_facility_severity_tag_and_pid() {
        // PRI = facility 3 (daemon) * 8 + severity.
        assert_eq!(line(Level::Error, "boom"), "<27>homeport[4242]: boom");
        assert_eq!(line(Level::Warn, "w"), "<28>homeport[4242]: w");
        assert_eq!(line(Level::Info, "up"), "<30>homeport[4242]: up");
        assert_eq!(line(Level::Debug, "d"), "<31>homeport[4242]: d");
    }

    fn scratch(tag: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("homeport-syslog-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn lines_reach_a_datagram_syslog_socket_after_missing_paths() {
        let dir = scratch("dgram");
        let (missing, path) = (dir.join("missing"), dir.join("log"));
        let server = UnixDatagram::bind(&path).unwrap();
        let paths = [missing.to_str().unwrap(), path.to_str().unwrap()];
        let mut sock = connect_syslog(&paths).unwrap();
        assert!(matches!(sock, Syslog::Datagram(_)));
        sock.send(line(Level::Info, "up")).unwrap();
        let mut buf = [0u8; 256];
        let n = server.recv(&mut buf).unwrap();
        assert_eq!(&buf[..n], b"<30>homeport[4242]: up");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_stream_syslog_socket_gets_nul_terminated_lines() {
        let dir = scratch("stream");
        let path = dir.join("log");
        let server = std::os::unix::net::UnixListener::bind(&path).unwrap();
        let mut sock = connect_syslog(&[path.to_str().unwrap()]).unwrap();
        assert!(matches!(sock, Syslog::Stream(_)));
        sock.send(line(Level::Error, "boom")).unwrap();
        sock.send(line(Level::Debug, "d")).unwrap();
        drop(sock);
        let mut got = Vec::new();
        std::io::Read::read_to_end(&mut server.accept().unwrap().0, &mut got).unwrap();
        assert_eq!(got, b"<27>homeport[4242]: boom\0<31>homeport[4242]: d\0");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn no_syslog_socket_is_an_error_naming_the_paths() {
        let dir = scratch("none");
        let missing = dir.join("missing");
        let e = connect_syslog(&[missing.to_str().unwrap()]).err().unwrap();
        assert_eq!(e.kind(), io::ErrorKind::NotFound);
        assert!(e.to_string().contains("missing"), "{e}");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_line_is_written_up_to_the_configured_level() {
        set_level(LogLevel::Warning);
        assert!(enabled(Level::Error) && enabled(Level::Warn));
        assert!(!enabled(Level::Info) && !enabled(Level::Debug));
        set_level(LogLevel::Debug);
        assert!(enabled(Level::Info) && enabled(Level::Debug));
        set_level(LogLevel::Error);
        assert!(enabled(Level::Error) && !enabled(Level::Warn));
    }

    #[test]
    fn the_dependencies_log_calls_are_compiled_out() {
        // rustls and ureq log through the `log` crate; nothing of theirs was ever written
        // (only homeport's lines are), so their formatting code is left out of the binary.
        assert_eq!(dependencies_log::STATIC_MAX_LEVEL, dependencies_log::LevelFilter::Off);
    }

    #[test]
    fn levels_map_onto_log_filters() {
        assert_eq!(level_filter(LogLevel::Error), Level::Error);
        assert_eq!(level_filter(LogLevel::Warning), Level::Warn);
        assert_eq!(level_filter(LogLevel::Notice), Level::Info);
        assert_eq!(level_filter(LogLevel::Info), Level::Info);
        assert_eq!(level_filter(LogLevel::Debug), Level::Debug);
    }
}
