//! Starting a userpools server for a run, and reading a server process's CPU time and
//! memory from `/proc`.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context as _};

/// Kernel clock ticks per second of `/proc/<pid>/stat` times (`USER_HZ`, 100 on every
/// Linux architecture the server runs on).
const TICKS_PER_SECOND: f64 = 100.0;

/// CPU time and memory of a process at one instant.
#[derive(Debug, Clone, Copy, Default)]
pub struct ProcSample {
    /// User + system CPU seconds of all the process's threads so far.
    pub cpu_seconds: f64,
    /// Peak resident set size so far (`VmHWM`), bytes.
    pub peak_rss: u64,
    /// Current resident set size (`VmRSS`), bytes.
    pub rss: u64,
}

/// Reads `/proc/<pid>/stat` and `/proc/<pid>/status`; `None` if the process is gone.
pub fn sample(pid: u32) -> Option<ProcSample> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name (which may contain spaces) start at `)`.
    let after = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = after.split(' ').collect();
    // utime and stime are fields 14 and 15 of the whole line: 11 and 12 after `)`.
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let kib = |name: &str| -> u64 {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|n| n.parse().ok())
            .unwrap_or(0)
            * 1024
    };
    Some(ProcSample {
        cpu_seconds: (utime + stime) / TICKS_PER_SECOND,
        peak_rss: kib("VmHWM:"),
        rss: kib("VmRSS:"),
    })
}

/// A userpools server started by the load tool, with a temporary data dir; killed and
/// cleaned up on drop.
pub struct SpawnedServer {
    child: Child,
    /// Its data directory.
    pub data_dir: PathBuf,
    /// `http://127.0.0.1:<port>`.
    pub endpoint: String,
    /// The binary (also used for `userpools seed`).
    pub binary: PathBuf,
}

impl SpawnedServer {
    /// Starts `binary serve` on a free loopback port with the given root credentials and
    /// waits until `/health` answers.
    pub fn start(
        binary: &Path,
        extra_args: &[String],
        access_key: &str,
        secret_key: &str,
        region: &str,
    ) -> anyhow::Result<Self> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let data_dir =
            std::env::temp_dir().join(format!("userpools-bench-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&data_dir)?;
        // Cognito's default request-rate quotas (30 AdminSetUserPassword/s) would measure
        // throttling, not the server; the peers enforce none. A given --config wins.
        let mut config_args = Vec::new();
        if !extra_args.iter().any(|a| a == "--config") {
            let config = data_dir.join("bench-config.toml");
            std::fs::write(&config, "[quotas]\nenabled = false\n")?;
            config_args = vec!["--config".into(), config.display().to_string()];
        }
        let child = Command::new(binary)
            .arg("serve")
            .arg("--listen")
            .arg(format!("127.0.0.1:{port}"))
            .arg("--data-dir")
            .arg(&data_dir)
            .arg("--region")
            .arg(region)
            .args(&config_args)
            .args(extra_args)
            .env("USERPOOLS_ACCESS_KEY_ID", access_key)
            .env("USERPOOLS_SECRET_ACCESS_KEY", secret_key)
            .env(
                "USERPOOLS_LOG",
                std::env::var("USERPOOLS_LOG").unwrap_or_else(|_| "warn".into()),
            )
            .stdout(Stdio::null())
            .spawn()
            .with_context(|| format!("starting {}", binary.display()))?;
        let mut server = Self {
            child,
            data_dir,
            endpoint: format!("http://127.0.0.1:{port}"),
            binary: binary.to_owned(),
        };
        server.wait_healthy(port)?;
        Ok(server)
    }

    fn wait_healthy(&mut self, port: u16) -> anyhow::Result<()> {
        use std::io::{Read as _, Write as _};
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait()? {
                bail!("the server exited during start-up: {status}");
            }
            if let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", port)) {
                let _ = stream.write_all(
                    b"GET /health HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\n\r\n",
                );
                let mut reply = String::new();
                let _ = stream.read_to_string(&mut reply);
                if reply.starts_with("HTTP/1.1 200") {
                    return Ok(());
                }
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        bail!("the server did not become healthy within 30 s")
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for SpawnedServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.data_dir);
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn samples_this_process() {
        let s = super::sample(std::process::id()).expect("own /proc entry");
        assert!(s.peak_rss >= s.rss && s.rss > 0);
        assert!(s.cpu_seconds >= 0.0);
        assert!(super::sample(u32::MAX).is_none());
    }
}
