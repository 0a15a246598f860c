//! Bounds on what an input may be, so that no file — a 2 GB line without a newline, a
//! `/dev/zero`, a 200 MB run of NULs — can exhaust memory or turn into a huge error message.
//! Readers fail with a short message as soon as a bound is crossed, having held at most one
//! buffer of the excess.

use std::io::{self, Read};

/// Longest CSV line (one row), in bytes.
pub const MAX_LINE_BYTES: usize = 1 << 20;
/// Longest CSV header line, in bytes.
pub const MAX_HEADER_BYTES: usize = 64 << 10;
/// Largest data file (CSV, claims files read back), in bytes.
pub const MAX_INPUT_BYTES: u64 = 4 << 30;
/// Largest JSON input parsed whole into memory, in bytes.
pub const MAX_JSON_BYTES: u64 = 1 << 30;
/// Largest campaign spec, in bytes.
pub const MAX_SPEC_BYTES: u64 = 1 << 20;

/// A reader that fails once the stream passes `cap` bytes or, for line-based formats, once the
/// header or a line is longer than its bound. Errors are `InvalidData` with a one-line message
/// that never quotes the data.
#[derive(Debug)]
pub struct Bounded<R> {
    inner: R,
    cap: u64,
    lines: bool,
    total: u64,
    line: u64,
    line_len: usize,
}

impl<R: Read> Bounded<R> {
    /// For CSV: header and line bounds, and [`MAX_INPUT_BYTES`] in all.
    pub fn lines(inner: R) -> Self {
        Bounded {
            inner,
            cap: MAX_INPUT_BYTES,
            lines: true,
            total: 0,
            line: 1,
            line_len: 0,
        }
    }

    /// For formats where one line may hold everything (JSON): only `cap` bytes in all.
    pub fn total(inner: R, cap: u64) -> Self {
        Bounded {
            lines: false,
            cap,
            ..Bounded::lines(inner)
        }
    }

    fn check_lines(&mut self, data: &[u8]) -> io::Result<()> {
        for segment in data.split_inclusive(|&b| b == b'\n') {
            let ends = segment.last() == Some(&b'\n');
            self.line_len += segment.len() - usize::from(ends);
            let (limit, what) = if self.line == 1 {
                (MAX_HEADER_BYTES, "the header (line 1)".to_owned())
            } else {
                (MAX_LINE_BYTES, format!("line {}", self.line))
            };
            if self.line_len > limit {
                return Err(too_long(&what, limit));
            }
            if ends {
                self.line += 1;
                self.line_len = 0;
            }
        }
        Ok(())
    }
}

pub(crate) fn too_long(what: &str, limit: usize) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!(
            "{what} is longer than {}; rows are one line each, so this is not a CSV file of rows (check the file, or split it)",
            size(limit as u64)
        ),
    )
}

/// A size in the unit people read it in.
pub fn size(bytes: u64) -> String {
    match bytes {
        b if b >= 1 << 30 && b % (1 << 30) == 0 => format!("{} GiB", b >> 30),
        b if b >= 1 << 20 && b % (1 << 20) == 0 => format!("{} MiB", b >> 20),
        b if b >= 1 << 10 && b % (1 << 10) == 0 => format!("{} KiB", b >> 10),
        b => format!("{b} bytes"),
    }
}

/// The message for a file over its cap.
pub fn too_large(cap: u64) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!(
            "the file is larger than {}, the limit for this input; split it",
            size(cap)
        ),
    )
}

impl<R: Read> Read for Bounded<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.total += n as u64;
        if self.total > self.cap {
            return Err(too_large(self.cap));
        }
        if self.lines {
            self.check_lines(&buf[..n])?;
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An endless stream of one byte, read without ever holding more than a buffer of it.
    struct Endless(u8);
    impl Read for Endless {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            buf.fill(self.0);
            Ok(buf.len())
        }
    }

    #[test]
    fn an_endless_line_fails_fast_with_a_short_message() {
        for byte in [0u8, b'a'] {
            let mut sink = Vec::new();
            let err = Bounded::lines(Endless(byte))
                .read_to_end(&mut sink)
                .unwrap_err();
            assert!(
                sink.len() <= MAX_HEADER_BYTES + (64 << 10),
                "{}",
                sink.len()
            );
            let msg = err.to_string();
            assert!(
                msg.starts_with("the header (line 1) is longer than 64 KiB"),
                "{msg}"
            );
        }
        let mut text = b"address,amount\n".to_vec();
        text.extend(std::iter::repeat_n(b'1', MAX_LINE_BYTES + 1));
        let msg = Bounded::lines(&text[..])
            .read_to_end(&mut Vec::new())
            .unwrap_err()
            .to_string();
        assert!(msg.starts_with("line 2 is longer than 1 MiB"), "{msg}");
    }

    #[test]
    fn the_total_is_capped() {
        let msg = Bounded::total(Endless(b'['), 1 << 20)
            .read_to_end(&mut Vec::new())
            .unwrap_err()
            .to_string();
        assert!(msg.contains("larger than 1 MiB"), "{msg}");
        let mut ok = Vec::new();
        Bounded::lines(&b"a,b\n1,2\n"[..])
            .read_to_end(&mut ok)
            .unwrap();
        assert_eq!(ok, b"a,b\n1,2\n");
    }
}
