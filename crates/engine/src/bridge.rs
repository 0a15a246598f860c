//! The chain crate's own progress (`phase`/`set`/`note`/`finish`) as engine [`Event`]s, and its
//! async calls run to completion or until the job is cancelled.

use crate::{Cancel, EngineError, Progress, Result};
use std::future::Future;
use std::sync::Mutex;
use std::time::Duration;

/// Forwards a chain snapshot's progress to an engine [`Progress`]: a phase is a stage, `set`
/// a `done` of it (never falling, as the engine promises), a note a message.
pub(crate) struct ChainProgress<'a> {
    progress: &'a dyn Progress,
    /// The current phase: its name, total and the highest `done` sent.
    stage: Mutex<(String, u64, u64)>,
}

impl<'a> ChainProgress<'a> {
    /// Forwards to `progress`.
    pub(crate) fn new(progress: &'a dyn Progress) -> Self {
        ChainProgress {
            progress,
            stage: Mutex::new((String::new(), 0, 0)),
        }
    }
}

impl airdrop_chain::Progress for ChainProgress<'_> {
    fn phase(&self, name: &str, total: u64) {
        if let Ok(mut s) = self.stage.lock() {
            *s = (name.to_owned(), total, 0);
        }
        self.progress.stage(name, total);
    }

    fn set(&self, done: u64) {
        let current = self.stage.lock().ok().and_then(|mut s| {
            if done < s.2 {
                return None;
            }
            s.2 = done;
            Some((s.0.clone(), s.1))
        });
        if let Some((stage, total)) = current {
            self.progress.done(&stage, done, total);
        }
    }

    fn note(&self, line: &str) {
        self.progress.message(line);
    }

    fn finish(&self) {}
}

/// How often a running chain call looks at the cancel flag.
const CANCEL_POLL: Duration = Duration::from_millis(100);

/// Runs `fut` on a runtime of its own (two workers: the calls are network-bound) until it ends
/// or `cancel` is raised; then the call is dropped where it stands (a checkpoint keeps what
/// it had, so a rerun resumes).
pub(crate) fn block_on_cancellable<T>(
    cancel: &Cancel,
    fut: impl Future<Output = airdrop_chain::Result<T>>,
) -> Result<T> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| EngineError::file("cannot start the async runtime", e))?;
    runtime.block_on(async {
        tokio::select! {
            r = fut => r.map_err(EngineError::Chain),
            () = cancelled(cancel) => Err(EngineError::Cancelled),
        }
    })
}

async fn cancelled(cancel: &Cancel) {
    while !cancel.is_cancelled() {
        tokio::time::sleep(CANCEL_POLL).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Collect, Event};
    use airdrop_chain::Progress as _;

    #[test]
    fn phases_become_stages_and_done_never_falls() {
        let c = Collect::default();
        let b = ChainProgress::new(&c);
        b.phase("logs", 10);
        b.set(4);
        b.set(3);
        b.note("resuming");
        b.set(10);
        let e = c.events();
        assert_eq!(e.len(), 4, "{e:?}");
        assert!(matches!(&e[0], Event::Stage { stage, total: 10 } if stage == "logs"));
        assert!(matches!(&e[1], Event::Done { done: 4, .. }));
        assert!(matches!(&e[2], Event::Message { text } if text == "resuming"));
        assert!(matches!(
            &e[3],
            Event::Done {
                done: 10,
                total: 10,
                ..
            }
        ));
    }

    #[test]
    fn a_raised_flag_ends_a_call_that_never_returns() {
        let cancel = Cancel::new();
        cancel.cancel();
        let r: Result<()> = block_on_cancellable(&cancel, std::future::pending());
        assert!(matches!(r, Err(EngineError::Cancelled)));
    }
}
