//! A Lambda execution environment in miniature, to time the real release bootstraps: the
//! Runtime API that a function's runtime client polls
//! (<https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html>), and a function process
//! started the way Lambda starts it, with Lambda's environment variables and nothing else.

mod runtime_api;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::Value;

pub use runtime_api::RuntimeApi;

/// How long the harness waits for an answer before giving up on the process.
const PATIENCE: Duration = Duration::from_secs(30);

/// A function's answer to one event.
pub struct Reply {
    pub body: Value,
    /// When the runtime posted it.
    pub at: Instant,
    /// From handing over the event to the answer.
    pub took: Duration,
}

/// How to start a function: its program and arguments, its task root, its handler setting and
/// its own configuration (the template's variables, the emulators' endpoints).
pub struct Launch {
    pub name: String,
    pub program: PathBuf,
    pub args: Vec<String>,
    pub dir: PathBuf,
    pub handler: String,
    pub env: Vec<(String, String)>,
    /// Where the process's stdout and stderr go (appended).
    pub log: PathBuf,
    /// The memory size the function is told it has (`AWS_LAMBDA_FUNCTION_MEMORY_SIZE`).
    pub memory_mb: u32,
    /// A CPU cgroup (v1, `/sys/fs/cgroup/cpu/...`) the process runs in from its first
    /// instruction: Lambda's CPU share for `memory_mb`, set by `scripts/bench cpu-share`.
    pub cgroup: Option<PathBuf>,
}

/// One execution environment: its Runtime API and its function process.
pub struct Function {
    api: RuntimeApi,
    child: std::process::Child,
    pid: u32,
    log: PathBuf,
    /// Just before the process was spawned.
    pub spawned: Instant,
}

impl Function {
    /// Starts the Runtime API, then the process with Lambda's environment (no inherited one).
    pub async fn start(launch: &Launch) -> Self {
        let api = RuntimeApi::start(&launch.name).await;
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&launch.log)
            .unwrap_or_else(|e| panic!("open {}: {e}", launch.log.display()));
        let mut command = std::process::Command::new(&launch.program);
        command
            .args(&launch.args)
            .current_dir(&launch.dir)
            .env_clear()
            .envs(lambda_environment(launch, api.addr))
            .envs(launch.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log handle"))
            .stderr(log);
        if let Some(cgroup) = &launch.cgroup {
            join_cgroup(&mut command, cgroup.join("cgroup.procs"));
        }
        let spawned = Instant::now();
        let child = command.spawn().unwrap_or_else(|e| panic!("start {}: {e}", launch.program.display()));
        let pid = child.id();
        Self { api, child, pid, log: launch.log.clone(), spawned }
    }

    /// Sends one event and waits for the function's answer (a failed invocation, an exited
    /// process or 30 s without an answer end the benchmark with the function's last log lines).
    pub async fn invoke(&mut self, event: &Value) -> Reply {
        let (answer, submitted) = self.api.submit(event);
        let outcome = tokio::select! {
            outcome = tokio::time::timeout(PATIENCE, answer) => match outcome {
                Ok(Ok(outcome)) => outcome,
                Ok(Err(_)) => Err("the runtime API dropped the invocation".to_owned()),
                Err(_) => Err(format!("no answer within {} s", PATIENCE.as_secs())),
            },
            status = exited(&mut self.child) => Err(format!("the process exited: {status}")),
        };
        let at = Instant::now();
        match outcome.map(|body| serde_json::from_slice::<Value>(&body)) {
            Ok(Ok(body)) => Reply { body, at, took: at - submitted },
            Ok(Err(e)) => self.fail(&format!("the answer is not JSON: {e}")),
            Err(e) => self.fail(&e),
        }
    }

    fn fail(&self, why: &str) -> ! {
        let log = std::fs::read_to_string(&self.log).unwrap_or_default();
        let tail: Vec<&str> = log.lines().rev().take(20).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        panic!("{why}\nlast lines of {}:\n{}", self.log.display(), tail.join("\n"));
    }

    /// From spawn to the first `GET /next`.
    pub fn init_time(&self) -> Duration {
        self.api.first_poll().expect("the runtime has polled for an event") - self.spawned
    }

    /// The process's peak resident set size so far (`VmHWM`), in bytes.
    pub fn peak_rss(&self) -> u64 {
        peak_rss(self.pid).unwrap_or_else(|| self.fail("no VmHWM in /proc/<pid>/status"))
    }
}

/// Moves the process into the cgroup whose `cgroup.procs` is `procs` between fork and exec, so
/// that all it runs (its runtime's start-up included) is throttled, and the harness is not.
fn join_cgroup(command: &mut std::process::Command, procs: PathBuf) {
    use std::io::Write;
    use std::os::unix::process::CommandExt;
    // SAFETY: the closure runs in the forked child before exec, where only async-signal-safe
    // work is sound. It opens a short path (std converts it on the stack, no allocation) and
    // writes "0", which moves the writing process itself; nothing locks or allocates.
    unsafe {
        command.pre_exec(move || std::fs::OpenOptions::new().write(true).open(&procs)?.write_all(b"0"));
    }
}

/// Ends the process (as Lambda ends an environment) and reaps it.
impl Drop for Function {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Resolves when the process has exited (checked every 20 ms; only a failure waits for it).
async fn exited(child: &mut std::process::Child) -> std::process::ExitStatus {
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            return status;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// `VmHWM` of a live process, in bytes.
pub fn peak_rss(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// The variables Lambda sets for every function (an on-demand function of `memory_mb`), with the
/// caller's credentials and region: the emulators keep data per access key and region.
fn lambda_environment(launch: &Launch, api: SocketAddr) -> Vec<(String, String)> {
    let inherited = |name: &str| std::env::var(name).unwrap_or_default();
    let region = std::env::var("AWS_REGION").unwrap_or_else(|_| "us-east-1".into());
    let task_root = launch.dir.display().to_string();
    [
        ("AWS_LAMBDA_RUNTIME_API", api.to_string()),
        ("AWS_LAMBDA_FUNCTION_NAME", launch.name.clone()),
        ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST".into()),
        ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", launch.memory_mb.to_string()),
        ("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand".into()),
        ("AWS_LAMBDA_LOG_GROUP_NAME", format!("/aws/lambda/{}", launch.name)),
        ("AWS_LAMBDA_LOG_STREAM_NAME", "2026/01/01/[$LATEST]0123456789abcdef".into()),
        ("AWS_EXECUTION_ENV", "AWS_Lambda_bench".into()),
        ("AWS_REGION", region.clone()),
        ("AWS_DEFAULT_REGION", region),
        ("AWS_ACCESS_KEY_ID", inherited("AWS_ACCESS_KEY_ID")),
        ("AWS_SECRET_ACCESS_KEY", inherited("AWS_SECRET_ACCESS_KEY")),
        ("AWS_SESSION_TOKEN", "bench-session-token".into()),
        ("_HANDLER", launch.handler.clone()),
        ("LAMBDA_TASK_ROOT", task_root),
        ("LANG", "en_US.UTF-8".into()),
        ("TZ", ":UTC".into()),
        ("PATH", "/usr/local/bin:/usr/bin:/bin".into()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect()
}

/// The log file of a function for this run: its folder created, its old content gone.
pub fn fresh_log(dir: &Path, name: &str) -> PathBuf {
    std::fs::create_dir_all(dir).unwrap_or_else(|e| panic!("create {}: {e}", dir.display()));
    let path = dir.join(format!("{name}.log"));
    let _ = std::fs::remove_file(&path);
    path
}
