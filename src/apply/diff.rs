//! Field-level differences between two JSON documents, for `diff` and `apply --dry-run`.

use serde_json::Value;

/// `path: old -> new` lines for every leaf that differs (`(absent)` for a missing side).
pub fn changes(old: &Value, new: &Value) -> Vec<String> {
    let mut out = Vec::new();
    walk("", old, new, &mut out);
    out
}

fn show(v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null) => "(absent)".into(),
        Some(v) => v.to_string(),
    }
}

fn walk(path: &str, old: &Value, new: &Value, out: &mut Vec<String>) {
    match (old, new) {
        (Value::Object(a), Value::Object(b)) => {
            let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
            keys.sort();
            keys.dedup();
            for k in keys {
                let sub = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                match (a.get(k), b.get(k)) {
                    (Some(x), Some(y)) => walk(&sub, x, y, out),
                    (x, y) => out.push(format!("{sub}: {} -> {}", show(x), show(y))),
                }
            }
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => {
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                walk(&format!("{path}[{i}]"), x, y, out);
            }
        }
        (a, b) if a != b => out.push(format!("{path}: {} -> {}", show(Some(a)), show(Some(b)))),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn changed_added_and_removed_fields_are_listed_by_path() {
        let old = json!({"spec": {"desiredCount": 2, "containers": [{"image": "a"}], "gone": true}});
        let new = json!({"spec": {"desiredCount": 3, "containers": [{"image": "b"}], "added": 1}});
        assert_eq!(
            changes(&old, &new),
            vec![
                "spec.added: (absent) -> 1",
                "spec.containers[0].image: \"a\" -> \"b\"",
                "spec.desiredCount: 2 -> 3",
                "spec.gone: true -> (absent)",
            ]
        );
        assert!(changes(&old, &old).is_empty());
    }
}
