//! Registry credentials from the user's Docker config (`~/.docker/config.json` `auths`).

use bollard::auth::DockerCredentials;
use serde::Deserialize;
use std::collections::HashMap;
use std::path::PathBuf;

#[derive(Deserialize)]
struct DockerConfig {
    #[serde(default)]
    auths: HashMap<String, AuthEntry>,
}

#[derive(Deserialize)]
struct AuthEntry {
    #[serde(default)]
    auth: Option<String>,
}

/// The registry host of an image reference (`docker.io` when none is given).
pub fn registry_of(image: &str) -> &str {
    match image.split_once('/') {
        Some((first, _)) if first.contains('.') || first.contains(':') || first == "localhost" => first,
        _ => "docker.io",
    }
}

fn config_path() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("DOCKER_CONFIG") {
        return Some(PathBuf::from(dir).join("config.json"));
    }
    std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".docker/config.json"))
}

/// Credentials for `image`'s registry from a config file's text, if it has any.
pub fn credentials_from(config: &str, image: &str) -> Option<DockerCredentials> {
    use base64::Engine;
    let config: DockerConfig = serde_json::from_str(config).ok()?;
    let registry = registry_of(image);
    let keys: Vec<String> = if registry == "docker.io" {
        vec![
            "https://index.docker.io/v1/".into(),
            "docker.io".into(),
            "index.docker.io".into(),
        ]
    } else {
        vec![registry.to_string(), format!("https://{registry}")]
    };
    let entry = keys.iter().find_map(|k| config.auths.get(k))?;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(entry.auth.as_ref()?)
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (username, password) = text.split_once(':')?;
    Some(DockerCredentials {
        username: Some(username.to_string()),
        password: Some(password.to_string()),
        serveraddress: Some(keys[0].clone()),
        ..Default::default()
    })
}

/// Credentials for `image` from the user's Docker config file, if any.
pub fn credentials_for(image: &str) -> Option<DockerCredentials> {
    let text = std::fs::read_to_string(config_path()?).ok()?;
    credentials_from(&text, image)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registries_are_read_from_the_image_reference() {
        assert_eq!(registry_of("busybox"), "docker.io");
        assert_eq!(registry_of("library/busybox:1"), "docker.io");
        assert_eq!(registry_of("ghcr.io/a/b:1"), "ghcr.io");
        assert_eq!(registry_of("localhost:5000/x"), "localhost:5000");
    }

    #[test]
    fn credentials_come_from_the_matching_auths_entry() {
        let config = r#"{"auths": {"ghcr.io": {"auth": "dXNlcjpzZWNyZXQ="}}}"#;
        let creds = credentials_from(config, "ghcr.io/me/app:1").unwrap();
        assert_eq!(creds.username.as_deref(), Some("user"));
        assert_eq!(creds.password.as_deref(), Some("secret"));
        assert!(credentials_from(config, "busybox").is_none());
    }
}
