//! Shared validation vocabulary: field errors with ECS-style paths, and name rules.

use super::limits::MAX_NAME_LEN;
use std::fmt;

/// One semantic problem in a manifest, located by its field path (`spec.containerDefinitions[0].name`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// Dotted field path from the document root.
    pub path: String,
    /// What is wrong and what was expected.
    pub message: String,
}

impl FieldError {
    /// Builds an error for `path`.
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// ECS name rule (families, services, clusters, containers, volumes): 1 to `MAX_NAME_LEN`
/// letters, digits, `-` and `_`.
pub fn check_name(name: &str) -> Result<(), String> {
    check_name_within(name, MAX_NAME_LEN)
}

/// The same rule with a shorter bound (ELBv2 names: 32 characters).
pub fn check_name_within(name: &str, max: usize) -> Result<(), String> {
    if name.is_empty() {
        return Err("expected a non-empty name".into());
    }
    if name.len() > max {
        return Err(format!("expected at most {max} characters, got {}", name.len()));
    }
    if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(format!(
            "expected only letters, digits, '-' and '_', got {name:?}"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_ecs_character_rules() {
        assert!(check_name("web_1-a").is_ok());
        assert!(check_name("").is_err());
        assert!(check_name("a.b").is_err());
        assert!(check_name(&"a".repeat(MAX_NAME_LEN)).is_ok());
        assert!(check_name(&"a".repeat(MAX_NAME_LEN + 1)).is_err());
    }
}
