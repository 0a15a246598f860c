//! The static assets compiled into the binary: the stylesheet and the page scripts.
//!
//! Each asset is served under a name that carries a hash of its bytes
//! (`/assets/claim.3f9a….js`), so a browser may cache it for a year and a new binary's assets
//! are never mixed with an old page.

use sha2::{Digest, Sha256};
use std::sync::OnceLock;

/// One embedded file.
#[derive(Debug)]
pub struct Asset {
    /// The name pages link to, e.g. `claim`.
    pub name: &'static str,
    /// File extension: `js` or `css`.
    pub ext: &'static str,
    /// `Content-Type` to serve it with.
    pub content_type: &'static str,
    /// The bytes.
    pub body: &'static [u8],
    path: OnceLock<String>,
}

impl Asset {
    const fn new(
        name: &'static str,
        ext: &'static str,
        content_type: &'static str,
        body: &'static [u8],
    ) -> Self {
        Self {
            name,
            ext,
            content_type,
            body,
            path: OnceLock::new(),
        }
    }

    /// The path pages link to: `/assets/<name>.<first 12 hex digits of its sha256>.<ext>`.
    pub fn path(&self) -> &str {
        self.path.get_or_init(|| {
            let digest = Sha256::digest(self.body);
            let hex: String = digest[..6].iter().map(|b| format!("{b:02x}")).collect();
            format!("/assets/{}.{hex}.{}", self.name, self.ext)
        })
    }

    /// The asset a request path (after `/assets/`) names, hash and all; `None` for anything
    /// else, including an old hash.
    pub fn find(file: &str) -> Option<&'static Asset> {
        ALL.iter()
            .copied()
            .find(|a| a.path().strip_prefix("/assets/") == Some(file))
    }
}

/// The stylesheet every page links.
pub static STYLE: Asset = Asset::new(
    "style",
    "css",
    "text/css; charset=utf-8",
    include_bytes!("../assets/style.css"),
);

/// The claim page's wallet script (`web/pages/src/claim.ts`).
pub static CLAIM: Asset = Asset::new(
    "claim",
    "js",
    "text/javascript; charset=utf-8",
    include_bytes!("../assets/claim.js"),
);

/// The sign-up page's script (`web/pages/src/signup.ts`).
pub static SIGNUP: Asset = Asset::new(
    "signup",
    "js",
    "text/javascript; charset=utf-8",
    include_bytes!("../assets/signup.js"),
);

/// The task board's script (`web/pages/src/tasks.ts`).
pub static TASKS: Asset = Asset::new(
    "tasks",
    "js",
    "text/javascript; charset=utf-8",
    include_bytes!("../assets/tasks.js"),
);

/// The creator dashboard's script (`web/pages/src/admin.ts`).
pub static ADMIN: Asset = Asset::new(
    "admin",
    "js",
    "text/javascript; charset=utf-8",
    include_bytes!("../assets/admin.js"),
);

/// Every asset served under `/assets/`.
pub static ALL: [&Asset; 5] = [&STYLE, &CLAIM, &SIGNUP, &TASKS, &ADMIN];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_asset_is_found_by_its_own_path_only() {
        for a in ALL {
            let file = a.path().trim_start_matches("/assets/");
            assert!(
                Asset::find(file).is_some_and(|f| std::ptr::eq(f, a)),
                "{file}"
            );
            let stale = format!("{}.000000000000.{}", a.name, a.ext);
            assert!(Asset::find(&stale).is_none());
        }
        assert!(Asset::find("../Cargo.toml").is_none());
    }
}
