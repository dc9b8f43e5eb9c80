//! The third and fourth steps: strategies as tie-breakers in order, then the seeded choice.

use super::*;

#[test]
fn binpack_memory_puts_the_task_where_the_least_memory_is_left_that_still_fits() {
    let instances = [
        instance("roomy", 4096, 4096),
        instance("snug", 4096, 1024),
        instance("too-small", 4096, 256),
    ];
    let placement = place(&instances, &demand(0, 512), &[], &[binpack("memory")], 3, 1);
    assert_eq!(placement.placed, ["snug", "snug", "roomy"]);
}

#[test]
fn binpack_cpu_ranks_by_cpu_left_not_memory() {
    let instances = [
        instance("cpu-poor", 1024, 8192),
        instance("memory-poor", 4096, 1024),
    ];
    let by_cpu = place(&instances, &demand(256, 256), &[], &[binpack("cpu")], 1, 1);
    assert_eq!(by_cpu.placed, ["cpu-poor"]);
    let by_memory = place(&instances, &demand(256, 256), &[], &[binpack("MEMORY")], 1, 1);
    assert_eq!(by_memory.placed, ["memory-poor"]);
}

#[test]
fn spread_over_instances_puts_each_task_where_its_group_has_fewest() {
    let web = demand(1, 1);
    let other = Demand {
        group: "service:other".into(),
        ..demand(1, 1)
    };
    let instances = [
        running(instance("a", 4096, 4096), 2, &web),
        running(instance("b", 4096, 4096), 0, &web),
        running(instance("c", 4096, 4096), 5, &other),
    ];
    let placement = place(&instances, &web, &[], &[spread("instanceId")], 4, 3);
    let counts = per_instance(&placement);
    assert_eq!(counts["b"], 2, "b catches up with a first: {counts:?}");
    assert_eq!(
        counts["c"], 2,
        "c's tasks of another group do not count: {counts:?}"
    );
    assert!(!counts.contains_key("a"), "{counts:?}");
    assert_eq!(
        place(&instances, &web, &[], &[spread("host")], 4, 3),
        placement,
        "host is instanceId"
    );
}

#[test]
fn spread_over_an_attribute_balances_its_values_not_the_instances() {
    let instances = [
        in_zone(instance("a1", 4096, 4096), "a"),
        in_zone(instance("a2", 4096, 4096), "a"),
        in_zone(instance("a3", 4096, 4096), "a"),
        in_zone(instance("b1", 4096, 4096), "b"),
    ];
    let placement = place(
        &instances,
        &demand(1, 1),
        &[],
        &[spread("attribute:ecs.availability-zone")],
        4,
        9,
    );
    let in_b = placement.placed.iter().filter(|id| *id == "b1").count();
    assert_eq!(
        in_b, 2,
        "half of the tasks go to zone b's one instance: {:?}",
        placement.placed
    );
}

#[test]
fn spread_counts_the_tasks_on_instances_that_cannot_take_another() {
    let web = demand(512, 512);
    let instances = [
        in_zone(running(instance("a-full", 1024, 1024), 2, &web), "a"),
        in_zone(instance("a-empty", 4096, 4096), "a"),
        in_zone(instance("b", 4096, 4096), "b"),
    ];
    let placement = place(
        &instances,
        &web,
        &[],
        &[spread("attribute:ecs.availability-zone")],
        2,
        0,
    );
    assert_eq!(placement.placed, ["b", "b"], "zone a already holds two tasks");
}

#[test]
fn instances_without_the_spread_attribute_share_one_value_of_their_own() {
    let instances = [
        in_zone(instance("a", 4096, 4096), "a"),
        instance("bare-1", 4096, 4096),
        instance("bare-2", 4096, 4096),
    ];
    let placement = place(
        &instances,
        &demand(1, 1),
        &[],
        &[spread("attribute:ecs.availability-zone")],
        2,
        5,
    );
    let bare = placement
        .placed
        .iter()
        .filter(|id| id.starts_with("bare"))
        .count();
    assert_eq!(bare, 1, "{:?}", placement.placed);
}

#[test]
fn strategies_apply_in_order_each_breaking_the_ties_of_the_one_before() {
    let instances = [
        in_zone(instance("a-roomy", 4096, 4096), "a"),
        in_zone(instance("a-snug", 4096, 1024), "a"),
        in_zone(instance("b-roomy", 4096, 4096), "b"),
        in_zone(instance("b-snug", 4096, 2048), "b"),
    ];
    let zone_then_pack = [spread("attribute:ecs.availability-zone"), binpack("memory")];
    let placement = place(&instances, &demand(1, 512), &[], &zone_then_pack, 4, 2);
    assert_eq!(placement.placed, ["a-snug", "b-snug", "a-snug", "b-snug"]);
    let pack_then_zone = [binpack("memory"), spread("attribute:ecs.availability-zone")];
    let placement = place(&instances, &demand(1, 512), &[], &pack_then_zone, 4, 2);
    assert_eq!(
        placement.placed,
        ["a-snug", "a-snug", "b-snug", "b-snug"],
        "order matters"
    );
}

#[test]
fn the_seed_decides_among_ties_and_the_same_seed_decides_the_same_way() {
    let instances: Vec<Instance> = (0..8).map(|i| instance(&format!("i{i}"), 4096, 4096)).collect();
    let picks: Vec<Vec<String>> = (0..6)
        .map(|seed| place(&instances, &demand(1, 1), &[], &[], 3, seed).placed)
        .collect();
    assert!(
        picks.iter().any(|p| p != &picks[0]),
        "seeds choose differently: {picks:?}"
    );
    for (seed, pick) in picks.iter().enumerate() {
        assert_eq!(
            &place(&instances, &demand(1, 1), &[], &[], 3, seed as u64).placed,
            pick
        );
    }
    let random_rule = place(&instances, &demand(1, 1), &[], &[random()], 3, 4);
    assert_eq!(
        random_rule,
        place(&instances, &demand(1, 1), &[], &[random()], 3, 4)
    );
}

#[test]
fn a_random_rule_first_leaves_nothing_for_the_rules_after_it() {
    let instances: Vec<Instance> = (0..8)
        .map(|i| instance(&format!("i{i}"), 4096, 512 * (i + 1)))
        .collect();
    let chosen: Vec<String> = (0..8)
        .flat_map(|seed| {
            place(
                &instances,
                &demand(1, 1),
                &[],
                &[random(), binpack("memory")],
                1,
                seed,
            )
            .placed
        })
        .collect();
    assert!(
        chosen.iter().any(|id| id != "i0"),
        "binpack alone would always pick i0: {chosen:?}"
    );
}

#[test]
fn a_service_without_a_strategy_spreads_over_zones_then_instances() {
    assert_eq!(
        service_strategies(&[]),
        [spread("attribute:ecs.availability-zone"), spread("instanceId")]
    );
    assert_eq!(service_strategies(&[binpack("cpu")]), [binpack("cpu")]);
    let instances = [
        in_zone(instance("a1", 4096, 4096), "a"),
        in_zone(instance("a2", 4096, 4096), "a"),
        in_zone(instance("b1", 4096, 4096), "b"),
    ];
    let placement = place(&instances, &demand(1, 1), &[], &service_strategies(&[]), 4, 11);
    assert_eq!(
        per_instance(&placement),
        BTreeMap::from([("a1", 1), ("a2", 1), ("b1", 2)])
    );
}

#[test]
fn seeds_from_text_are_stable() {
    assert_eq!(seed_of(""), 0xCBF2_9CE4_8422_2325);
    assert_eq!(seed_of("abc"), seed_of("abc"));
    assert_ne!(seed_of("abc"), seed_of("abd"));
    let mut choices = Choices::new(1);
    let first: Vec<usize> = (0..4).map(|_| choices.below(10)).collect();
    let mut again = Choices::new(1);
    assert_eq!(first, (0..4).map(|_| again.below(10)).collect::<Vec<_>>());
    assert_eq!(Choices::new(3).below(0), 0);
}
