//! Files written by commands appear whole or not at all: each is written under a `.partial`
//! name and renamed into place only after every file of the output is complete. Inputs are
//! read through the engine's bounded readers; an engine job's progress is drawn by [`Bars`].

use airdrop_engine::input::open_regular;
use airdrop_engine::{Event, Progress};
use airdrop_merkle::limits::{Bounded, MAX_INPUT_BYTES};
use anyhow::{Context, Result};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::fs::File;
use std::io::{BufWriter, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

/// A sink that writes either one file (`single`) or a folder of files.
#[derive(Debug)]
pub(crate) struct FileSink {
    base: PathBuf,
    single: bool,
    pending: Vec<(PathBuf, PathBuf)>,
}

impl FileSink {
    /// All files go under the folder `dir`.
    pub(crate) fn dir(dir: &Path) -> Self {
        FileSink {
            base: dir.to_owned(),
            single: false,
            pending: Vec::new(),
        }
    }

    /// The one output file goes to `path`, whatever its name inside the engine.
    pub(crate) fn file(path: &Path) -> Self {
        FileSink {
            base: path.to_owned(),
            single: true,
            pending: Vec::new(),
        }
    }

    /// Moves every finished file into place.
    pub(crate) fn commit(self) -> Result<Vec<PathBuf>> {
        let mut done = Vec::new();
        for (tmp, dest) in self.pending {
            std::fs::rename(&tmp, &dest)
                .with_context(|| format!("cannot move {} into place", dest.display()))?;
            done.push(dest);
        }
        Ok(done)
    }
}

impl airdrop_merkle::Sink for FileSink {
    fn create(&mut self, relative: &str) -> std::io::Result<Box<dyn Write + '_>> {
        let dest = if self.single {
            self.base.clone()
        } else {
            self.base.join(relative)
        };
        if let Some(parent) = dest.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)?;
        }
        let mut tmp = dest.clone().into_os_string();
        tmp.push(".partial");
        let tmp = PathBuf::from(tmp);
        let file = File::create(&tmp)?;
        self.pending.push((tmp, dest));
        Ok(Box::new(BufWriter::with_capacity(1 << 20, file)))
    }
}

/// Reads files of a multi-file output from a folder.
#[derive(Debug)]
pub(crate) struct DirFetch(pub PathBuf);

impl airdrop_merkle::verify::Fetch for DirFetch {
    fn open(&mut self, relative: &str) -> std::io::Result<Box<dyn Read + '_>> {
        Ok(Box::new(File::open(self.0.join(relative))?))
    }
}

/// Opens an input file (or standard input for `-`), naming it in the error. Only a regular
/// file of at most [`MAX_INPUT_BYTES`] is opened (a folder, `/dev/zero` or a FIFO is refused
/// before any byte is read); standard input is cut off at the same size.
pub(crate) fn open_input(path: &Path) -> Result<Box<dyn Read + Send>> {
    if path.as_os_str() == "-" {
        // `Stdin` (not its lock) is `Send`, so the CSV reader can hand it to another thread.
        return Ok(Box::new(Bounded::total(
            std::io::BufReader::with_capacity(1 << 20, std::io::stdin()),
            MAX_INPUT_BYTES,
        )));
    }
    let f = open_regular(path, MAX_INPUT_BYTES)
        .with_context(|| format!("cannot open {}", path.display()))?;
    Ok(Box::new(Bounded::total(
        std::io::BufReader::with_capacity(1 << 20, f),
        MAX_INPUT_BYTES,
    )))
}

/// Reads a whole input file of at most `cap` bytes, refusing anything but a regular file.
pub(crate) fn read_input_file(path: &Path, cap: u64) -> Result<Vec<u8>> {
    Ok(airdrop_engine::input::read_input_file(path, cap)?)
}

/// Draws an engine job's events on stderr: a spinner for the stages `labels` names, a bar
/// with counts for the others (a chain snapshot's phases), nothing for a stage labelled
/// `None`. Bars are drawn only when `draw` and stderr is a terminal; messages are always
/// printed.
#[derive(Debug)]
pub(crate) struct Bars {
    bar: Mutex<Option<ProgressBar>>,
    visible: bool,
    labels: &'static [(&'static str, Option<&'static str>)],
}

impl Bars {
    /// A renderer; `labels` gives the spinner text of the job's own stages.
    pub(crate) fn new(draw: bool, labels: &'static [(&'static str, Option<&'static str>)]) -> Self {
        Bars {
            bar: Mutex::new(None),
            visible: draw && std::io::stderr().is_terminal(),
            labels,
        }
    }

    /// Clears whatever is still drawn.
    pub(crate) fn finish(&self) {
        self.replace(None);
    }

    fn replace(&self, bar: Option<ProgressBar>) {
        if let Ok(mut slot) = self.bar.lock() {
            if let Some(old) = std::mem::replace(&mut *slot, bar) {
                old.finish_and_clear();
            }
        }
    }

    fn target(&self) -> ProgressDrawTarget {
        if self.visible {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        }
    }

    fn start(&self, stage: &str, total: u64) {
        let label = self.labels.iter().find(|(s, _)| *s == stage).map(|l| l.1);
        let bar = match label {
            Some(None) => None,
            Some(Some(text)) => {
                let pb = ProgressBar::with_draw_target(None, self.target());
                if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} [{elapsed}]") {
                    pb.set_style(style);
                }
                pb.set_message(text);
                pb.enable_steady_tick(Duration::from_millis(120));
                Some(pb)
            }
            None => {
                let pb = ProgressBar::with_draw_target(Some(total), self.target());
                if let Ok(style) = ProgressStyle::with_template(
                    "{prefix:>14} [{bar:30}] {pos}/{len} ({percent}%) {per_sec} ETA {eta}",
                ) {
                    pb.set_style(style.progress_chars("=> "));
                }
                pb.set_prefix(stage.to_owned());
                Some(pb)
            }
        };
        self.replace(bar);
    }
}

impl Progress for Bars {
    fn event(&self, event: Event) {
        match event {
            Event::Stage { stage, total } => self.start(&stage, total),
            Event::Done { done, total, .. } => {
                if let Ok(slot) = self.bar.lock() {
                    if let Some(bar) = slot.as_ref() {
                        if total > 0 {
                            bar.set_length(total);
                        }
                        bar.set_position(done);
                    }
                }
            }
            Event::Message { text } => match self.bar.lock().ok().and_then(|s| s.clone()) {
                Some(bar) if self.visible => bar.println(text),
                _ => eprintln!("{text}"),
            },
        }
    }
}

/// How an engine job's progress reaches stderr, from `AIRDROP_PROGRESS`: each command's own
/// rendering (`auto`, the default: bars on a terminal, messages as lines), every event as one
/// JSON object per line (`json`, for scripts and CI logs), or nothing (`none`). An environment
/// variable rather than a flag, so that no command's options or output change unless asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum ProgressMode {
    /// The command's own renderer.
    #[default]
    Auto,
    /// `{"event":"stage","stage":"tree","total":1000000}` lines.
    Json,
    /// Nothing.
    None,
}

static PROGRESS_MODE: std::sync::OnceLock<ProgressMode> = std::sync::OnceLock::new();

/// Reads `AIRDROP_PROGRESS` once, before any command runs.
pub(crate) fn init_progress_mode() -> Result<()> {
    let mode = match std::env::var("AIRDROP_PROGRESS").as_deref() {
        Err(_) | Ok("") | Ok("auto") => ProgressMode::Auto,
        Ok("json") => ProgressMode::Json,
        Ok("none") => ProgressMode::None,
        Ok(other) => anyhow::bail!(
            "AIRDROP_PROGRESS={other:?} is not a progress mode; use auto, json or none"
        ),
    };
    let _ = PROGRESS_MODE.set(mode);
    Ok(())
}

/// The sink a command hands an engine job: its own renderer `0` under `auto`, JSON lines or
/// silence under the other modes.
#[derive(Clone, Copy)]
pub(crate) struct Shown<'a>(pub(crate) &'a dyn Progress);

impl Progress for Shown<'_> {
    fn event(&self, event: Event) {
        match PROGRESS_MODE.get().copied().unwrap_or_default() {
            ProgressMode::Auto => self.0.event(event),
            ProgressMode::Json => {
                if let Ok(line) = serde_json::to_string(&event) {
                    eprintln!("{line}");
                }
            }
            ProgressMode::None => {}
        }
    }
}
