use super::*;
use crate::model::{ContainerDefinition, ServiceSpec, StopCode, TaskDefinitionSpec};
use crate::store::records::*;
use crate::store::{MemoryStore, SledStore};
use std::collections::BTreeMap;

fn spec(image: &str) -> TaskDefinitionSpec {
    TaskDefinitionSpec {
        container_definitions: vec![ContainerDefinition {
            name: "web".into(),
            image: image.into(),
            ..Default::default()
        }],
        ..Default::default()
    }
}

fn catalog() -> Catalog {
    Catalog::new(Arc::new(MemoryStore::new()))
}

#[test]
fn an_unchanged_task_definition_keeps_its_revision_and_a_change_registers_the_next() {
    let c = catalog();
    let none = BTreeMap::new();
    let (r1, o1) = c
        .register_task_definition("web", &spec("busybox"), &none)
        .unwrap();
    let (r1b, o1b) = c
        .register_task_definition("web", &spec("busybox"), &none)
        .unwrap();
    let (r2, o2) = c
        .register_task_definition("web", &spec("busybox:1"), &none)
        .unwrap();
    assert_eq!((r1.revision, o1), (1, ApplyOutcome::Created));
    assert_eq!((r1b.revision, o1b), (1, ApplyOutcome::Unchanged));
    assert_eq!((r2.revision, o2), (2, ApplyOutcome::Configured));
    assert_eq!(c.latest_task_definition("web").unwrap().unwrap().revision, 2);
}

#[test]
fn a_label_only_change_retags_the_latest_revision_without_registering_one() {
    let c = catalog();
    let tags = |v: &str| BTreeMap::from([("team".to_string(), v.to_string())]);
    c.register_task_definition("web", &spec("busybox"), &tags("a"))
        .unwrap();
    let (r, outcome) = c
        .register_task_definition("web", &spec("busybox"), &tags("b"))
        .unwrap();
    assert_eq!((r.revision, outcome), (1, ApplyOutcome::Configured));
    let latest = c.latest_task_definition("web").unwrap().unwrap();
    assert_eq!((latest.revision, latest.labels), (1, tags("b")));
    let (_, again) = c
        .register_task_definition("web", &spec("busybox"), &tags("b"))
        .unwrap();
    assert_eq!(again, ApplyOutcome::Unchanged);
}

#[test]
fn revisions_are_never_reused_after_deregistration() {
    let c = catalog();
    let none = BTreeMap::new();
    c.register_task_definition("web", &spec("a"), &none).unwrap();
    assert_eq!(c.deregister_family("web").unwrap(), 1);
    assert!(c.latest_task_definition("web").unwrap().is_none());
    let (r, outcome) = c.register_task_definition("web", &spec("a"), &none).unwrap();
    assert_eq!((r.revision, outcome), (2, ApplyOutcome::Created));
    let history = c.task_definition_revisions("web").unwrap();
    assert_eq!(history[0].status, TaskDefinitionStatus::Inactive);
}

#[test]
fn revision_ten_sorts_after_revision_nine() {
    let c = catalog();
    let none = BTreeMap::new();
    for i in 0..10 {
        c.register_task_definition("web", &spec(&format!("img{i}")), &none)
            .unwrap();
    }
    assert_eq!(
        c.latest_task_definition("web").unwrap().unwrap().spec,
        spec("img9")
    );
}

#[test]
fn service_generation_moves_only_when_the_spec_changes() {
    let c = catalog();
    let none = BTreeMap::new();
    let mut s = ServiceSpec {
        task_definition: "web".into(),
        desired_count: Some(2),
        ..Default::default()
    };
    assert_eq!(
        c.apply_service("default", "web", &s, &none).unwrap(),
        ApplyOutcome::Created
    );
    assert_eq!(
        c.apply_service("default", "web", &s, &none).unwrap(),
        ApplyOutcome::Unchanged
    );
    s.desired_count = Some(3);
    assert_eq!(
        c.apply_service("default", "web", &s, &none).unwrap(),
        ApplyOutcome::Configured
    );
    assert_eq!(c.service("default", "web").unwrap().unwrap().generation, 2);
}

#[test]
fn a_draining_service_blocks_re_creation_under_the_same_name() {
    let c = catalog();
    let none = BTreeMap::new();
    let s = ServiceSpec {
        task_definition: "web".into(),
        desired_count: Some(1),
        ..Default::default()
    };
    c.apply_service("default", "web", &s, &none).unwrap();
    c.mark_service_deleting("default", "web").unwrap();
    let err = c.apply_service("default", "web", &s, &none).unwrap_err();
    assert!(err.to_string().contains("being deleted"), "{err}");
    c.remove_service("default", "web").unwrap();
    assert_eq!(
        c.apply_service("default", "web", &s, &none).unwrap(),
        ApplyOutcome::Created
    );
}

#[test]
fn the_first_stop_request_wins() {
    let c = catalog();
    let task = TaskRecord::standalone(&"a".repeat(32), "web:1");
    c.create_task(&task).unwrap();
    c.request_task_stop(&task.id, StopCode::UserInitiated, "first")
        .unwrap();
    let t = c
        .request_task_stop(&task.id, StopCode::ServiceSchedulerInitiated, "second")
        .unwrap();
    assert_eq!(t.stopped_reason.as_deref(), Some("first"));
    assert!(c.request_task_stop("nope", StopCode::UserInitiated, "x").is_err());
}

#[test]
fn intent_written_to_sled_survives_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let none = BTreeMap::new();
    {
        let c = Catalog::new(Arc::new(SledStore::open(dir.path()).unwrap()));
        c.register_task_definition("web", &spec("busybox"), &none)
            .unwrap();
    }
    let c = Catalog::new(Arc::new(SledStore::open(dir.path()).unwrap()));
    assert_eq!(c.latest_task_definition("web").unwrap().unwrap().revision, 1);
    let (r, _) = c.register_task_definition("web", &spec("other"), &none).unwrap();
    assert_eq!(r.revision, 2);
}

#[test]
fn writers_are_notified_of_intent_changes() {
    let c = catalog();
    let mut rx = c.subscribe();
    c.register_task_definition("web", &spec("a"), &BTreeMap::new())
        .unwrap();
    assert_eq!(rx.try_recv().unwrap(), Change::TaskDefinition("web".into()));
}

#[test]
fn the_ecs_register_makes_a_new_revision_even_for_an_identical_spec() {
    let c = catalog();
    let none = BTreeMap::new();
    let r1 = c
        .register_task_definition_revision("web", &spec("a"), &none)
        .unwrap();
    let r2 = c
        .register_task_definition_revision("web", &spec("a"), &none)
        .unwrap();
    assert_eq!((r1.revision, r2.revision), (1, 2));
    let (kept, outcome) = c.register_task_definition("web", &spec("a"), &none).unwrap();
    assert_eq!((kept.revision, outcome), (2, ApplyOutcome::Unchanged));
}

#[test]
fn any_revision_can_be_deregistered_and_only_an_inactive_one_deleted() {
    let c = catalog();
    let none = BTreeMap::new();
    for image in ["a", "b", "c"] {
        c.register_task_definition("web", &spec(image), &none).unwrap();
    }
    let err = c.delete_task_definition("web", 1).unwrap_err();
    assert!(err.to_string().contains("deregister it first"), "{err}");
    let r1 = c.deregister_task_definition("web", 1).unwrap();
    assert_eq!(r1.status, TaskDefinitionStatus::Inactive);
    assert_eq!(c.latest_task_definition("web").unwrap().unwrap().revision, 3);
    let deleted = c.delete_task_definition("web", 1).unwrap();
    assert_eq!(deleted.status, TaskDefinitionStatus::DeleteInProgress);
    assert!(deleted.delete_requested_at.is_some());
    assert!(c.deregister_task_definition("web", 1).is_err());
    assert!(matches!(
        c.deregister_task_definition("web", 9),
        Err(StoreError::NotFound(_))
    ));
}

#[test]
fn a_deleted_cluster_leaves_a_tombstone_until_it_is_used_again() {
    let c = catalog();
    c.apply_cluster("prod", BTreeMap::new(), None).unwrap();
    let s = ServiceSpec {
        task_definition: "web".into(),
        ..Default::default()
    };
    c.apply_service("prod", "web", &s, &BTreeMap::new()).unwrap();
    assert!(
        c.delete_cluster("prod")
            .unwrap_err()
            .to_string()
            .contains("services")
    );
    c.remove_service("prod", "web").unwrap();
    c.delete_cluster("prod").unwrap();
    assert!(c.cluster("prod").unwrap().is_none());
    assert_eq!(c.deleted_cluster("prod").unwrap().unwrap().record.name, "prod");
    c.delete_cluster(crate::model::DEFAULT_CLUSTER).unwrap();
    assert!(
        c.delete_cluster(crate::model::DEFAULT_CLUSTER).is_err(),
        "already deleted"
    );
    c.create_task(&TaskRecord::standalone(&"b".repeat(32), "web:1"))
        .unwrap();
    assert!(
        c.deleted_cluster(crate::model::DEFAULT_CLUSTER)
            .unwrap()
            .is_none()
    );
    assert_eq!(
        c.cluster_occupancy(crate::model::DEFAULT_CLUSTER).unwrap(),
        (0, 1)
    );
}

#[test]
fn a_removed_service_stays_describable_as_a_tombstone() {
    let c = catalog();
    let s = ServiceSpec {
        task_definition: "web".into(),
        ..Default::default()
    };
    c.apply_service("default", "web", &s, &BTreeMap::new()).unwrap();
    assert!(c.inactive_service("default", "web").unwrap().is_none());
    c.remove_service("default", "web").unwrap();
    let gone = c.inactive_service("default", "web").unwrap().unwrap();
    assert_eq!(gone.record.name, "web");
}

#[test]
fn the_container_instance_id_is_made_once_and_draining_is_kept() {
    let c = catalog();
    let id = c.container_instance_id().unwrap();
    assert_eq!(id.len(), 32);
    assert_eq!(c.container_instance_id().unwrap(), id);
    let r = c
        .update_container_instance("default", |r| {
            r.status = InstanceStatus::Draining;
            Ok(())
        })
        .unwrap();
    assert_eq!(r.version, 1);
    assert_eq!(
        c.container_instance("default").unwrap().status,
        InstanceStatus::Draining
    );
    assert_eq!(
        c.container_instance("prod").unwrap().status,
        InstanceStatus::Active
    );
}

#[test]
fn after_a_database_loss_the_spec_containers_run_gets_its_revision_number_back() {
    let c = catalog();
    let none = BTreeMap::new();
    let running = spec("busybox");
    c.note_adopted_revision("web", 3, Some(&running.digest()))
        .unwrap();
    let (again, outcome) = c.register_task_definition("web", &running, &none).unwrap();
    assert_eq!((again.revision, outcome), (3, ApplyOutcome::Created));
    assert!(c.adopted_revisions("web").unwrap().is_empty(), "number used");
    let (next, _) = c
        .register_task_definition("web", &spec("busybox:2"), &none)
        .unwrap();
    assert_eq!(next.revision, 4);
}

#[test]
fn after_a_database_loss_a_changed_spec_is_numbered_above_every_revision_seen() {
    let c = catalog();
    let none = BTreeMap::new();
    c.note_adopted_revision("web", 3, Some(&spec("busybox").digest()))
        .unwrap();
    c.note_adopted_revision("web", 5, None).unwrap();
    let (changed, _) = c
        .register_task_definition("web", &spec("busybox:new"), &none)
        .unwrap();
    assert_eq!(changed.revision, 6, "never reuses a number containers carry");
    let (old, _) = c
        .register_task_definition("web", &spec("busybox"), &none)
        .unwrap();
    assert_eq!(
        old.revision, 7,
        "3 is below the latest now: taking it back would not make it latest"
    );
}

#[test]
fn a_revision_registered_here_is_not_noted_as_adopted() {
    let c = catalog();
    let (r1, _) = c
        .register_task_definition("web", &spec("busybox"), &BTreeMap::new())
        .unwrap();
    c.note_adopted_revision("web", r1.revision, None).unwrap();
    assert!(c.adopted_revisions("web").unwrap().is_empty());
}
