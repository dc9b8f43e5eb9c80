//! When nothing fits: the closest instance and ECS's sentences.

use super::*;

const PREFIX: &str =
    "(service web) was unable to place a task because no container instance met all of its requirements.";

fn unplaced(rejections: &[(&str, Rejection)]) -> Unplaced {
    Unplaced {
        rejections: rejections.iter().map(|(id, r)| (id.to_string(), *r)).collect(),
    }
}

#[test]
fn the_closest_instance_is_the_one_that_got_furthest_through_the_filters() {
    let found = unplaced(&[
        ("a", Rejection::Draining),
        ("b", Rejection::Memory),
        ("c", Rejection::Cpu),
        ("d", Rejection::Memory),
    ]);
    assert_eq!(
        found.closest(),
        Some(&("b".to_string(), Rejection::Memory)),
        "the first of a tie"
    );
    let constrained = unplaced(&[("a", Rejection::Ports), ("b", Rejection::MemberOf)]);
    assert_eq!(constrained.closest().unwrap().0, "b");
    assert_eq!(Unplaced::default().closest(), None);
}

#[test]
fn the_service_event_says_in_ecs_words_what_the_closest_instance_lacks() {
    let memory = unplaced(&[("ci-1", Rejection::Cpu), ("ci-2", Rejection::Memory)]);
    assert_eq!(
        memory.service_event("web"),
        format!(
            "{PREFIX} The closest matching container-instance ci-2 has insufficient memory available. \
             Rejected: ci-1 (RESOURCE:CPU), ci-2 (RESOURCE:MEMORY)."
        )
    );
    let cpu = unplaced(&[("ci-1", Rejection::Cpu)]).service_event("web");
    assert!(
        cpu.contains("container-instance ci-1 has insufficient CPU units available."),
        "{cpu}"
    );
    let port = unplaced(&[("ci-1", Rejection::PortsUdp)]).service_event("web");
    assert!(
        port.contains("container-instance ci-1 is already using a port required by your task."),
        "{port}"
    );
}

#[test]
fn the_service_event_names_a_failed_constraint_or_a_lost_agent_as_an_error() {
    let distinct = unplaced(&[("ci-1", Rejection::DistinctInstance)]).service_event("web");
    assert!(
        distinct.contains(
            "container-instance ci-1 encountered error \"DistinctInstance placement constraint unsatisfied.\"."
        ),
        "{distinct}"
    );
    let member = unplaced(&[("ci-1", Rejection::MemberOf)]).service_event("web");
    assert!(
        member.contains("error \"MemberOf placement constraint unsatisfied.\""),
        "{member}"
    );
    let agent = unplaced(&[("ci-1", Rejection::Disconnected)]).service_event("web");
    assert!(agent.contains("encountered error \"AGENT\"."), "{agent}");
}

#[test]
fn with_no_instances_the_event_says_the_cluster_has_none() {
    assert_eq!(
        Unplaced::default().service_event("web"),
        format!("{PREFIX} Reason: No Container Instances were found in your cluster.")
    );
    let placement = place(&[], &demand(1, 1), &[], &[], 2, 0);
    assert_eq!(placement.unplaced, vec![Unplaced::default(); 2]);
}

#[test]
fn the_event_names_ten_instances_and_counts_the_rest() {
    let ids: Vec<String> = (0..13).map(|i| format!("ci-{i}")).collect();
    let many = Unplaced {
        rejections: ids.iter().map(|id| (id.clone(), Rejection::Memory)).collect(),
    };
    let event = many.service_event("web");
    assert!(event.contains("ci-9 (RESOURCE:MEMORY) and 3 more."), "{event}");
    assert!(!event.contains("ci-10 "), "{event}");
}

#[test]
fn every_task_left_unplaced_carries_the_reasons() {
    let instances = [instance("a", 1024, 1024)];
    let placement = place(&instances, &demand(512, 0), &[], &[], 5, 0);
    assert_eq!(placement.placed, ["a", "a"]);
    assert_eq!(placement.unplaced.len(), 3);
    assert!(
        placement
            .unplaced
            .iter()
            .all(|u| u.rejections == [("a".to_string(), Rejection::Cpu)])
    );
}
