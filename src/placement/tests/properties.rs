//! Properties over random clusters: capacity is never exceeded, spread stays within one,
//! binpack never opens an empty instance while a used one (of equal size) still fits, seeds repeat.

use super::*;
use proptest::prelude::*;

/// Up to 12 instances of random sizes, in up to 3 zones, some already holding tasks.
fn cluster() -> impl Strategy<Value = Vec<Instance>> {
    prop::collection::vec((1u64..16, 1u64..16, 0u8..3, 0u32..3), 1..12).prop_map(|sizes| {
        sizes
            .into_iter()
            .enumerate()
            .map(|(n, (cpu, memory, zone, tasks))| {
                let fresh = in_zone(
                    instance(&format!("i{n}"), cpu * 256, memory * 256),
                    &format!("z{zone}"),
                );
                let mut held = fresh.clone();
                for _ in 0..tasks {
                    if fits(&held, &demand(256, 256)).is_ok() {
                        held.take(&demand(256, 256));
                    }
                }
                held
            })
            .collect()
    })
}

fn any_strategies() -> impl Strategy<Value = Vec<PlacementStrategy>> {
    let rule = prop_oneof![
        Just(binpack("cpu")),
        Just(binpack("memory")),
        Just(spread("instanceId")),
        Just(spread("attribute:ecs.availability-zone")),
        Just(random()),
    ];
    prop::collection::vec(rule, 0..4)
}

/// The instances after `placement`'s tasks of `demand` were started on them.
fn after(instances: &[Instance], placement: &Placement, demand: &Demand) -> Vec<Instance> {
    let mut result = instances.to_vec();
    for id in &placement.placed {
        let Some(chosen) = result.iter_mut().find(|i| &i.id == id) else {
            panic!("placed on unknown instance {id}")
        };
        chosen.take(demand);
    }
    result
}

/// Equal, empty instances, large enough for every task of these tests.
fn equal_empty(n: usize, zones: usize) -> Vec<Instance> {
    (0..n)
        .map(|i| {
            in_zone(
                instance(&format!("i{i}"), 1 << 20, 1 << 20),
                &format!("z{}", i % zones),
            )
        })
        .collect()
}

proptest! {
    #[test]
    fn nothing_placed_ever_exceeds_an_instances_capacity_or_double_books_a_port(
        instances in cluster(),
        strategies in any_strategies(),
        cpu in 0u64..1024,
        memory in 0u64..1024,
        port in prop::option::of(1u16..3),
        count in 0u32..40,
        seed in any::<u64>(),
    ) {
        let demand = Demand { ports_tcp: port.into_iter().collect(), ..demand(cpu, memory) };
        let placement = place(&instances, &demand, &[], &strategies, count, seed);
        prop_assert_eq!(placement.placed.len() + placement.unplaced.len(), count as usize);
        for (before, now) in instances.iter().zip(after(&instances, &placement, &demand)) {
            prop_assert!(now.used.cpu <= now.registered.cpu.max(before.used.cpu));
            prop_assert!(now.used.memory <= now.registered.memory.max(before.used.memory));
            let added = now.tasks_of(WEB) - before.tasks_of(WEB);
            prop_assert!(port.is_none() || added <= 1, "port {:?} booked {} times on {}", port, added, now.id);
        }
        prop_assert_eq!(&placement, &place(&instances, &demand, &[], &strategies, count, seed));
    }

    #[test]
    fn spread_over_instances_keeps_their_counts_within_one(
        n in 1usize..10,
        count in 0u32..60,
        seed in any::<u64>(),
    ) {
        let instances = equal_empty(n, 1);
        let placement = place(&instances, &demand(1, 1), &[], &[spread("instanceId")], count, seed);
        let counts: Vec<usize> = instances.iter().map(|i| placement.placed.iter().filter(|p| **p == i.id).count()).collect();
        let (min, max) = (counts.iter().min().copied().unwrap_or(0), counts.iter().max().copied().unwrap_or(0));
        prop_assert!(max - min <= 1, "{:?}", counts);
    }

    #[test]
    fn spread_over_zones_keeps_the_zones_within_one(
        n in 1usize..10,
        zones in 1usize..4,
        count in 0u32..60,
        seed in any::<u64>(),
    ) {
        let instances = equal_empty(n, zones);
        let placement = place(&instances, &demand(1, 1), &[], &service_strategies(&[]), count, seed);
        let zone_of = |id: &str| instances.iter().find(|i| i.id == id).and_then(|i| i.attributes[AVAILABILITY_ZONE].clone());
        let mut per_zone: BTreeMap<Option<String>, usize> = BTreeMap::new();
        for id in &placement.placed {
            *per_zone.entry(zone_of(id)).or_insert(0) += 1;
        }
        let used_zones = zones.min(n);
        if placement.placed.len() >= used_zones {
            prop_assert_eq!(per_zone.len(), used_zones);
        }
        let (min, max) = (per_zone.values().min().copied().unwrap_or(0), per_zone.values().max().copied().unwrap_or(0));
        prop_assert!(max - min <= 1, "{:?}", per_zone);
    }

    #[test]
    fn binpack_never_opens_an_empty_instance_while_a_used_one_still_fits(
        loads in prop::collection::vec(0u64..8, 1..10),
        memory in 1u64..1024,
        count in 0u32..40,
        seed in any::<u64>(),
    ) {
        let instances: Vec<Instance> = loads
            .iter()
            .enumerate()
            .map(|(n, load)| running(instance(&format!("i{n}"), 4096, 4096), *load as u32, &demand(0, 256)))
            .collect();
        let demand = demand(0, memory);
        let placement = place(&instances, &demand, &[], &[binpack("memory")], count, seed);
        let mut state = instances.clone();
        for id in &placement.placed {
            let used_one_fits = state.iter().any(|i| i.used.memory > 0 && &i.id != id && fits(i, &demand).is_ok());
            let Some(chosen) = state.iter_mut().find(|i| &i.id == id) else {
                panic!("placed on unknown instance {id}")
            };
            prop_assert!(chosen.used.memory > 0 || !used_one_fits, "opened {} while a used instance fit", id);
            chosen.take(&demand);
        }
    }
}
