//! Whose an object is: a change made from the CLI to an object a watched folder manages
//! would be undone by the folder's next sync, so it is refused unless forced.

use super::OpsError;
use crate::store::Catalog;

/// Refuses a CLI change to the object behind `key` (`Service/default/web`) when a watched
/// folder manages it, unless `force`. `what` names the object in the message.
pub fn check_cli_change(catalog: &Catalog, key: &str, what: &str, force: bool) -> Result<(), OpsError> {
    if force {
        return Ok(());
    }
    let Some(owner) = catalog.owner(key)? else {
        return Ok(());
    };
    let watched = catalog.folder_syncs()?.iter().any(|f| f.root == owner.root);
    if watched {
        return Err(OpsError::ManagedByFolder {
            object: what.to_string(),
            path: owner.path(),
        });
    }
    Ok(())
}
