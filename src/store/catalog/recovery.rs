//! What survives the loss of the state database: the revisions running containers carry
//! (so numbering continues and an unchanged spec gets its number back), and the report of
//! the damage.

use super::Catalog;
use crate::store::records::StateRecovery;
use crate::store::{StoreError, Tree};
use std::collections::BTreeMap;

/// Revisions of one family seen on containers but not registered here, with the digest of
/// their content when the containers carry it.
pub type AdoptedRevisions = BTreeMap<u32, Option<String>>;

const RECOVERY_KEY: &str = "recovery";

impl Catalog {
    /// Notes that a container runs `family:revision` (content `digest`, if labelled) while
    /// this database does not know the revision.
    pub fn note_adopted_revision(
        &self,
        family: &str,
        revision: u32,
        digest: Option<&str>,
    ) -> Result<(), StoreError> {
        if self.task_definition(family, revision)?.is_some() {
            return Ok(());
        }
        self.modify(
            Tree::Meta,
            &adopted_key(family),
            |seen: Option<AdoptedRevisions>| {
                let mut seen = seen.unwrap_or_default();
                seen.insert(revision, digest.map(str::to_string));
                Ok(Some(seen))
            },
        )
        .map(|_| ())
    }

    /// Revisions of `family` seen on containers and not registered since.
    pub fn adopted_revisions(&self, family: &str) -> Result<AdoptedRevisions, StoreError> {
        Ok(self.get(Tree::Meta, &adopted_key(family))?.unwrap_or_default())
    }

    /// Forgets a seen revision once it is registered again (its number is used now).
    pub(super) fn forget_adopted_revision(&self, family: &str, revision: u32) -> Result<(), StoreError> {
        self.modify(
            Tree::Meta,
            &adopted_key(family),
            |seen: Option<AdoptedRevisions>| {
                let mut seen = seen.unwrap_or_default();
                seen.remove(&revision);
                Ok((!seen.is_empty()).then_some(seen))
            },
        )
        .map(|_| ())
    }

    /// Records that the previous database was damaged and set aside.
    pub fn record_recovery(&self, recovery: &StateRecovery) -> Result<(), StoreError> {
        self.put(Tree::Meta, RECOVERY_KEY, recovery)
    }

    /// The damage found when this database was started, if it replaced a damaged one.
    pub fn recovery(&self) -> Result<Option<StateRecovery>, StoreError> {
        self.get(Tree::Meta, RECOVERY_KEY)
    }
}

fn adopted_key(family: &str) -> String {
    format!("td-adopted/{family}")
}

/// The number a new revision of content `digest` takes, `last` being the highest registered
/// so far. After a database loss a spec equal to a revision containers still run takes that
/// number back (it is the same revision, so `family:N` labels stay true), if no higher one was
/// registered since; otherwise numbering continues above every number seen, never reusing one.
pub fn next_revision(last: u32, seen: &AdoptedRevisions, digest: &str) -> u32 {
    let same = seen
        .iter()
        .rev()
        .find(|(rev, d)| **rev > last && d.as_deref() == Some(digest));
    if let Some((rev, _)) = same {
        return *rev;
    }
    last.max(seen.keys().next_back().copied().unwrap_or(0)) + 1
}
