use super::*;

fn parse(text: &str) -> Result<Vec<LoadedManifest>, Vec<ManifestError>> {
    let mut loaded = Vec::new();
    let mut errors = Vec::new();
    parse_text("web.yaml", text, &mut loaded, &mut errors);
    if errors.is_empty() {
        Ok(loaded)
    } else {
        Err(errors)
    }
}

fn one_error(text: &str) -> String {
    let errors = parse(text).unwrap_err();
    assert_eq!(errors.len(), 1, "{errors:?}");
    errors[0].to_string()
}

const GOOD: &str = "\
apiVersion: ecsd/v1
kind: TaskDefinition
metadata:
  name: web
spec:
  containerDefinitions:
    - name: web
      image: busybox
      portMappings:
        - containerPort: 80
---
apiVersion: ecsd/v1
kind: Service
metadata:
  name: web
spec:
  taskDefinition: web
  desiredCount: 2
";

#[test]
fn multi_document_yaml_yields_each_manifest_with_its_start_line() {
    let loaded = parse(GOOD).unwrap();
    assert_eq!(loaded.len(), 2);
    assert_eq!(loaded[0].manifest.kind(), Kind::TaskDefinition);
    assert_eq!((loaded[1].manifest.kind(), loaded[1].line), (Kind::Service, 12));
    assert_eq!(loaded[1].manifest.cluster(), "default");
}

#[test]
fn an_unknown_field_is_reported_with_line_column_and_path() {
    let text = GOOD.replace("      image: busybox", "      image: busybox\n      imagee: typo");
    let msg = one_error(&text);
    assert!(msg.starts_with("web.yaml:9:"), "{msg}");
    assert!(msg.contains("spec.containerDefinitions[0]"), "{msg}");
    assert!(msg.contains("unknown field `imagee`"), "{msg}");
}

#[test]
fn a_missing_image_names_the_container_path() {
    let text = GOOD.replace("      image: busybox\n", "");
    let msg = one_error(&text);
    assert!(msg.contains("spec.containerDefinitions[0]"), "{msg}");
    assert!(msg.contains("missing field `image`"), "{msg}");
}

#[test]
fn a_wrong_type_is_reported_at_its_line_in_a_later_document() {
    let text = GOOD.replace("desiredCount: 2", "desiredCount: two");
    let msg = one_error(&text);
    assert!(msg.starts_with("web.yaml:18:"), "{msg}");
    assert!(msg.contains("spec.desiredCount"), "{msg}");
}

#[test]
fn bad_yaml_syntax_is_reported_with_its_line() {
    let text = GOOD.replace("  desiredCount: 2", "  desiredCount: [2");
    let msg = one_error(&text);
    assert!(msg.starts_with("web.yaml:1"), "{msg}");
}

#[test]
fn an_ecs_field_not_implemented_yet_says_so_by_name() {
    let text = GOOD.replace(
        "      image: busybox",
        "      image: busybox\n      dockerSecurityOptions: [no-new-privileges]",
    );
    let msg = one_error(&text);
    assert!(
        msg.contains("spec.containerDefinitions[0].dockerSecurityOptions"),
        "{msg}"
    );
    assert!(msg.contains("not supported yet"), "{msg}");
}

#[test]
fn semantic_errors_carry_the_field_path_and_the_document_line() {
    let text = GOOD.replace("  taskDefinition: web", "  taskDefinition: \"web:0\"");
    let msg = one_error(&text);
    assert!(msg.starts_with("web.yaml:12: spec.taskDefinition:"), "{msg}");
}

#[test]
fn raw_ecs_register_task_definition_json_is_a_task_definition() {
    let json = r#"{"family": "api", "containerDefinitions": [
        {"name": "api", "image": "busybox", "essential": true, "links": [], "mountPoints": []}]}"#;
    let loaded = parse(json).unwrap();
    let Manifest::TaskDefinition(doc) = &loaded[0].manifest else {
        panic!("expected a task definition")
    };
    assert_eq!(doc.metadata.name, "api");
    assert_eq!(doc.spec.family, None, "family is folded into metadata");
}

#[test]
fn raw_ecs_create_service_json_is_a_service() {
    let json = r#"{"serviceName": "api", "cluster": "prod", "taskDefinition": "api:1", "desiredCount": 1}"#;
    let loaded = parse(json).unwrap();
    assert_eq!(loaded[0].manifest.describe(), "Service prod/api");
}

#[test]
fn an_unknown_kind_and_a_wrong_api_version_are_rejected() {
    assert!(
        one_error("apiVersion: ecsd/v1\nkind: Pod\nmetadata: {name: x}\n").contains("kind: expected one of")
    );
    let msg = one_error(&GOOD.replacen("ecsd/v1", "ecsd/v2", 1));
    assert!(msg.contains("apiVersion: expected \"ecsd/v1\""), "{msg}");
}

#[test]
fn empty_documents_and_comments_are_skipped() {
    let loaded = parse(&format!("# hello\n---\n{GOOD}\n---\n")).unwrap();
    assert_eq!(loaded.len(), 2);
}

#[test]
fn directories_are_read_recursively_skipping_hidden_entries_and_other_files() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("sub")).unwrap();
    std::fs::create_dir_all(dir.path().join(".git")).unwrap();
    std::fs::write(dir.path().join("sub/a.yaml"), GOOD).unwrap();
    std::fs::write(dir.path().join(".git/b.yaml"), "not: [valid").unwrap();
    std::fs::write(dir.path().join("notes.txt"), "ignored").unwrap();
    let loaded = load_paths(&[dir.path().to_path_buf()], &mut std::io::empty()).unwrap();
    assert_eq!(loaded.len(), 2);
}

#[test]
fn all_documents_are_checked_and_every_error_is_reported() {
    let text = format!(
        "{}\n---\n{}",
        GOOD.replace("image: busybox", "image: [3]"),
        "kind: Nope\n"
    );
    let errors = parse(&text).unwrap_err();
    assert_eq!(errors.len(), 2, "{errors:?}");
}
