//! Whose an object is: a change made from the CLI (or an API) to an object a watched folder
//! manages would be undone by the folder's next sync, so it is refused unless forced.

use super::OpsError;
use crate::store::Catalog;

/// The ownership key of a scheduled task.
pub fn schedule_key(cluster: &str, name: &str) -> String {
    format!("ScheduledTask/{cluster}/{name}")
}

/// The manifest file of a watched folder that manages the object behind `key`, if one does.
pub fn managing_file(catalog: &Catalog, key: &str) -> Result<Option<String>, OpsError> {
    let Some(owner) = catalog.owner(key)? else {
        return Ok(None);
    };
    let watched = catalog.folder_syncs()?.iter().any(|f| f.root == owner.root);
    Ok(watched.then(|| owner.path()))
}

/// Refuses a CLI change to the object behind `key` (`Service/default/web`) when a watched
/// folder manages it, unless `force`. `what` names the object in the message.
pub fn check_cli_change(catalog: &Catalog, key: &str, what: &str, force: bool) -> Result<(), OpsError> {
    if force {
        return Ok(());
    }
    match managing_file(catalog, key)? {
        Some(path) => Err(OpsError::ManagedByFolder {
            object: what.to_string(),
            path,
        }),
        None => Ok(()),
    }
}
