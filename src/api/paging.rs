//! Offset pages of a listing, as both AWS doors hand them out: a token is the offset of the
//! next page.

/// Why a page cannot be cut; each door words it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PageError {
    /// The page size asked for is outside 1–100.
    Size(u32),
    /// The token is not one this endpoint hands out.
    Token,
}

/// One page of `items` from the offset in `next_token`, of `size` items (`default_size` when
/// not given), with the token of the next page.
pub(crate) fn page<T>(
    items: Vec<T>,
    next_token: Option<&str>,
    size: Option<u32>,
    default_size: usize,
) -> Result<(Vec<T>, Option<String>), PageError> {
    let size = match size {
        None => default_size,
        Some(n @ 1..=100) => n as usize,
        Some(n) => return Err(PageError::Size(n)),
    };
    let start: usize = match next_token {
        None | Some("") => 0,
        Some(token) => token.parse().map_err(|_| PageError::Token)?,
    };
    let total = items.len();
    let end = start.saturating_add(size).min(total);
    let next = (end < total).then(|| end.to_string());
    Ok((items.into_iter().skip(start).take(size).collect(), next))
}
