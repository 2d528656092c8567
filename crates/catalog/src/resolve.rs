//! Turning what a person typed into a commune of the reference: the explorer's
//! "commune" field accepts an INSEE code or a name.

use crate::Catalog;

impl Catalog {
    /// The commune a person typed: an INSEE code (any case, spaces around ignored), or
    /// else the best match of a name search; `None` when nothing matches.
    pub fn resolve_commune(&self, typed: &str) -> Option<String> {
        let typed = typed.trim();
        let code = typed.to_uppercase();
        if self.geo.commune(&code).is_some() {
            return Some(code);
        }
        self.search_communes(typed, 1)
            .into_iter()
            .next()
            .map(|c| c.code)
    }
}
