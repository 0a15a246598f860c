//! Typed progress of a job. The CLI draws these with indicatif (or prints them as `--json`
//! lines); the server stores the last one on the job and streams them over SSE. Every job emits
//! at least one [`Event::Stage`] per stage and a `done` that never falls within a stage.

use serde::Serialize;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

/// One thing a job reports while it runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    /// A stage begins. `total` units of work, 0 when unknown.
    Stage {
        /// Short lowercase name (`"read"`, `"allocate"`, `"tree"`, `"logs"`, `"batches"`, …).
        stage: String,
        /// Units of work in this stage; 0 when unknown.
        total: u64,
    },
    /// `done` of `total` units of the named stage are finished.
    Done {
        /// The stage this counts.
        stage: String,
        /// Units finished so far; never falls within a stage.
        done: u64,
        /// Units in the stage; 0 when unknown.
        total: u64,
    },
    /// A line worth telling the user (a resume point, a skipped batch, a result).
    Message {
        /// The text, without paths of the machine running the job when run for the server.
        text: String,
    },
}

/// Receives a job's events. Called from the job's own thread or task: keep it cheap.
pub trait Progress: Send + Sync {
    /// One event.
    fn event(&self, event: Event);

    /// A stage begins.
    fn stage(&self, stage: &str, total: u64) {
        self.event(Event::Stage {
            stage: stage.to_owned(),
            total,
        });
    }

    /// `done` of `total` of `stage`.
    fn done(&self, stage: &str, done: u64, total: u64) {
        self.event(Event::Done {
            stage: stage.to_owned(),
            done,
            total,
        });
    }

    /// A message line.
    fn message(&self, text: &str) {
        self.event(Event::Message {
            text: text.to_owned(),
        });
    }
}

/// Reports nothing.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoProgress;

impl Progress for NoProgress {
    fn event(&self, _event: Event) {}
}

/// Keeps every event, for tests and for callers that render at the end.
#[derive(Debug, Default)]
pub struct Collect(Mutex<Vec<Event>>);

impl Collect {
    /// The events so far.
    pub fn events(&self) -> Vec<Event> {
        self.0.lock().map(|v| v.clone()).unwrap_or_default()
    }
}

impl Progress for Collect {
    fn event(&self, event: Event) {
        if let Ok(mut v) = self.0.lock() {
            v.push(event);
        }
    }
}

/// Asks a running job to stop at its next safe point (between batches, stages or windows):
/// what it already sent or wrote stays recorded, so a rerun resumes.
#[derive(Debug, Default, Clone)]
pub struct Cancel(Arc<AtomicBool>);

impl Cancel {
    /// A flag nobody has raised yet.
    pub fn new() -> Self {
        Cancel::default()
    }

    /// Raises the flag; every clone sees it.
    pub fn cancel(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    /// Whether the flag is raised.
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }

    /// `Err(Cancelled)` once the flag is raised: call it at every safe point.
    pub fn check(&self) -> crate::Result<()> {
        if self.is_cancelled() {
            Err(crate::EngineError::Cancelled)
        } else {
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collect_keeps_events_in_order() {
        let c = Collect::default();
        c.stage("read", 2);
        c.done("read", 1, 2);
        c.message("half");
        assert_eq!(
            c.events(),
            vec![
                Event::Stage {
                    stage: "read".into(),
                    total: 2
                },
                Event::Done {
                    stage: "read".into(),
                    done: 1,
                    total: 2
                },
                Event::Message {
                    text: "half".into()
                },
            ]
        );
    }

    #[test]
    fn events_serialise_with_a_tag() -> Result<(), serde_json::Error> {
        let e = Event::Done {
            stage: "tree".into(),
            done: 3,
            total: 9,
        };
        assert_eq!(
            serde_json::to_string(&e)?,
            r#"{"event":"done","stage":"tree","done":3,"total":9}"#
        );
        Ok(())
    }

    #[test]
    fn cancel_is_seen_by_clones() {
        let c = Cancel::new();
        let d = c.clone();
        assert!(d.check().is_ok());
        c.cancel();
        assert!(matches!(d.check(), Err(crate::EngineError::Cancelled)));
    }
}
