//! Which tasks a service stops when it scales in.

use super::*;

/// A task of `WEB` with id `id` on `instance`, reserving 256 CPU units and 256 MiB.
fn task(id: &str, instance: &str) -> PlacedTask {
    PlacedTask {
        id: id.to_string(),
        instance: instance.to_string(),
        demand: demand(256, 256),
    }
}

/// `instance` running the given tasks (each `demand(256, 256)`).
fn hosting(instance: Instance, tasks: &[PlacedTask]) -> Instance {
    let n = tasks.iter().filter(|t| t.instance == instance.id).count() as u32;
    running(instance, n, &demand(256, 256))
}

#[test]
fn scale_in_under_the_default_strategy_stops_in_the_fullest_zone_on_its_fullest_instance() {
    let tasks = [
        task("a1-1", "a1"),
        task("a1-2", "a1"),
        task("a2-1", "a2"),
        task("b1-1", "b1"),
        task("b1-2", "b1"),
    ];
    let instances = [
        hosting(in_zone(instance("a1", 4096, 4096), "a"), &tasks),
        hosting(in_zone(instance("a2", 4096, 4096), "a"), &tasks),
        hosting(in_zone(instance("b1", 4096, 4096), "b"), &tasks),
    ];
    let chosen = choose_for_scale_in(&instances, &tasks, &service_strategies(&[]), 2, 0);
    assert_eq!(
        chosen,
        ["a1-1", "b1-1"],
        "zone a (3) first, then the zones tie at 2 and b1 has 2"
    );
}

#[test]
fn scale_in_under_binpack_stops_where_the_most_is_left_after_the_task_stops() {
    let tasks = [
        task("small-1", "small"),
        task("big-1", "big"),
        task("big-2", "big"),
    ];
    let instances = [
        hosting(instance("small", 1024, 1024), &tasks),
        hosting(instance("big", 8192, 8192), &tasks),
    ];
    let chosen = choose_for_scale_in(&instances, &tasks, &[binpack("memory")], 2, 0);
    assert_eq!(chosen, ["big-1", "big-2"], "consolidate onto the small instance");
}

#[test]
fn scale_in_stops_tasks_on_unknown_instances_first_then_the_callers_order_within_an_instance() {
    let tasks = [
        task("a-first", "a"),
        task("orphan", "gone"),
        task("a-second", "a"),
    ];
    let instances = [hosting(instance("a", 4096, 4096), &tasks)];
    assert_eq!(choose_for_scale_in(&instances, &tasks, &[], 1, 0), ["orphan"]);
    assert_eq!(
        choose_for_scale_in(&instances, &tasks, &[], 2, 0),
        ["orphan", "a-first"],
        "the first task listed on the chosen instance goes first"
    );
}

#[test]
fn scale_in_never_returns_more_than_asked_or_than_there_are_tasks() {
    let tasks = [task("t1", "a"), task("t2", "a")];
    let instances = [hosting(instance("a", 4096, 4096), &tasks)];
    assert_eq!(
        choose_for_scale_in(&instances, &tasks, &[], 0, 0),
        Vec::<String>::new()
    );
    assert_eq!(
        choose_for_scale_in(&instances, &tasks, &[random()], 5, 3).len(),
        2
    );
}

#[test]
fn scale_in_after_spread_placement_keeps_the_counts_within_one() {
    let instances: Vec<Instance> = (0..4).map(|i| instance(&format!("i{i}"), 8192, 8192)).collect();
    let placed = place(&instances, &demand(256, 256), &[], &[spread("instanceId")], 10, 1);
    let tasks: Vec<PlacedTask> = placed
        .placed
        .iter()
        .enumerate()
        .map(|(n, id)| task(&format!("t{n}"), id))
        .collect();
    let hosts: Vec<Instance> = instances.iter().map(|i| hosting(i.clone(), &tasks)).collect();
    let stopped = choose_for_scale_in(&hosts, &tasks, &[spread("instanceId")], 5, 2);
    let mut left: BTreeMap<&str, usize> = BTreeMap::new();
    for t in tasks.iter().filter(|t| !stopped.contains(&t.id)) {
        *left.entry(t.instance.as_str()).or_insert(0) += 1;
    }
    let (min, max) = (left.values().min().unwrap(), left.values().max().unwrap());
    assert!(max - min <= 1, "{left:?}");
    assert_eq!(left.values().sum::<usize>(), 5);
}
