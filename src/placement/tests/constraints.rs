//! The second step: distinctInstance and memberOf, alone and together.

use super::*;

#[test]
fn distinct_instance_puts_each_task_of_the_group_on_its_own_instance_and_leaves_the_rest_unplaced() {
    let instances = [
        instance("a", 4096, 4096),
        instance("b", 4096, 4096),
        instance("c", 4096, 4096),
    ];
    let placement = place(
        &instances,
        &demand(1, 1),
        &[Constraint::DistinctInstance],
        &[],
        4,
        0,
    );
    assert_eq!(
        per_instance(&placement),
        BTreeMap::from([("a", 1), ("b", 1), ("c", 1)])
    );
    assert_eq!(placement.unplaced.len(), 1);
    assert!(
        placement.unplaced[0]
            .rejections
            .iter()
            .all(|(_, r)| *r == Rejection::DistinctInstance)
    );
}

#[test]
fn distinct_instance_counts_the_tasks_of_the_group_already_running_but_not_other_groups() {
    let web = demand(1, 1);
    let batch = Demand {
        group: "family:batch".into(),
        ..demand(1, 1)
    };
    let instances = [
        running(instance("a", 4096, 4096), 1, &web),
        running(instance("b", 4096, 4096), 3, &batch),
    ];
    let placement = place(&instances, &web, &[Constraint::DistinctInstance], &[], 2, 0);
    assert_eq!(placement.placed, ["b"]);
    assert_eq!(placement.unplaced.len(), 1);
}

#[test]
fn member_of_keeps_only_the_instances_its_expression_matches() {
    let instances = [
        with(instance("docker-1", 4096, 4096), "ecsd.engine", "docker"),
        with(instance("podman-1", 4096, 4096), "ecsd.engine", "podman"),
        with(instance("podman-2", 4096, 4096), "ecsd.engine", "podman"),
    ];
    let podman = [member_of("attribute:ecsd.engine == podman")];
    let placement = place(&instances, &demand(1, 1), &podman, &[spread("instanceId")], 4, 0);
    assert_eq!(
        per_instance(&placement),
        BTreeMap::from([("podman-1", 2), ("podman-2", 2)])
    );
    let nowhere = place(
        &instances,
        &demand(1, 1),
        &[member_of("attribute:gpu exists")],
        &[],
        1,
        0,
    );
    assert!(nowhere.placed.is_empty());
    assert!(
        nowhere.unplaced[0]
            .rejections
            .iter()
            .all(|(_, r)| *r == Rejection::MemberOf)
    );
}

#[test]
fn member_of_sees_instance_ids_running_counts_and_task_groups() {
    let db = Demand {
        group: "service:db".into(),
        ..demand(1, 1)
    };
    let mut busy = running(instance("busy", 4096, 4096), 1, &db);
    busy.running_tasks_count = 5;
    let instances = [busy, instance("idle", 4096, 4096)];
    let one = |constraint: &str| place(&instances, &demand(1, 1), &[member_of(constraint)], &[], 1, 0).placed;
    assert_eq!(one("ec2InstanceId == idle"), ["idle"]);
    assert_eq!(one("runningTasksCount < 2"), ["idle"]);
    assert_eq!(one("task:group == service:db"), ["busy"], "next to the database");
    assert_eq!(one("not(task:group == service:db)"), ["idle"], "away from it");
}

#[test]
fn a_task_group_placed_earlier_in_the_call_counts_for_task_group_queries() {
    let instances = [instance("a", 4096, 4096), instance("b", 4096, 4096)];
    let with_itself = [member_of("not(task:group == service:web)")];
    let placement = place(&instances, &demand(1, 1), &with_itself, &[], 3, 0);
    assert_eq!(
        placement.placed.len(),
        2,
        "each instance takes one, then none is left"
    );
}

#[test]
fn every_constraint_must_hold_and_resources_are_checked_before_constraints() {
    let instances = [
        with(instance("small-ssd", 512, 512), "disk", "ssd"),
        with(instance("big-hdd", 4096, 4096), "disk", "hdd"),
        with(instance("big-ssd", 4096, 4096), "disk", "ssd"),
    ];
    let constraints = [member_of("attribute:disk == ssd"), Constraint::DistinctInstance];
    let placement = place(&instances, &demand(1024, 1024), &constraints, &[], 2, 0);
    assert_eq!(placement.placed, ["big-ssd"]);
    assert_eq!(
        placement.unplaced[0].rejections,
        vec![
            ("small-ssd".to_string(), Rejection::Cpu),
            ("big-hdd".to_string(), Rejection::MemberOf),
            ("big-ssd".to_string(), Rejection::DistinctInstance),
        ]
    );
}

#[test]
fn constraints_compile_or_say_which_one_is_wrong() {
    let rule = |kind, expression: Option<&str>| PlacementConstraint {
        kind,
        expression: expression.map(str::to_string),
    };
    let compiled = Constraint::compile_all(&[
        rule(PlacementConstraintType::DistinctInstance, None),
        rule(PlacementConstraintType::MemberOf, Some("attribute:a exists")),
    ])
    .unwrap();
    assert_eq!(compiled[0], Constraint::DistinctInstance);
    let missing = Constraint::compile_all(&[rule(PlacementConstraintType::MemberOf, None)]).unwrap_err();
    assert_eq!(missing.to_string(), "memberOf constraint 0 has no expression");
    let bad = Constraint::compile_all(&[
        rule(PlacementConstraintType::DistinctInstance, None),
        rule(PlacementConstraintType::MemberOf, Some("attribute:a =~ x")),
    ])
    .unwrap_err();
    assert!(
        bad.to_string()
            .starts_with("memberOf constraint 1: expression \"attribute:a =~ x\": operator"),
        "{bad}"
    );
}

#[test]
fn a_daemon_runs_on_every_active_connected_instance_its_constraints_match() {
    let instances = [
        with(instance("docker", 4096, 4096), "ecsd.engine", "docker"),
        with(instance("podman", 4096, 4096), "ecsd.engine", "podman"),
        Instance {
            status: InstanceStatus::Draining,
            ..with(instance("draining", 4096, 4096), "ecsd.engine", "docker")
        },
        Instance {
            connected: false,
            ..with(instance("lost", 4096, 4096), "ecsd.engine", "docker")
        },
        with(instance("full", 0, 0), "ecsd.engine", "docker"),
    ];
    assert_eq!(daemon_targets(&instances, &[]), ["docker", "podman", "full"]);
    let docker_only = [
        member_of("attribute:ecsd.engine == docker"),
        Constraint::DistinctInstance,
    ];
    assert_eq!(daemon_targets(&instances, &docker_only), ["docker", "full"]);
    assert_eq!(
        check(&instances[4], &demand(1, 1), &docker_only),
        Err(Rejection::Cpu),
        "a new daemon task is checked before it starts"
    );
}
