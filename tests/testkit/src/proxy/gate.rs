//! A gate in the DynamoDB proxy: it holds chosen calls until a given number of them have
//! arrived, then lets them all go at once. A race test that passes through it knows its
//! requests overlapped: every one of them had planned its write before any write landed.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Semaphore;

/// How long a held call waits for the others. A test whose requests never all arrive (they did
/// not overlap, or one failed before writing) is released then and sees it in the report.
const HOLD_LIMIT: Duration = Duration::from_secs(10);

pub(super) struct Gate {
    operations: Vec<String>,
    /// Matching calls let through before the gate starts holding.
    skip: usize,
    /// Calls held per round; each round opens when it is full.
    size: usize,
    rounds: usize,
    arrived: usize,
    timed_out: usize,
    open: Arc<Semaphore>,
}

/// What the gate saw: how many calls it held, and how many gave up waiting for the rest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GateReport {
    pub held: usize,
    pub timed_out: usize,
}

impl GateReport {
    /// All `n` calls were held and released together.
    pub fn released_together(&self, n: usize) -> bool {
        self.held == n && self.timed_out == 0
    }
}

impl Gate {
    pub(super) fn new(operations: &[&str], skip: usize, size: usize, rounds: usize) -> Self {
        Self {
            operations: operations.iter().map(|o| (*o).to_owned()).collect(),
            skip,
            size,
            rounds,
            arrived: 0,
            timed_out: 0,
            open: Arc::new(Semaphore::new(0)),
        }
    }

    /// Takes a call of `operation` into the gate while it has room; the last one to arrive in
    /// a round opens it for the whole round (and the next round starts closed). Calls after the
    /// last round pass freely.
    pub(super) fn admit(&mut self, operation: &str) -> Option<Arc<Semaphore>> {
        if !self.operations.iter().any(|o| o == operation) {
            return None;
        }
        if self.skip > 0 {
            self.skip -= 1;
            return None;
        }
        if self.arrived == self.size * self.rounds {
            return None;
        }
        self.arrived += 1;
        let round = self.open.clone();
        if self.arrived.is_multiple_of(self.size) {
            round.add_permits(self.size);
            self.open = Arc::new(Semaphore::new(0));
        }
        Some(round)
    }

    pub(super) fn gave_up(&mut self) {
        self.timed_out += 1;
    }

    pub(super) fn report(&self) -> GateReport {
        GateReport { held: self.arrived, timed_out: self.timed_out }
    }
}

/// Waits until the gate opens; false if it did not open in time.
pub(super) async fn pass(open: Arc<Semaphore>) -> bool {
    match tokio::time::timeout(HOLD_LIMIT, open.acquire()).await {
        Ok(Ok(permit)) => {
            permit.forget();
            true
        }
        _ => false,
    }
}
