use super::*;

fn task(id: &str, deployment: &str, healthy: bool, created_at: u64) -> PlanTask {
    PlanTask {
        id: id.into(),
        deployment: deployment.into(),
        healthy,
        running: healthy,
        created_at,
    }
}

fn input<'a>(desired: u32, min: u32, max: u32, tasks: &'a [PlanTask]) -> PlanInput<'a> {
    PlanInput {
        desired,
        min_percent: min,
        max_percent: max,
        primary: "new",
        may_start: true,
        fixed_host_port: false,
        tasks,
        stopping: 0,
    }
}

fn stopped(plan: &DeploymentPlan) -> Vec<&str> {
    plan.stop.iter().map(|(id, _)| id.as_str()).collect()
}

#[test]
fn limits_round_as_ecs_does() {
    assert_eq!(limits(3, 100, 200), (6, 3));
    assert_eq!(limits(3, 50, 100), (3, 2));
    assert_eq!(limits(3, 0, 100), (3, 0));
    assert_eq!(limits(5, 50, 150), (7, 3));
    assert_eq!(limits(1, 0, 100), (1, 0));
}

#[test]
fn a_fresh_service_starts_desired_tasks() {
    assert_eq!(plan_deployment(&input(3, 100, 200, &[])).start, 3);
}

#[test]
fn with_100_200_new_tasks_start_first_and_old_ones_stay_until_new_ones_are_healthy() {
    let tasks = [
        task("a", "old", true, 1),
        task("b", "old", true, 2),
        task("c", "old", true, 3),
    ];
    let plan = plan_deployment(&input(3, 100, 200, &tasks));
    assert_eq!(plan.start, 3);
    assert!(plan.stop.is_empty());
    let mut more = tasks.to_vec();
    more.extend([
        task("n1", "new", true, 4),
        task("n2", "new", false, 5),
        task("n3", "new", false, 6),
    ]);
    let plan = plan_deployment(&input(3, 100, 200, &more));
    assert_eq!(
        (plan.start, stopped(&plan)),
        (0, vec!["a"]),
        "one healthy new task frees one old"
    );
}

#[test]
fn with_50_100_one_old_task_stops_before_a_new_one_starts() {
    let tasks = [
        task("b", "old", true, 2),
        task("c", "old", true, 3),
        task("a", "old", true, 1),
    ];
    let plan = plan_deployment(&input(3, 50, 100, &tasks));
    assert_eq!(
        (stopped(&plan), plan.start),
        (vec!["a"], 0),
        "the new one waits for the slot"
    );
    let two = [task("b", "old", true, 2), task("c", "old", true, 3)];
    assert_eq!(
        plan_deployment(&input(3, 50, 100, &two)).start,
        1,
        "room for one once a is gone"
    );
}

#[test]
fn daemon_defaults_stop_the_old_task_first() {
    let tasks = [task("a", "old", true, 1)];
    let plan = plan_deployment(&input(1, 0, 100, &tasks));
    assert_eq!((stopped(&plan), plan.start), (vec!["a"], 0));
    let mut while_stopping = input(1, 0, 100, &[]);
    while_stopping.stopping = 1;
    assert_eq!(
        plan_deployment(&while_stopping).start,
        0,
        "not while the old one still stops"
    );
    assert_eq!(plan_deployment(&input(1, 0, 100, &[])).start, 1);
}

#[test]
fn old_tasks_that_are_not_healthy_are_replaced_first() {
    let tasks = [task("sick", "old", false, 1), task("ok", "old", true, 2)];
    let plan = plan_deployment(&input(2, 100, 200, &tasks));
    assert_eq!(stopped(&plan), vec!["sick"]);
    assert_eq!(plan.start, 2);
}

#[test]
fn old_tasks_that_run_but_are_not_proven_yet_are_not_stopped_first() {
    let mut young = task("young", "old", false, 1);
    young.running = true;
    let plan = plan_deployment(&input(1, 100, 200, &[young]));
    assert!(plan.stop.is_empty(), "{plan:?}");
    assert_eq!(plan.start, 1);
}

#[test]
fn scale_in_stops_unhealthy_then_newest_primary_tasks() {
    let tasks = [
        task("a", "new", true, 1),
        task("b", "new", true, 3),
        task("c", "new", false, 2),
    ];
    let plan = plan_deployment(&input(1, 100, 200, &tasks));
    assert_eq!(stopped(&plan), vec!["c", "b"]);
}

#[test]
fn a_deployment_that_may_not_start_only_scales_in() {
    let tasks = [task("a", "old", true, 1)];
    let mut i = input(3, 100, 200, &tasks);
    i.may_start = false;
    assert_eq!(plan_deployment(&i), DeploymentPlan::default());
}

#[test]
fn a_fixed_host_port_swaps_one_task_in_place_when_it_cannot_surge() {
    let tasks = [task("a", "old", true, 1)];
    let mut i = input(1, 100, 200, &tasks);
    i.fixed_host_port = true;
    let plan = plan_deployment(&i);
    assert_eq!(plan.start, 0);
    assert_eq!(plan.replace_in_place, vec!["a"]);
    // While the swap is under way (new task held), nothing else happens.
    let held = [task("a", "old", true, 1), task("n", "new", false, 2)];
    let mut i = input(1, 100, 200, &held);
    i.fixed_host_port = true;
    assert_eq!(plan_deployment(&i), DeploymentPlan::default());
}

#[test]
fn once_the_primary_is_healthy_remaining_old_tasks_go() {
    let tasks = [task("n", "new", true, 2), task("a", "old", true, 1)];
    let mut i = input(1, 100, 100, &tasks);
    i.fixed_host_port = true;
    assert_eq!(stopped(&plan_deployment(&i)), vec!["a"]);
}

#[test]
fn the_plan_respects_both_bounds_for_every_small_mix() {
    // Exhaustive: for each mix of up to 4 tasks (old/new × healthy/not), every plan keeps the
    // healthy count at or above the minimum (or what it was) and never exceeds the maximum.
    for desired in 1..=3u32 {
        for (min, max) in [(100, 200), (50, 100), (0, 100), (50, 150), (100, 150)] {
            for mask in 0..(1u32 << 8) {
                for len in 0..=4usize {
                    let tasks: Vec<PlanTask> = (0..len)
                        .map(|i| {
                            let dep = if mask >> i & 1 == 1 { "new" } else { "old" };
                            task(&format!("t{i}"), dep, mask >> (i + 4) & 1 == 1, i as u64)
                        })
                        .collect();
                    let i = input(desired, min, max, &tasks);
                    let plan = plan_deployment(&i);
                    let (max_total, min_healthy) = limits(desired, min, max);
                    let kept: Vec<&PlanTask> = tasks
                        .iter()
                        .filter(|t| !plan.stop.iter().any(|(id, _)| *id == t.id))
                        .collect();
                    let healthy_before = tasks.iter().filter(|t| t.healthy).count();
                    let healthy_after = kept.iter().filter(|t| t.healthy).count();
                    assert!(
                        healthy_after >= healthy_before.min(min_healthy as usize),
                        "min: desired {desired} {min}/{max} {tasks:?} -> {plan:?}"
                    );
                    let total_after = kept.len() + plan.start as usize;
                    assert!(
                        total_after <= (max_total as usize).max(tasks.len()),
                        "max: desired {desired} {min}/{max} {tasks:?} -> {plan:?}"
                    );
                }
            }
        }
    }
}

#[test]
fn a_primary_that_may_not_start_never_drains_healthy_old_tasks() {
    let tasks = [
        task("a", "old", true, 1),
        task("b", "old", true, 2),
        task("c", "old", true, 3),
    ];
    let mut i = input(3, 50, 100, &tasks);
    i.may_start = false;
    assert!(plan_deployment(&i).stop.is_empty());
}

#[test]
fn limits_at_the_extremes_saturate_instead_of_wrapping() {
    assert_eq!(limits(u32::MAX, 100, 200), (u32::MAX, u32::MAX));
    assert_eq!(limits(u32::MAX, 0, 100), (u32::MAX, 0));
    assert_eq!(limits(5_000, 100, u32::MAX), (u32::MAX, 5_000));
    assert_eq!(limits(1, u32::MAX, u32::MAX), (42_949_672, 42_949_673));
    assert_eq!(limits(0, u32::MAX, u32::MAX), (0, 0));
}

#[test]
fn a_desired_count_beyond_the_quota_starts_at_most_the_quota_in_one_step() {
    let plan = plan_deployment(&input(u32::MAX, 100, u32::MAX, &[]));
    assert_eq!(plan.start, crate::model::limits::MAX_DESIRED_COUNT);
    let mut fixed = input(u32::MAX, 100, 200, &[]);
    fixed.fixed_host_port = true;
    fixed.stopping = u32::MAX;
    assert_eq!(plan_deployment(&fixed).start, 0, "stopping tasks hold every slot");
}
