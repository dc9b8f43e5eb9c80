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
fn semantic_errors_carry_the_field_path_and_the_line_and_column_of_the_field() {
    let text = GOOD.replace("  taskDefinition: web", "  taskDefinition: \"web:0\"");
    let msg = one_error(&text);
    assert!(msg.starts_with("web.yaml:17:3: spec.taskDefinition:"), "{msg}");
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

/// A task definition manifest whose one container runs `sh -c` with `length` bytes of script.
fn with_command_of(length: usize) -> String {
    format!(
        "apiVersion: ecsd/v1\nkind: TaskDefinition\nmetadata:\n  name: big\nspec:\n  containerDefinitions:\n    - name: big\n      image: busybox\n      command: [sh, -c, \"{}\"]\n",
        "x".repeat(length)
    )
}

#[test]
fn a_task_definition_over_64_kib_as_json_is_refused_with_its_size() {
    assert!(parse(&with_command_of(60 * 1024)).is_ok());
    let err = one_error(&with_command_of(1_900_000));
    assert!(
        err.contains("web.yaml:5:1: spec: the task definition is"),
        "{err}"
    );
    assert!(err.contains("at most 65536"), "{err}");
}

#[test]
fn more_than_ten_containers_are_refused() {
    let containers: String = (0..11)
        .map(|i| format!("    - name: c{i}\n      image: busybox\n"))
        .collect();
    let text = format!(
        "apiVersion: ecsd/v1\nkind: TaskDefinition\nmetadata:\n  name: many\nspec:\n  containerDefinitions:\n{containers}"
    );
    let err = one_error(&text);
    assert!(err.contains("at most 10 container definitions, got 11"), "{err}");
}

#[test]
fn a_service_above_the_tasks_per_service_quota_or_with_51_labels_is_refused() {
    let err = one_error(&GOOD.replace("desiredCount: 2", "desiredCount: 4294967295"));
    assert!(err.contains("spec.desiredCount: expected at most 5000"), "{err}");
    let labels: String = (0..51).map(|i| format!("    l{i}: v\n")).collect();
    let text = GOOD.replace(
        "  name: web\nspec:\n  taskDefinition",
        &format!("  name: web\n  labels:\n{labels}spec:\n  taskDefinition"),
    );
    let err = one_error(&text);
    assert!(
        err.contains("metadata.labels: a resource can have at most 50 tags"),
        "{err}"
    );
}

#[test]
fn yaml_nested_beyond_the_parser_limit_is_an_error_not_a_crash() {
    for deep in [
        format!("{}{}", "[".repeat(100_000), "]".repeat(100_000)),
        format!("{}{}", "{a: ".repeat(100_000), "}".repeat(100_000)),
        (0..2_800).map(|i| format!("{}- \n", " ".repeat(i))).collect(),
    ] {
        let started = std::time::Instant::now();
        let err = one_error(&deep);
        assert!(err.starts_with("web.yaml:"), "{err}");
        assert!(started.elapsed() < std::time::Duration::from_secs(2), "{err}");
    }
}

#[test]
fn flow_collections_nest_up_to_64_levels_and_one_more_is_refused_with_its_line() {
    let at = |depth: usize| format!("x:\n  {}1{}\n", "[".repeat(depth), "]".repeat(depth));
    let err = one_error(&at(64));
    assert!(!err.contains("nest more"), "{err}");
    let err = one_error(&at(65));
    assert_eq!(err, "web.yaml:2: [ and { nest more than 64 levels deep");
}

#[test]
fn an_alias_bomb_is_refused_without_expanding_it() {
    let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..10 {
        let refs = vec![format!("*a{}", i - 1); 10].join(", ");
        text.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
    }
    let started = std::time::Instant::now();
    let err = one_error(&text);
    assert!(err.contains("repetition limit"), "{err}");
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
}

#[test]
fn a_manifest_file_over_the_size_limit_is_refused_before_parsing() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("huge.yaml");
    let size = crate::model::limits::MAX_MANIFEST_FILE_BYTES as usize + 1;
    std::fs::write(&file, format!("#{}", "x".repeat(size))).unwrap();
    let errors = load_paths(&[file], &mut std::io::empty()).unwrap_err();
    assert!(
        errors[0].message.contains("larger than 4194304 bytes"),
        "{errors:?}"
    );
    let mut endless = std::io::repeat(b'#');
    let errors = load_paths(&["-".into()], &mut endless).unwrap_err();
    assert!(
        errors[0].to_string().starts_with("<stdin>: larger than"),
        "{errors:?}"
    );
}

#[test]
fn five_typical_mistakes_point_at_their_own_line_with_a_suggestion_where_one_fits() {
    let cases = [
        (GOOD.replace("      image: busybox", "      imgae: busybox"), "web.yaml:8:7: spec.containerDefinitions[0].imgae: unknown field `imgae`: did you mean `image`?"),
        (GOOD.replace("kind: Service", "kind: Servise"), "web.yaml:13:1: kind: did you mean Service?"),
        (GOOD.replace("  desiredCount: 2", "  desiredCount: two"), "web.yaml:18:17: spec.desiredCount: invalid type"),
        (GOOD.replace("  desiredCount: 2", "  desiredCount: 2\n  schedulingStrategy: REPLICAS"), "web.yaml:19:23: spec.schedulingStrategy: unknown variant `REPLICAS`: did you mean `REPLICA`?"),
        (
            GOOD.replace("        - containerPort: 80", "        - containerPort: 80\n      dependsOn:\n        - {containerName: db, condition: START}"),
            "web.yaml:12:12: spec.containerDefinitions[0].dependsOn[0].containerName: unknown container",
        ),
    ];
    for (text, want) in cases {
        let msg = one_error(&text);
        assert!(msg.starts_with(want), "want {want}\ngot  {msg}");
        assert_eq!(
            msg.matches("spec.").count().min(1),
            usize::from(want.contains("spec.")),
            "the path once: {msg}"
        );
    }
}
