//! A gate in the DynamoDB proxy: it holds chosen calls until a given number of them have
//! arrived, then lets them all go at once. A race test that passes through it knows its
//! requests overlapped: every one of them had planned its write before any write landed.
//! A steered gate holds its calls until the test lets each one go, in the order it chooses,
//! so an interleaving that free release seldom gives is tried on purpose.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Semaphore;

/// How long a held call waits for the others. A test whose requests never all arrive (they did
/// not overlap, or one failed before writing) is released then and sees it in the report.
const HOLD_LIMIT: Duration = Duration::from_secs(10);
/// How long a call held by a steered gate waits for the test to let it go: the calls let go
/// before it run their requests to the end first.
const STEERED_HOLD_LIMIT: Duration = Duration::from_secs(30);

pub(super) struct Gate {
    operations: Vec<String>,
    /// Matching calls let through before the gate starts holding.
    skip: usize,
    /// Calls held in each round, in order; each round opens when it is full.
    rounds: Vec<usize>,
    /// The round being filled (`rounds.len()` once all have opened).
    round: usize,
    /// Calls arrived in the round being filled.
    in_round: usize,
    arrived: usize,
    timed_out: usize,
    open: Arc<Semaphore>,
    /// A steered gate's calls, in arrival order, each with its own way out (`release`); None
    /// for a gate whose rounds open themselves.
    steered: Option<Vec<Arc<Semaphore>>>,
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
    /// Holds rounds of `rounds[i]` calls, each opening when full, after `skip` that pass.
    pub(super) fn new(operations: &[&str], skip: usize, rounds: &[usize]) -> Self {
        Self {
            operations: operations.iter().map(|o| (*o).to_owned()).collect(),
            skip,
            rounds: rounds.to_vec(),
            round: 0,
            in_round: 0,
            arrived: 0,
            timed_out: 0,
            open: Arc::new(Semaphore::new(0)),
            steered: None,
        }
    }

    /// Holds the next `n` calls, after `skip` that pass, until the test releases each
    /// (`release`).
    pub(super) fn steered(operations: &[&str], skip: usize, n: usize) -> Self {
        Self { steered: Some(Vec::new()), ..Self::new(operations, skip, &[n]) }
    }

    /// Takes a call of `operation` into the gate while it has room; the last one to arrive in
    /// a round opens it for the whole round (and the next round starts closed). Calls after the
    /// last round pass freely. Returns what the call waits on and for how long at most.
    pub(super) fn admit(&mut self, operation: &str) -> Option<(Arc<Semaphore>, Duration)> {
        if !self.operations.iter().any(|o| o == operation) {
            return None;
        }
        if self.skip > 0 {
            self.skip -= 1;
            return None;
        }
        if self.round == self.rounds.len() {
            return None;
        }
        self.arrived += 1;
        self.in_round += 1;
        let size = self.rounds[self.round];
        let full = self.in_round == size;
        if full {
            self.round += 1;
            self.in_round = 0;
        }
        if let Some(each) = self.steered.as_mut() {
            let own = Arc::new(Semaphore::new(0));
            each.push(own.clone());
            return Some((own, STEERED_HOLD_LIMIT));
        }
        let round = self.open.clone();
        if full {
            round.add_permits(size);
            self.open = Arc::new(Semaphore::new(0));
        }
        Some((round, HOLD_LIMIT))
    }

    /// Lets a steered gate's call go: the `arrival`th (from 0) to arrive. Refused (false)
    /// before every call the gate holds has arrived, or when it does not hold that many.
    pub(super) fn release(&mut self, arrival: usize) -> bool {
        let all_arrived = self.round == self.rounds.len();
        match self.steered.as_ref().and_then(|each| each.get(arrival)) {
            Some(own) if all_arrived => {
                own.add_permits(1);
                true
            }
            _ => false,
        }
    }

    pub(super) fn gave_up(&mut self) {
        self.timed_out += 1;
    }

    pub(super) fn report(&self) -> GateReport {
        GateReport { held: self.arrived, timed_out: self.timed_out }
    }
}

/// Waits until the gate lets the call go; false if it did not within `limit`.
pub(super) async fn pass((open, limit): (Arc<Semaphore>, Duration)) -> bool {
    match tokio::time::timeout(limit, open.acquire()).await {
        Ok(Ok(permit)) => {
            permit.forget();
            true
        }
        _ => false,
    }
}
