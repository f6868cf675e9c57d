//! Processes of the built server binary (`CARGO_BIN_EXE_replichat`), for the tests
//! that need more than one server or a real crash.
//!
//! Each process runs in a temporary directory of its own (its working directory, where
//! its output is captured in `output.log`, and where its configuration is written as a
//! `Rocket.toml` of its own) on a port found free by binding port 0. It is killed when
//! dropped; a test that panics prints the output of its processes.

use super::http::Http;
use replichat::config::AppConfig;
use replichat_test_support::config::test_config;
use rocket::config::LogLevel;
use std::fs::File;
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// How long a process may take from spawn to a healthy `/healthz`.
pub const STARTUP: Duration = Duration::from_secs(20);

/// One running (or stopped) server process.
pub struct ServerProcess {
    /// A client of this process.
    pub http: Http,
    /// Its port, kept across restarts.
    pub port: u16,
    label: String,
    child: Option<Child>,
    dir: tempfile::TempDir,
}

/// A server process being configured: its `AppConfig` (the test configuration with a
/// pool of 4 until edited) and Rocket's log level (`normal` until set).
pub struct ServerBuilder {
    label: String,
    config: AppConfig,
    log_level: LogLevel,
}

impl ServerBuilder {
    /// Edits the configuration.
    pub fn configure(mut self, edit: impl FnOnce(&mut AppConfig)) -> Self {
        edit(&mut self.config);
        self
    }

    /// Sets Rocket's log level.
    pub fn log_level(mut self, level: LogLevel) -> Self {
        self.log_level = level;
        self
    }

    /// Spawns the server without waiting for it.
    pub fn spawn(self) -> ServerProcess {
        let port = free_port();
        let mut process = ServerProcess {
            http: Http::new(port),
            port,
            label: self.label,
            child: None,
            dir: tempfile::tempdir().expect("process directory"),
        };
        let settings = rocket_toml(&self.config, self.log_level, port);
        std::fs::write(process.config_path(), settings).expect("process configuration");
        process.launch();
        process
    }

    /// Spawns the server and waits until `/healthz` answers 200.
    pub fn start(self) -> ServerProcess {
        let mut process = self.spawn();
        process.wait_ready(STARTUP);
        process
    }
}

/// The `Rocket.toml` of a process: Rocket's own settings and `config`, in `[default]`.
fn rocket_toml(config: &AppConfig, log_level: LogLevel, port: u16) -> String {
    let mut table = toml::Table::try_from(config).expect("the configuration is TOML");
    let rocket_settings = [
        ("address", toml::Value::from("127.0.0.1")),
        ("port", toml::Value::from(i64::from(port))),
        ("log_level", toml::Value::from(log_level.to_string())),
        ("cli_colors", toml::Value::from(false)),
    ];
    for (key, value) in rocket_settings {
        table.insert(key.to_string(), value);
    }
    let mut file = toml::Table::new();
    file.insert("default".to_string(), toml::Value::Table(table));
    file.to_string()
}

impl ServerProcess {
    /// A server process on `database_url`, to configure and start.
    pub fn builder(label: &str, database_url: &str) -> ServerBuilder {
        let mut config = test_config(database_url);
        config.database.pool_size = 4;
        ServerBuilder {
            label: label.to_string(),
            config,
            log_level: LogLevel::Normal,
        }
    }

    /// Spawns the server with the test configuration and waits until it is ready.
    pub fn start(label: &str, database_url: &str) -> ServerProcess {
        Self::builder(label, database_url).start()
    }

    fn launch(&mut self) {
        assert!(self.child.is_none(), "{} is already running", self.label);
        let log = File::options()
            .create(true)
            .append(true)
            .open(self.log_path())
            .expect("process log");
        let mut command = Command::new(env!("CARGO_BIN_EXE_replichat"));
        command
            .current_dir(self.dir.path())
            .env_remove("ROCKET_PROFILE")
            .env_remove("DATABASE_URL")
            .env("ROCKET_CONFIG", self.config_path())
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log handle"))
            .stderr(log);
        die_with_parent(&mut command);
        self.child = Some(command.spawn().expect("spawn the server binary"));
    }

    /// Polls `/healthz` until it answers 200; panics (with the output) when the
    /// process exits or `within` passes first.
    pub fn wait_ready(&mut self, within: Duration) {
        let deadline = Instant::now() + within;
        loop {
            if let Some(status) = self.try_exit_status() {
                panic!("{} exited during start-up ({status})", self.label);
            }
            if self.http.get("/healthz").is_ok_and(|a| a.status == 200) {
                return;
            }
            assert!(Instant::now() < deadline, "{} did not start", self.label);
            std::thread::sleep(Duration::from_millis(25));
        }
    }

    /// The exit status if the process has ended (reaping it), without waiting.
    pub fn try_exit_status(&mut self) -> Option<ExitStatus> {
        let child = self.child.as_mut()?;
        let status = child.try_wait().expect("query the child")?;
        self.child = None;
        Some(status)
    }

    /// Waits up to `within` for the process to end.
    pub fn wait_exit(&mut self, within: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + within;
        while self.child.is_some() && Instant::now() < deadline {
            if let Some(status) = self.try_exit_status() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        None
    }

    /// Sends SIGTERM (graceful shutdown).
    pub fn terminate(&self) {
        let child = self.child.as_ref().expect("the process runs");
        let pid = libc::pid_t::try_from(child.id()).expect("pid");
        // SAFETY: kill(2) on our own, not yet reaped child: the pid cannot be reused.
        assert_eq!(unsafe { libc::kill(pid, libc::SIGTERM) }, 0, "SIGTERM");
    }

    /// Sends SIGKILL (`kill -9`) and reaps the process.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts the process again with the same settings and port, and waits for it.
    pub fn restart(&mut self) {
        self.launch();
        self.wait_ready(STARTUP);
    }

    /// Everything the process (and its earlier runs) printed.
    pub fn output(&self) -> String {
        std::fs::read_to_string(self.log_path()).unwrap_or_default()
    }

    fn log_path(&self) -> PathBuf {
        self.dir.path().join("output.log")
    }

    fn config_path(&self) -> PathBuf {
        self.dir.path().join("Rocket.toml")
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        self.kill();
        if std::thread::panicking() {
            let output = self.output();
            let tail: Vec<&str> = output.lines().rev().take(60).collect();
            eprintln!(
                "---- last lines of {} (port {}) ----",
                self.label, self.port
            );
            for line in tail.iter().rev() {
                eprintln!("{line}");
            }
        }
    }
}

/// A port nothing listens on right now.
pub fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind port 0");
    listener.local_addr().expect("local address").port()
}

/// On Linux the child gets SIGKILL when the thread that spawned it ends, so that even
/// a test binary killed mid-run leaks no server. Servers must therefore be spawned by
/// the test's own thread, which outlives them.
#[cfg(target_os = "linux")]
fn die_with_parent(command: &mut Command) {
    use std::os::unix::process::CommandExt;
    // SAFETY: prctl is async-signal-safe and touches no memory of the parent.
    unsafe {
        command.pre_exec(|| {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) == 0 {
                Ok(())
            } else {
                Err(std::io::Error::last_os_error())
            }
        });
    }
}

#[cfg(not(target_os = "linux"))]
fn die_with_parent(_command: &mut Command) {}
