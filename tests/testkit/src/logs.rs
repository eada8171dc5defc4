//! The service's log format for the whole test process, written to a buffer per thread that
//! asks for it (and nowhere otherwise), so a test can read the lines its own requests logged.
//!
//! One global subscriber, installed before any handler runs: tracing caches per call site
//! whether anyone listens, and a subscriber set for one thread while other threads register
//! call sites can miss some of them.

use std::cell::RefCell;
use std::io::Write;
use std::sync::{Arc, Mutex, Once};

use tracing_subscriber::EnvFilter;

thread_local! {
    static CAPTURE: RefCell<Option<Arc<Mutex<Vec<u8>>>>> = const { RefCell::new(None) };
}

struct ThreadWriter;

impl Write for ThreadWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        CAPTURE.with(|c| {
            if let Some(out) = &*c.borrow() {
                out.lock().expect("log buffer").extend_from_slice(buf);
            }
        });
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Installs the process-wide subscriber (once; `TestApi::new` calls this).
pub fn install() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let subscriber = shared::telemetry::subscriber(|| ThreadWriter, EnvFilter::new("info"));
        let _ = tracing::subscriber::set_global_default(subscriber);
        // Metric lines go where the function's output goes: into the same capture.
        shared::metrics::set_sink(|line| {
            let _ = ThreadWriter.write_all(format!("{line}\n").as_bytes());
        });
    });
}

/// What this thread logs while the returned guard lives.
pub fn capture_this_thread() -> Captured {
    install();
    let out = Arc::new(Mutex::new(Vec::new()));
    CAPTURE.with(|c| *c.borrow_mut() = Some(out.clone()));
    Captured(out)
}

pub struct Captured(Arc<Mutex<Vec<u8>>>);

impl Captured {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().expect("log buffer")).into_owned()
    }
}

impl Drop for Captured {
    fn drop(&mut self) {
        CAPTURE.with(|c| *c.borrow_mut() = None);
    }
}
