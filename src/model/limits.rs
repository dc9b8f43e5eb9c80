//! Every size and count ecsd accepts from its three doors (manifests, the native API, the ECS
//! API), in one place: ECS's own limits where ECS has them, and ecsd's where it has none, so a
//! request or file can never grow the daemon's memory, stack or work without bound.

/// Longest name of a cluster, family, service, container or volume (ECS: 255 characters).
pub const MAX_NAME_LEN: usize = 255;

/// Largest task definition, as compact JSON (ECS: 64 KiB for a RegisterTaskDefinition).
pub const MAX_TASK_DEFINITION_BYTES: usize = 64 * 1024;

/// Most container definitions in one task definition (ECS: 10).
pub const MAX_CONTAINERS: usize = 10;

/// Most tags (labels) on one resource (ECS: 50).
pub const MAX_TAGS: usize = 50;

/// Longest tag (label) key, in characters (ECS: 128).
pub const MAX_TAG_KEY_LEN: usize = 128;

/// Longest tag (label) value, in characters (ECS: 256).
pub const MAX_TAG_VALUE_LEN: usize = 256;

/// Largest `desiredCount` of a service (ECS's default "tasks per service" quota: 5,000).
pub const MAX_DESIRED_COUNT: u32 = 5_000;

/// Longest cluster query language expression: a `memberOf` constraint or a
/// `ListContainerInstances` filter (ECS: 2,000 characters).
pub const MAX_EXPRESSION_LEN: usize = 2_000;

/// Deepest nesting of parentheses and `not` in a query expression. ECS documents none; real
/// expressions use two or three levels, and the parser recurses once per level.
pub const MAX_EXPRESSION_DEPTH: usize = 32;

/// Largest request body of the ECS endpoint (a 64 KiB task definition plus its tags fits
/// many times over).
pub const MAX_ECS_REQUEST_BYTES: usize = 1024 * 1024;

/// Largest request body of the native API: an `apply` carries every document of a folder.
pub const MAX_API_REQUEST_BYTES: usize = 16 * 1024 * 1024;

/// Largest manifest file (or stdin) ecsd reads; a file holds one or many documents.
pub const MAX_MANIFEST_FILE_BYTES: u64 = 4 * 1024 * 1024;

/// Most tasks one RunTask (or `ecsd run-task`) starts (ECS: 10).
pub const MAX_RUN_TASK_COUNT: u32 = 10;

/// Checks a RunTask count: 1 to `MAX_RUN_TASK_COUNT`.
pub fn check_run_task_count(count: u32) -> Result<(), String> {
    if !(1..=MAX_RUN_TASK_COUNT).contains(&count) {
        return Err(format!(
            "count must be between 1 and {MAX_RUN_TASK_COUNT}, got {count}"
        ));
    }
    Ok(())
}

/// Deepest nesting of YAML flow collections (`[…]`, `{…}`) in a manifest, counted before
/// the YAML parser sees the text: libyaml's work grows with the square of this depth (200 KB of
/// `{a: ` takes minutes), and manifests need a handful of levels.
pub const MAX_YAML_FLOW_DEPTH: usize = 64;

/// Checks a service's desired count against `MAX_DESIRED_COUNT`.
pub fn check_desired_count(count: u32) -> Result<(), String> {
    if count > MAX_DESIRED_COUNT {
        return Err(format!(
            "expected at most {MAX_DESIRED_COUNT} tasks (ECS's tasks-per-service quota), got {count}"
        ));
    }
    Ok(())
}

/// Checks one tag's (label's) key and value lengths.
pub fn check_tag(key: &str, value: &str) -> Result<(), String> {
    if key.is_empty() || key.chars().count() > MAX_TAG_KEY_LEN || value.chars().count() > MAX_TAG_VALUE_LEN {
        return Err(format!(
            "tag {key:?}: keys are 1 to {MAX_TAG_KEY_LEN} characters and values at most {MAX_TAG_VALUE_LEN}"
        ));
    }
    Ok(())
}

/// Checks how many tags (labels) one resource has.
pub fn check_tag_count(count: usize) -> Result<(), String> {
    if count > MAX_TAGS {
        return Err(format!(
            "a resource can have at most {MAX_TAGS} tags, got {count}"
        ));
    }
    Ok(())
}

/// Checks the size of a task definition serialized as compact JSON.
pub fn check_task_definition_size(json_bytes: usize) -> Result<(), String> {
    if json_bytes > MAX_TASK_DEFINITION_BYTES {
        return Err(format!(
            "the task definition is {json_bytes} bytes as JSON; ECS allows at most {MAX_TASK_DEFINITION_BYTES}"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_desired_count_up_to_the_quota_is_accepted_and_one_more_is_refused() {
        assert!(check_desired_count(0).is_ok());
        assert!(check_desired_count(MAX_DESIRED_COUNT).is_ok());
        let why = check_desired_count(MAX_DESIRED_COUNT + 1).unwrap_err();
        assert!(why.contains("5000"), "{why}");
        assert!(check_desired_count(u32::MAX).is_err());
    }

    #[test]
    fn fifty_tags_of_full_length_are_accepted_and_more_or_longer_are_refused() {
        assert!(check_tag_count(MAX_TAGS).is_ok());
        assert!(check_tag_count(MAX_TAGS + 1).is_err());
        assert!(check_tag(&"k".repeat(128), &"v".repeat(256)).is_ok());
        assert!(check_tag(&"k".repeat(129), "").is_err());
        assert!(check_tag("k", &"v".repeat(257)).is_err());
        assert!(check_tag("", "v").is_err());
    }

    #[test]
    fn a_task_definition_of_exactly_64_kib_is_accepted_and_one_byte_more_is_refused() {
        assert!(check_task_definition_size(MAX_TASK_DEFINITION_BYTES).is_ok());
        let why = check_task_definition_size(MAX_TASK_DEFINITION_BYTES + 1).unwrap_err();
        assert!(why.contains("65537 bytes"), "{why}");
    }
}
