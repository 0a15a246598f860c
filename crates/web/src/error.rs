//! The crate's one error type.

/// What can go wrong while rendering a page.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WebError {
    /// A value a page needs is not in the form the page expects.
    #[error("cannot render {what}: {detail}")]
    Render {
        /// The page or part being rendered.
        what: &'static str,
        /// What was wrong, with the bad value where it is safe to show.
        detail: String,
    },
}
