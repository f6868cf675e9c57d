//! Processes of the built server binary (`CARGO_BIN_EXE_replichat`), for the tests
//! that need more than one server or a real crash.
//!
//! Each process runs in a temporary directory of its own (its working directory, where
//! its output is captured in `output.log`) on a port found free by binding port 0. It
//! is killed when dropped; a test that panics prints the output of its processes.

use super::http::Http;
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
    env: Vec<(String, String)>,
    child: Option<Child>,
    dir: tempfile::TempDir,
}

impl ServerProcess {
    /// Spawns the server on `database_url` without waiting for it. `env` adds or
    /// overrides `ROCKET_*` settings (defaults: pool of 4, request log on, normal logs).
    pub fn spawn(label: &str, database_url: &str, env: &[(&str, &str)]) -> ServerProcess {
        let port = free_port();
        let mut all = vec![
            ("DATABASE_URL", database_url.to_string()),
            ("ROCKET_ADDRESS", "127.0.0.1".into()),
            ("ROCKET_PORT", port.to_string()),
            ("ROCKET_POOL_SIZE", "4".into()),
            ("ROCKET_LOG_LEVEL", "normal".into()),
            ("ROCKET_CLI_COLORS", "false".into()),
            ("ROCKET_CONFIG", manifest_file("Rocket.toml")),
        ];
        all.extend(env.iter().map(|(k, v)| (*k, v.to_string())));
        let mut process = ServerProcess {
            http: Http::new(port),
            port,
            label: label.to_string(),
            env: all.into_iter().map(|(k, v)| (k.to_string(), v)).collect(),
            child: None,
            dir: tempfile::tempdir().expect("process directory"),
        };
        process.launch();
        process
    }

    /// Spawns the server and waits until `/healthz` answers 200.
    pub fn start(label: &str, database_url: &str, env: &[(&str, &str)]) -> ServerProcess {
        let mut process = Self::spawn(label, database_url, env);
        process.wait_ready(STARTUP);
        process
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
            .envs(self.env.iter().map(|(k, v)| (k, v)))
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

fn manifest_file(name: &str) -> String {
    format!("{}/{name}", env!("CARGO_MANIFEST_DIR"))
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
