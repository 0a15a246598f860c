//! The `airdrop tax` job: reads the events, prices and disposals files through the bounded
//! readers, computes the tax year ([`airdrop_core::tax`]) and writes its four files into a
//! folder that is new, empty, or was written by this job before.

use crate::input::{read_lines_file, read_record};
use crate::{EngineError, Result};
use airdrop_core::tax::{self, report, Jurisdiction, Method, TaxInput, TaxReport};
use alloy_primitives::Address;
use std::path::{Path, PathBuf};

/// The files the job writes, and the only ones it ever replaces (`events.csv`: the receipts
/// read from a node, written only with [`Receipts::Chain`]).
pub const OUTPUTS: [&str; 5] = [
    "gains.csv",
    "income.csv",
    "summary.txt",
    "tax.json",
    "events.csv",
];

pub use crate::tax_chain::ChainReceipts;

/// Where the receipts come from.
#[derive(Debug, Clone)]
pub enum Receipts {
    /// An events file (`time,token,amount,decimals,kind,campaign,bounty`).
    File(PathBuf),
    /// Transfers to the address read from a node.
    Chain(ChainReceipts),
}

/// What `airdrop tax` is asked to compute.
#[derive(Debug, Clone)]
pub struct TaxJob {
    /// The recipient (shown in the summary and JSON).
    pub address: Address,
    /// Where the receipts come from.
    pub receipts: Receipts,
    /// The prices file (`date,token,price`).
    pub prices: PathBuf,
    /// The disposals file (`time,token,amount,proceeds`), if anything was sold.
    pub disposals: Option<PathBuf>,
    /// US lot method; must be `None` for the UK.
    pub method: Option<Method>,
    /// Whose rules.
    pub jurisdiction: Jurisdiction,
    /// Tax year (UK: the year it starts, 2025 = 2025/26).
    pub year: i32,
    /// Output folder.
    pub out: PathBuf,
}

/// What the job wrote.
#[derive(Debug, Clone)]
pub struct TaxDone {
    /// The computed year.
    pub report: TaxReport,
    /// The summary text (also in `summary.txt`).
    pub summary: String,
    /// The files written.
    pub files: Vec<PathBuf>,
}

/// Runs the job: nothing is written unless the whole year computes.
pub fn run(job: &TaxJob) -> Result<TaxDone> {
    if job.jurisdiction == Jurisdiction::Uk && job.method.is_some() {
        return Err(EngineError::input(
            "--method does not apply to UK taxes: HMRC fixes the matching (same day, the next 30 days, then the section 104 pool); leave --method out",
        ));
    }
    if job.jurisdiction == Jurisdiction::Us && job.method.is_none() {
        return Err(EngineError::input(
            "US taxes need --method fifo, lifo or hifo (which lots a sale consumes first)",
        ));
    }
    check_out(&job.out)?;
    let read = |path: &Path| -> Result<Vec<u8>> { read_lines_file(path) };
    let name = |path: &Path| path.display().to_string();
    let (receipts, fetched) = match &job.receipts {
        Receipts::File(path) => (tax::parse_events(&read(path)?, &name(path))?, None),
        Receipts::Chain(c) => {
            let text = crate::tax_chain::events_csv(job.address, c)?;
            let file = format!(
                "the events read from {}",
                airdrop_chain::rpc::shown_url(&c.rpc)
            );
            (tax::parse_events(text.as_bytes(), &file)?, Some(text))
        }
    };
    let prices = tax::parse_prices(&read(&job.prices)?, &name(&job.prices))?;
    let disposals = match &job.disposals {
        Some(p) => tax::parse_disposals(&read(p)?, &name(p))?,
        None => Vec::new(),
    };
    let input = TaxInput {
        receipts,
        disposals,
        prices,
        jurisdiction: job.jurisdiction,
        method: job.method,
        year: job.year,
    };
    let computed = tax::compute(&input)?;
    let address = job.address.to_checksum(None);
    let summary = report::summary(&computed, &address);
    let mut contents = vec![
        report::gains_csv(&computed),
        report::income_csv(&computed),
        summary.clone(),
        report::json(&computed, &address),
    ];
    let from_node = fetched.is_some();
    contents.extend(fetched);
    std::fs::create_dir_all(&job.out)
        .map_err(|e| EngineError::file(format!("cannot create {}", job.out.display()), e))?;
    if !from_node {
        // An events.csv of an earlier `--rpc` run would no longer match the report beside it.
        let stale = job.out.join("events.csv");
        if stale.exists() {
            std::fs::remove_file(&stale)
                .map_err(|e| EngineError::file(format!("cannot remove {}", stale.display()), e))?;
        }
    }
    let mut files = Vec::new();
    for (file, text) in OUTPUTS.iter().zip(contents) {
        let path = job.out.join(file);
        let tmp = job.out.join(format!(".{file}.partial"));
        std::fs::write(&tmp, text)
            .and_then(|()| std::fs::rename(&tmp, &path))
            .map_err(|e| EngineError::file(format!("cannot write {}", path.display()), e))?;
        files.push(path);
    }
    Ok(TaxDone {
        report: computed,
        summary,
        files,
    })
}

/// Refuses an `--out` that is a file, or a non-empty folder this job did not write (one
/// holding a `tax.json` of format [`report::FORMAT`] and nothing but its own files).
fn check_out(out: &Path) -> Result<()> {
    if !out.exists() {
        return Ok(());
    }
    let refuse = |why: &str| {
        EngineError::input(format!(
            "--out {} {why}; `airdrop tax` never replaces what it did not write: pick a new or empty folder",
            out.display()
        ))
    };
    if !out.is_dir() {
        return Err(refuse("exists and is not a folder"));
    }
    let entries = std::fs::read_dir(out)
        .map_err(|e| EngineError::file(format!("cannot read {}", out.display()), e))?;
    let mut names = Vec::new();
    for entry in entries {
        let entry =
            entry.map_err(|e| EngineError::file(format!("cannot read {}", out.display()), e))?;
        names.push(entry.file_name().to_string_lossy().into_owned());
    }
    if names.is_empty() {
        return Ok(());
    }
    if let Some(other) = names.iter().find(|n| !OUTPUTS.contains(&n.as_str())) {
        return Err(refuse(&format!(
            "holds {other:?}, which is not a tax report file"
        )));
    }
    let ours = read_record(&out.join("tax.json"))
        .ok()
        .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
        .is_some_and(|v| v["format"] == report::FORMAT);
    if ours {
        Ok(())
    } else {
        Err(refuse(
            "is not empty and holds no tax.json written by `airdrop tax`",
        ))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn out_must_be_new_empty_or_ours() {
        let tmp = tempfile::tempdir().unwrap();
        assert!(check_out(&tmp.path().join("new")).is_ok());
        assert!(check_out(tmp.path()).is_ok(), "empty");
        let file = tmp.path().join("f");
        std::fs::write(&file, "x").unwrap();
        assert!(check_out(&file).is_err(), "a file");

        let ours = tmp.path().join("ours");
        std::fs::create_dir(&ours).unwrap();
        std::fs::write(ours.join("gains.csv"), "").unwrap();
        assert!(check_out(&ours).is_err(), "no tax.json");
        std::fs::write(ours.join("tax.json"), r#"{"format":"airdrop-tax/1"}"#).unwrap();
        assert!(check_out(&ours).is_ok());
        std::fs::write(ours.join("notes.md"), "mine").unwrap();
        let err = check_out(&ours).unwrap_err().to_string();
        assert!(err.contains("\"notes.md\""), "{err}");
    }
}
