//! Reading the files a job is given: only regular files (a folder, `/dev/zero` or a FIFO is
//! refused before any byte is read), of bounded size, and line-based inputs of bounded lines —
//! checked while reading, so a huge file without a newline fails after its first 64 KiB
//! instead of being loaded whole.

use crate::{EngineError, Result};
use airdrop_merkle::address::parse_address;
use airdrop_merkle::limits::{too_large, Bounded, MAX_INPUT_BYTES};
use alloy_primitives::Address;
use std::fs::File;
use std::io::Read;
use std::path::Path;

/// Reads a whole input file of at most `cap` bytes, refusing anything but a regular file.
pub fn read_input_file(path: &Path, cap: u64) -> Result<Vec<u8>> {
    let context = || format!("cannot read {}", path.display());
    let file = open_regular(path, cap).map_err(|e| EngineError::file(context(), e))?;
    let mut data = Vec::new();
    // The size was checked, but a file can grow between the check and the read.
    file.take(cap + 1)
        .read_to_end(&mut data)
        .map_err(|e| EngineError::file(context(), e))?;
    if data.len() as u64 > cap {
        return Err(EngineError::file(context(), too_large(cap)));
    }
    Ok(data)
}

/// The most a bundle's own small files (`manifest.json`, `deployment.json`) may hold: far above
/// any real one, far below what would exhaust memory.
pub const MAX_RECORD_BYTES: u64 = 16 << 20;

/// Reads a bundle's `manifest.json` or a deployment record: a regular file of at most
/// [`MAX_RECORD_BYTES`] (a folder, `/dev/zero` or a FIFO put in its place is refused, not
/// read). The error is the IO error alone, for the caller to name the file.
pub fn read_record(path: &Path) -> std::io::Result<Vec<u8>> {
    let file = open_regular(path, MAX_RECORD_BYTES)?;
    let mut data = Vec::new();
    file.take(MAX_RECORD_BYTES + 1).read_to_end(&mut data)?;
    if data.len() as u64 > MAX_RECORD_BYTES {
        return Err(too_large(MAX_RECORD_BYTES));
    }
    Ok(data)
}

/// Reads a whole line-based input (CSV) of at most [`MAX_INPUT_BYTES`], failing as soon as the
/// header or a line is over its bound, so memory never holds more than that.
pub fn read_lines_file(path: &Path) -> Result<Vec<u8>> {
    let context = || format!("cannot read {}", path.display());
    let file = open_regular(path, MAX_INPUT_BYTES).map_err(|e| EngineError::file(context(), e))?;
    let mut data = Vec::new();
    Bounded::lines(file)
        .read_to_end(&mut data)
        .map_err(|e| EngineError::file(context(), e))?;
    Ok(data)
}

/// Opens a regular file of at most `cap` bytes (checked on the path first: opening a FIFO
/// would block until a writer comes, then again on the open file).
pub fn open_regular(path: &Path, cap: u64) -> std::io::Result<File> {
    check_regular(&std::fs::metadata(path)?, cap)?;
    let file = File::open(path)?;
    check_regular(&file.metadata()?, cap)?;
    Ok(file)
}

fn check_regular(meta: &std::fs::Metadata, cap: u64) -> std::io::Result<()> {
    let refuse = |msg: &str| Err(std::io::Error::new(std::io::ErrorKind::InvalidInput, msg));
    if meta.is_dir() {
        return refuse("it is a folder; give the file inside it");
    }
    if !meta.is_file() {
        return refuse("it is not a regular file (a device, a pipe or a socket); give a file");
    }
    if meta.len() > cap {
        return Err(too_large(cap));
    }
    Ok(())
}

/// One address per line, or a CSV whose header has an `address` column.
pub fn read_address_file(path: &Path) -> Result<Vec<Address>> {
    let text = String::from_utf8(read_lines_file(path)?)
        .map_err(|_| EngineError::input(format!("{} is not UTF-8 text", path.display())))?;
    let mut lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty());
    let mut column = None;
    let mut out = Vec::new();
    if let Some((i, first)) = lines.next() {
        let cells: Vec<&str> = first.split(',').map(str::trim).collect();
        match cells.iter().position(|c| c.eq_ignore_ascii_case("address")) {
            Some(c) => column = Some(c),
            None => out.push(line_address(path, i, first, None)?),
        }
    }
    for (i, line) in lines {
        out.push(line_address(path, i, line, column)?);
    }
    Ok(out)
}

fn line_address(path: &Path, i: usize, line: &str, column: Option<usize>) -> Result<Address> {
    let cell = match column {
        Some(c) => line.split(',').nth(c).unwrap_or("").trim(),
        None => line.trim(),
    };
    parse_address(cell)
        .map_err(|e| EngineError::input(format!("{}:{}: {e}", path.display(), i + 1)))
}

/// Lowercase hex SHA-256 of bytes.
pub fn sha256_hex(data: &[u8]) -> String {
    use sha2::Digest;
    alloy_primitives::hex::encode(sha2::Sha256::digest(data))
}

#[cfg(test)]
mod record_tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// A record file that is a folder or larger than the bound is refused without being read
    /// whole; a real one is read.
    #[test]
    fn records_are_small_regular_files() {
        let tmp = tempfile::tempdir().unwrap();
        let folder = tmp.path().join("manifest.json");
        std::fs::create_dir(&folder).unwrap();
        let e = read_record(&folder).unwrap_err().to_string();
        assert!(e.contains("it is a folder"), "{e}");
        let huge = tmp.path().join("deployment.json");
        std::fs::File::create(&huge)
            .unwrap()
            .set_len(MAX_RECORD_BYTES + 1)
            .unwrap();
        assert!(read_record(&huge).is_err());
        let ok = tmp.path().join("ok.json");
        std::fs::write(&ok, b"{}").unwrap();
        assert_eq!(read_record(&ok).unwrap(), b"{}");
    }
}
