//! Rules for figures shown outside the team that follows a person.

/// Cells under this many people are never shown to funders or partners.
pub const MIN_CELL: u64 = 11;

/// A count safe to publish, or `None` when it would identify people.
/// Zero is shown: it identifies no one.
pub fn publishable(count: u64) -> Option<u64> {
    (count == 0 || count >= MIN_CELL).then_some(count)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_cells_are_hidden() {
        assert_eq!(publishable(0), Some(0));
        assert_eq!(publishable(1), None);
        assert_eq!(publishable(10), None);
        assert_eq!(publishable(11), Some(11));
        assert_eq!(publishable(500), Some(500));
    }
}
