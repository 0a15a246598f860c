//! Where an announcement and its bundle files are read from: a folder on disk, or over http(s)
//! (the announcement's URL, with the bundle's files beside it). Every read is bounded, and file
//! names from a manifest are refused when they would leave the folder.

use crate::distribution::input;
use crate::Result;
use alloy::transports::http::reqwest;
use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::{Path, PathBuf};

/// The largest `announcement.json` or `manifest.json` read.
const RECORD_CAP: u64 = 16 << 20;
/// The largest bundle file hashed or read (a claims file of millions of recipients fits).
const FILE_CAP: u64 = 4 << 30;

/// Where the announcement and the bundle's files are.
#[derive(Debug, Clone)]
pub enum Source {
    /// A folder holding `announcement.json` and the bundle's files.
    Dir(PathBuf),
    /// The folder URL (ending in `/`) holding them.
    Url(reqwest::Url),
}

impl Source {
    /// `--bundle DIR`.
    pub fn dir(dir: impl Into<PathBuf>) -> Source {
        Source::Dir(dir.into())
    }

    /// `--manifest URL-or-PATH`: the announcement's URL or path; the bundle's files are beside
    /// it. Only http and https URLs are fetched.
    pub fn announcement_at(text: &str) -> Result<Source> {
        if text.contains("://") {
            let url = reqwest::Url::parse(text)
                .map_err(|e| input(format!("--manifest {text:?} is not a URL: {e}")))?;
            if !matches!(url.scheme(), "http" | "https") {
                return Err(input(format!(
                    "--manifest {text:?}: only http:// and https:// are fetched; download the bundle and give its folder with --bundle"
                )));
            }
            let base = url
                .join("./")
                .map_err(|e| input(format!("--manifest {text:?}: {e}")))?;
            return Ok(Source::Url(base));
        }
        let path = PathBuf::from(text);
        let dir = path
            .parent()
            .map(|p| {
                if p.as_os_str().is_empty() {
                    PathBuf::from(".")
                } else {
                    p.to_path_buf()
                }
            })
            .unwrap_or_else(|| PathBuf::from("."));
        Ok(Source::Dir(dir))
    }

    /// `--kit URL-or-PATH`: the claim kit's folder (or a file in it, such as its `index.html`).
    /// Only http and https URLs are fetched.
    pub fn kit_at(text: &str) -> Result<Source> {
        if text.contains("://") {
            let mut url = reqwest::Url::parse(text)
                .map_err(|e| input(format!("--kit {text:?} is not a URL: {e}")))?;
            if !matches!(url.scheme(), "http" | "https") {
                return Err(input(format!(
                    "--kit {text:?}: only http:// and https:// are fetched; download the kit and give its folder"
                )));
            }
            let last = url.path().rsplit('/').next().unwrap_or("");
            if last.contains('.') {
                // A file of the kit (its page, its kit.json): the kit is the folder holding it.
                url = url
                    .join("./")
                    .map_err(|e| input(format!("--kit {text:?}: {e}")))?;
            } else if !url.path().ends_with('/') {
                let path = format!("{}/", url.path());
                url.set_path(&path);
            }
            return Ok(Source::Url(url));
        }
        let path = PathBuf::from(text);
        if path.is_file() {
            return Source::announcement_at(text);
        }
        if !path.is_dir() {
            return Err(input(format!(
                "--kit {text:?}: no such folder; give the claim kit's folder (`airdrop kit --out`) or its http(s) URL"
            )));
        }
        Ok(Source::Dir(path))
    }

    /// Where `name` is, for messages.
    pub fn describe(&self, name: &str) -> String {
        match self {
            Source::Dir(d) => d.join(name).display().to_string(),
            Source::Url(u) => format!("{u}{name}"),
        }
    }

    /// A small record (`announcement.json`, `manifest.json`).
    pub async fn record(&self, name: &str) -> Result<Vec<u8>> {
        self.read(name, RECORD_CAP).await
    }

    /// The whole of `name`, at most `cap` bytes.
    pub async fn read(&self, name: &str, cap: u64) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        self.stream(name, cap, &mut |chunk| out.extend_from_slice(chunk))
            .await?;
        Ok(out)
    }

    /// SHA-256 (hex) of `name`, streamed.
    pub async fn sha256_hex(&self, name: &str) -> Result<String> {
        let mut h = Sha256::new();
        self.stream(name, FILE_CAP, &mut |chunk| h.update(chunk))
            .await?;
        Ok(alloy_primitives::hex::encode(h.finalize()))
    }

    async fn stream(&self, name: &str, cap: u64, sink: &mut dyn FnMut(&[u8])) -> Result<()> {
        let where_ = self.describe(name);
        inside(name)?;
        match self {
            Source::Dir(d) => read_dir_file(d, name, cap, &where_, sink),
            Source::Url(base) => {
                let url = base
                    .join(name)
                    .map_err(|e| input(format!("{where_}: {e}")))?;
                let fail = |e: reqwest::Error| input(format!("cannot fetch {where_}: {e}"));
                let mut resp = reqwest::Client::new().get(url).send().await.map_err(fail)?;
                if !resp.status().is_success() {
                    return Err(input(format!(
                        "cannot fetch {where_}: http status {}",
                        resp.status()
                    )));
                }
                let mut seen = 0u64;
                while let Some(chunk) = resp.chunk().await.map_err(fail)? {
                    seen += chunk.len() as u64;
                    if seen > cap {
                        return Err(too_big(&where_, cap));
                    }
                    sink(&chunk);
                }
                Ok(())
            }
        }
    }
}

/// Refuses a file name that would leave the bundle folder (a manifest's output names are read
/// before anything says the manifest is genuine).
fn inside(name: &str) -> Result<()> {
    if name.is_empty()
        || name.starts_with('/')
        || name.contains('\\')
        || name.split('/').any(|p| p == ".." || p.is_empty())
    {
        return Err(input(format!(
            "file name {name:?} leaves the bundle folder; the manifest is not one `airdrop build` wrote"
        )));
    }
    Ok(())
}

fn too_big(where_: &str, cap: u64) -> crate::EngineError {
    input(format!(
        "{where_} is larger than {cap} bytes; refusing to read it"
    ))
}

fn read_dir_file(
    d: &Path,
    name: &str,
    cap: u64,
    where_: &str,
    sink: &mut dyn FnMut(&[u8]),
) -> Result<()> {
    let f = std::fs::File::open(d.join(name))
        .map_err(|e| input(format!("cannot read {where_}: {e}")))?;
    let mut f = f.take(cap + 1);
    let (mut buf, mut seen) = (vec![0u8; 1 << 16], 0u64);
    loop {
        let n = f
            .read(&mut buf)
            .map_err(|e| input(format!("cannot read {where_}: {e}")))?;
        if n == 0 {
            return Ok(());
        }
        seen += n as u64;
        if seen > cap {
            return Err(too_big(where_, cap));
        }
        sink(&buf[..n]);
    }
}

/// `name` of folder `d`, at most [`RECORD_CAP`] bytes (the server's synchronous load).
pub(crate) fn dir_record(d: &Path, name: &str) -> Result<Vec<u8>> {
    inside(name)?;
    let mut out = Vec::new();
    let where_ = d.join(name).display().to_string();
    read_dir_file(d, name, RECORD_CAP, &where_, &mut |c| {
        out.extend_from_slice(c)
    })?;
    Ok(out)
}

/// SHA-256 (hex) of `name` of folder `d`, streamed.
pub(crate) fn dir_sha256_hex(d: &Path, name: &str) -> Result<String> {
    inside(name)?;
    let mut h = Sha256::new();
    let where_ = d.join(name).display().to_string();
    read_dir_file(d, name, FILE_CAP, &where_, &mut |c| h.update(c))?;
    Ok(alloy_primitives::hex::encode(h.finalize()))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn names_that_leave_the_folder_are_refused() {
        for bad in ["../x", "/etc/passwd", "a/../../b", "a//b", "", "a\\b"] {
            let e = inside(bad).unwrap_err().to_string();
            assert!(e.contains("leaves the bundle folder"), "{bad}: {e}");
        }
        inside("claims.json").unwrap();
        inside("shards/0a.json").unwrap();
    }

    #[test]
    fn the_files_are_beside_the_announcement() {
        let Source::Url(u) =
            Source::announcement_at("http://h.test/drop/announcement.json").unwrap()
        else {
            panic!("not a url")
        };
        assert_eq!(u.as_str(), "http://h.test/drop/");
        let Source::Dir(d) = Source::announcement_at("b/announcement.json").unwrap() else {
            panic!("not a folder")
        };
        assert_eq!(d, PathBuf::from("b"));
        for (given, base) in [
            ("http://h.test/kit", "http://h.test/kit/"),
            ("http://h.test/kit/", "http://h.test/kit/"),
            ("http://h.test/kit/index.html", "http://h.test/kit/"),
        ] {
            let Source::Url(u) = Source::kit_at(given).unwrap() else {
                panic!("not a url")
            };
            assert_eq!(u.as_str(), base, "{given}");
        }
        let e = Source::kit_at("ftp://h.test/kit/").unwrap_err();
        assert!(e.to_string().contains("only http:// and https://"), "{e}");
        let e = Source::kit_at("/no/such/kit").unwrap_err();
        assert!(e.to_string().contains("no such folder"), "{e}");
        let e = Source::announcement_at("file:///b/announcement.json").unwrap_err();
        assert!(e.to_string().contains("only http:// and https://"), "{e}");
    }

    #[test]
    fn reads_are_bounded() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("big"), vec![b'x'; 100]).unwrap();
        let mut n = 0;
        let e = read_dir_file(dir.path(), "big", 99, "big", &mut |c| n += c.len()).unwrap_err();
        assert!(e.to_string().contains("larger than 99 bytes"), "{e}");
        read_dir_file(dir.path(), "big", 100, "big", &mut |_| {}).unwrap();
    }
}
