//! Parsing of whole task definitions: an ECS export, unknown and unsupported fields, enums.

use super::*;
use crate::model::{LoadedManifest, Manifest, ManifestError, parse_text};

fn load(text: &str) -> Result<Vec<LoadedManifest>, Vec<ManifestError>> {
    let (mut loaded, mut errors) = (Vec::new(), Vec::new());
    parse_text("td.json", text, &mut loaded, &mut errors);
    if errors.is_empty() {
        Ok(loaded)
    } else {
        Err(errors)
    }
}

fn errors_of(text: &str) -> Vec<String> {
    load(text)
        .err()
        .unwrap_or_default()
        .iter()
        .map(ToString::to_string)
        .collect()
}

/// `aws ecs describe-task-definition` output without the output-only fields (ARN, revision,
/// status, requiresAttributes, compatibilities, registeredAt/By).
const ECS_EXPORT: &str = r#"{
  "family": "shop",
  "networkMode": "bridge",
  "requiresCompatibilities": ["EC2"],
  "cpu": "1 vCPU",
  "memory": "1GB",
  "pidMode": "task",
  "ipcMode": "task",
  "placementConstraints": [],
  "volumes": [
    {"name": "static", "host": {"sourcePath": "/srv/shop/static"}},
    {"name": "scratch", "host": {}},
    {"name": "pgdata", "dockerVolumeConfiguration": {
      "scope": "shared", "autoprovision": true, "driver": "local",
      "driverOpts": {"type": "tmpfs", "device": "tmpfs"}, "labels": {"team": "shop"}}}
  ],
  "containerDefinitions": [
    {
      "name": "web",
      "image": "nginx:1.27",
      "cpu": 256,
      "memory": 256,
      "memoryReservation": 128,
      "essential": true,
      "portMappings": [{"containerPort": 80, "hostPort": 8080, "protocol": "tcp"}],
      "environment": [{"name": "UPSTREAM", "value": "app:3000"}],
      "environmentFiles": [{"value": "/etc/shop/web.env", "type": "s3"}],
      "mountPoints": [{"sourceVolume": "static", "containerPath": "/usr/share/nginx/html", "readOnly": true}],
      "volumesFrom": [],
      "ulimits": [{"name": "nofile", "softLimit": 65536, "hardLimit": 65536}],
      "logConfiguration": {"logDriver": "json-file", "options": {"max-size": "20m"}, "secretOptions": []},
      "healthCheck": {"command": ["CMD-SHELL", "curl -f http://localhost/ || exit 1"],
                      "interval": 15, "timeout": 5, "retries": 3, "startPeriod": 10},
      "systemControls": [],
      "dockerLabels": {"com.example.tier": "frontend"},
      "stopTimeout": 20
    },
    {
      "name": "app",
      "image": "ghcr.io/example/shop:2.3.1",
      "cpu": 512,
      "memory": 512,
      "essential": true,
      "entryPoint": ["/app/bin/shop"],
      "command": ["serve", "--port", "3000"],
      "user": "1000:1000",
      "workingDirectory": "/app",
      "readonlyRootFilesystem": true,
      "privileged": false,
      "mountPoints": [{"sourceVolume": "scratch", "containerPath": "/app/tmp"}],
      "linuxParameters": {
        "capabilities": {"add": ["NET_BIND_SERVICE"], "drop": ["ALL"]},
        "initProcessEnabled": true,
        "sharedMemorySize": 64,
        "tmpfs": [{"containerPath": "/run", "size": 16, "mountOptions": ["noexec", "nosuid"]}],
        "devices": [],
        "maxSwap": 0,
        "swappiness": 0
      },
      "dependsOn": [{"containerName": "migrate", "condition": "SUCCESS"},
                    {"containerName": "db", "condition": "HEALTHY"}],
      "extraHosts": [{"hostname": "payments.internal", "ipAddress": "10.0.0.20"}],
      "dnsServers": ["1.1.1.1"],
      "dnsSearchDomains": ["internal"],
      "startTimeout": 60,
      "interactive": false,
      "pseudoTerminal": false,
      "disableNetworking": false
    },
    {
      "name": "migrate",
      "image": "ghcr.io/example/shop:2.3.1",
      "essential": false,
      "command": ["migrate"],
      "memoryReservation": 64,
      "links": ["db:database"]
    },
    {
      "name": "db",
      "image": "postgres:16",
      "memory": 128,
      "essential": true,
      "environment": [{"name": "POSTGRES_PASSWORD", "value": "local-only"}],
      "mountPoints": [{"sourceVolume": "pgdata", "containerPath": "/var/lib/postgresql/data"}],
      "healthCheck": {"command": ["CMD", "pg_isready", "-U", "postgres"]},
      "hostname": "db"
    }
  ]
}"#;

#[test]
fn a_realistic_ecs_export_parses_and_validates() {
    let loaded = load(ECS_EXPORT).unwrap_or_else(|errors| {
        panic!(
            "{}",
            errors
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n")
        )
    });
    let Manifest::TaskDefinition(doc) = &loaded[0].manifest else {
        panic!("expected a task definition")
    };
    let spec = &doc.spec;
    assert_eq!(doc.metadata.name, "shop");
    assert_eq!(spec.cpu, Some(CpuUnits(1024)));
    assert_eq!(spec.memory, Some(Mebibytes(1024)));
    assert_eq!(spec.volumes[2].scope(), VolumeScope::Shared);
    assert_eq!(spec.volumes[0].bind_source(), Some("/srv/shop/static"));
    assert_eq!(
        spec.volumes[1].bind_source(),
        None,
        "an empty host is engine-managed"
    );
    let app = spec.container("app").unwrap();
    let linux = app.linux_parameters.as_ref().unwrap();
    assert_eq!(linux.init_process_enabled, Some(true));
    assert_eq!(linux.tmpfs[0].mount_options, ["noexec", "nosuid"]);
    assert_eq!(spec.namespace_holder().map(|c| c.name.as_str()), Some("web"));
}

#[test]
fn every_new_struct_rejects_unknown_fields() {
    let cases = [
        ("\"volumes\": [", "\"volumes\": [{\"name\": \"x\", \"hots\": {}},"),
        (
            "\"ulimits\": [",
            "\"ulimits\": [{\"name\": \"core\", \"softLimit\": 1, \"hardLimit\": 1, \"x\": 1},",
        ),
        (
            "\"initProcessEnabled\"",
            "\"initProcess\": true, \"initProcessEnabled\"",
        ),
        ("\"logDriver\"", "\"driver\": \"x\", \"logDriver\""),
    ];
    for (from, to) in cases {
        let errors = errors_of(&ECS_EXPORT.replacen(from, to, 1));
        assert!(
            errors.len() == 1 && errors[0].contains("unknown field"),
            "{from}: {errors:?}"
        );
    }
}

#[test]
fn fields_still_unsupported_say_so_by_name() {
    let cases = [
        (
            "\"memory\": 128,",
            "\"memory\": 128, \"secrets\": [{\"name\": \"A\", \"valueFrom\": \"arn\"}],",
        ),
        (
            "\"secretOptions\": []",
            "\"secretOptions\": [{\"name\": \"A\", \"valueFrom\": \"arn\"}]",
        ),
        (
            "{\"name\": \"scratch\", \"host\": {}}",
            "{\"name\": \"efs\", \"efsVolumeConfiguration\": {\"fileSystemId\": \"fs-1\"}}",
        ),
        (
            "\"pidMode\": \"task\",",
            "\"pidMode\": \"task\", \"tags\": [{\"key\": \"a\", \"value\": \"b\"}],",
        ),
    ];
    for (from, to) in cases {
        let errors = errors_of(&ECS_EXPORT.replacen(from, to, 1));
        assert!(
            errors.len() == 1 && errors[0].contains("not supported yet"),
            "{from}: {errors:?}"
        );
    }
}

#[test]
fn network_pid_and_ipc_modes_read_their_ecs_values() {
    let modes: Vec<NetworkMode> = serde_json::from_str(r#"["bridge", "host", "none", "awsvpc"]"#).unwrap();
    assert_eq!(
        modes,
        [
            NetworkMode::Bridge,
            NetworkMode::Host,
            NetworkMode::None,
            NetworkMode::Awsvpc
        ]
    );
    assert_eq!(
        serde_json::from_str::<PidMode>("\"task\"").unwrap(),
        PidMode::Task
    );
    assert_eq!(
        serde_json::from_str::<IpcMode>("\"none\"").unwrap(),
        IpcMode::None
    );
    assert!(serde_json::from_str::<IpcMode>("\"private\"").is_err());
}

#[test]
fn environment_file_type_is_s3_or_file() {
    let file: EnvironmentFile = serde_json::from_str(r#"{"value": "/a.env", "type": "file"}"#).unwrap();
    assert_eq!(file.file_type, Some(EnvironmentFileType::File));
    assert!(serde_json::from_str::<EnvironmentFile>(r#"{"value": "/a.env", "type": "http"}"#).is_err());
}

#[test]
fn a_spec_survives_a_round_trip_through_its_serialized_form() {
    let loaded = load(ECS_EXPORT).unwrap();
    let Manifest::TaskDefinition(doc) = &loaded[0].manifest else {
        panic!("expected a task definition")
    };
    let json = serde_json::to_string(&doc.spec).unwrap();
    let back: TaskDefinitionSpec = serde_json::from_str(&json).unwrap();
    assert_eq!(back, doc.spec);
}

#[test]
fn a_definition_is_fargate_compatible_only_with_awsvpc_and_task_cpu_and_memory() {
    use Compatibility::{Ec2, External, Fargate};
    let mut spec = crate::model::fixtures::task_definition(&[("web", "busybox")]);
    assert_eq!(spec.compatibilities(), [Ec2, External]);
    spec.network_mode = Some(NetworkMode::Awsvpc);
    spec.cpu = Some(CpuUnits(256));
    assert_eq!(spec.compatibilities(), [Ec2, External], "no task memory");
    spec.memory = Some(Mebibytes(512));
    assert_eq!(spec.compatibilities(), [Ec2, External, Fargate]);
    spec.network_mode = Some(NetworkMode::Bridge);
    assert_eq!(spec.compatibilities(), [Ec2, External], "bridge networking");
}
