//! Resource rules: container memory limits the engine accepts, and task-level `cpu`/`memory`
//! large enough for the containers inside.

use super::at;
use crate::model::task_definition::{ContainerDefinition, TaskDefinitionSpec};
use crate::model::validation::FieldError;

/// ECS bounds of task-level CPU on EC2 (0.125 to 192 vCPU).
const TASK_CPU_RANGE: std::ops::RangeInclusive<u32> = 128..=196_608;
/// Docker refuses memory limits under 6 MiB; saying so here beats a cryptic engine error later.
const MIN_MEMORY_MIB: u32 = 6;

pub(super) fn check(spec: &TaskDefinitionSpec, errors: &mut Vec<FieldError>) {
    for (i, def) in spec.container_definitions.iter().enumerate() {
        check_container_memory(i, def, errors);
    }
    check_task_cpu(spec, errors);
    check_task_memory(spec, errors);
}

fn check_container_memory(i: usize, def: &ContainerDefinition, errors: &mut Vec<FieldError>) {
    for (field, value) in [
        ("memory", def.memory),
        ("memoryReservation", def.memory_reservation),
    ] {
        if let Some(mib) = value
            && mib < MIN_MEMORY_MIB
        {
            errors.push(FieldError::new(at(i, field), "expected at least 6 (MiB)"));
        }
    }
    if let (Some(hard), Some(soft)) = (def.memory, def.memory_reservation)
        && soft >= hard
    {
        errors.push(FieldError::new(
            at(i, "memoryReservation"),
            format!("must be less than memory ({hard} MiB)"),
        ));
    }
}

fn check_task_cpu(spec: &TaskDefinitionSpec, errors: &mut Vec<FieldError>) {
    let Some(task) = spec.cpu.map(|c| c.0) else {
        return;
    };
    if !TASK_CPU_RANGE.contains(&task) {
        errors.push(FieldError::new(
            "spec.cpu",
            format!(
                "expected {} to {} CPU units (0.125 to 192 vCPU), got {task}",
                TASK_CPU_RANGE.start(),
                TASK_CPU_RANGE.end()
            ),
        ));
        return;
    }
    let asks: Vec<(&str, u32)> = spec
        .container_definitions
        .iter()
        .filter_map(|d| d.cpu.filter(|c| *c > 0).map(|c| (d.name.as_str(), c)))
        .collect();
    let total: u64 = asks.iter().map(|(_, c)| u64::from(*c)).sum();
    if total > u64::from(task) {
        errors.push(FieldError::new(
            "spec.cpu",
            format!(
                "task cpu {task} is less than the {total} CPU units its containers ask for ({})",
                itemize(&asks)
            ),
        ));
    }
}

fn check_task_memory(spec: &TaskDefinitionSpec, errors: &mut Vec<FieldError>) {
    let Some(task) = spec.memory.map(|m| m.0) else {
        return;
    };
    if task < MIN_MEMORY_MIB {
        errors.push(FieldError::new("spec.memory", "expected at least 6 (MiB)"));
        return;
    }
    // Each container counts with its hard limit, else its reservation (as ECS places tasks).
    let asks: Vec<(&str, u32)> = spec
        .container_definitions
        .iter()
        .filter_map(|d| d.memory.or(d.memory_reservation).map(|m| (d.name.as_str(), m)))
        .collect();
    let total: u64 = asks.iter().map(|(_, m)| u64::from(*m)).sum();
    if total > u64::from(task) {
        errors.push(FieldError::new(
            "spec.memory",
            format!(
                "task memory {task} MiB is less than the {total} MiB its containers ask for ({}; \
                 memory, else memoryReservation)",
                itemize(&asks)
            ),
        ));
    }
}

/// `web 256, sidecar 128`.
fn itemize(asks: &[(&str, u32)]) -> String {
    asks.iter()
        .map(|(name, n)| format!("{name} {n}"))
        .collect::<Vec<_>>()
        .join(", ")
}
