//! Where a service's tasks go: the cluster's instances as placement sees them, the service's
//! (and its task definition's) constraints and strategies, the instances a DAEMON service
//! covers, and which running tasks must move (their instance is DRAINING, gone, or no longer
//! one a DAEMON covers).

use super::super::ControllerError;
use super::super::context::Context;
use super::views::{ServiceTask, is_live};
use crate::model::{PlacementConstraint, PlacementStrategy, SchedulingStrategy};
use crate::placement::{self, Constraint, Demand, Instance, InstanceStatus, Unplaced};
use crate::store::{ServiceRecord, TaskDefinitionRecord};
use std::collections::BTreeSet;
use tracing::warn;

/// One step's view of where the service's tasks may go.
pub struct Placer {
    /// Every instance of the cluster, with what tasks take of it (updated as tasks are placed).
    instances: Vec<Instance>,
    constraints: Vec<Constraint>,
    strategies: Vec<PlacementStrategy>,
    demand: Option<Demand>,
    daemon: bool,
    local_id: String,
    seed: u64,
    /// Instances given a task earlier in this step.
    chosen: Vec<String>,
}

impl Placer {
    /// The view for `service` starting tasks of `td` (none: nothing to start this step).
    pub fn new(
        ctx: &Context,
        service: &ServiceRecord,
        td: Option<&TaskDefinitionRecord>,
    ) -> Result<Self, ControllerError> {
        let instances = crate::fleet::placement_view(&ctx.catalog, &service.cluster, true)?;
        let rules: Vec<PlacementConstraint> = td
            .map(|td| td.spec.placement_constraints.clone())
            .unwrap_or_default()
            .into_iter()
            .chain(service.spec.placement_constraints.iter().cloned())
            .collect();
        // Validated when applied; a rule that no longer compiles constrains nothing rather
        // than stopping the service.
        let constraints = Constraint::compile_all(&rules).unwrap_or_else(|e| {
            warn!(service = %service.name, error = %e, "placement constraints do not compile");
            Vec::new()
        });
        let group = format!("service:{}", service.name);
        Ok(Self {
            instances,
            constraints,
            strategies: placement::service_strategies(&service.spec.placement_strategy),
            demand: td.map(|td| Demand::of(&td.spec, group)),
            daemon: service.spec.scheduling_strategy == SchedulingStrategy::Daemon,
            local_id: ctx.engines.local_id().to_string(),
            seed: placement::seed_of(&format!("{}/{}", service.cluster, service.name)),
            chosen: Vec::new(),
        })
    }

    /// The instance a task of the service runs on.
    pub fn instance_of(&self, task: &crate::store::TaskRecord) -> String {
        task.container_instance
            .clone()
            .unwrap_or_else(|| self.local_id.clone())
    }

    /// The instances a DAEMON service runs one task on.
    pub fn daemon_targets(&self) -> Vec<String> {
        placement::daemon_targets(&self.instances, &self.constraints)
    }

    /// How many tasks the service wants: one per covered instance for DAEMON.
    pub fn desired(&self, service: &ServiceRecord) -> u32 {
        if self.daemon && !service.deleting {
            u32::try_from(self.daemon_targets().len()).unwrap_or(u32::MAX)
        } else {
            service.desired_count()
        }
    }

    /// Whether a task on `instance` must move: the instance is DRAINING or gone, or (DAEMON)
    /// no longer one the service covers. A disconnected instance keeps its tasks: they are
    /// not duplicated during a short partition (the lost-instance grace decides).
    pub fn must_move(&self, instance: &str) -> bool {
        let Some(found) = self.instances.iter().find(|i| i.id == instance) else {
            return true;
        };
        if found.status == InstanceStatus::Draining {
            return true;
        }
        self.daemon && found.connected && !self.daemon_targets().iter().any(|t| t == instance)
    }

    /// The instances new tasks may go on now: ACTIVE, connected, satisfying the constraints.
    pub fn eligible(&self) -> Vec<String> {
        let Some(demand) = &self.demand else {
            return Vec::new();
        };
        self.instances
            .iter()
            .filter(|i| i.status == InstanceStatus::Active && i.connected)
            .filter(|i| placement::satisfies(i, demand, &self.constraints).is_ok())
            .map(|i| i.id.clone())
            .collect()
    }

    /// The local instance's id maps to `None` in task records (the daemon's own engine).
    pub fn record_instance(&self, id: String) -> Option<String> {
        (id != self.local_id).then_some(id)
    }

    /// More than one instance could take a copy of the task: a fixed host port then need not
    /// be swapped in place, since the new copy can start on another instance first.
    pub fn can_surge_elsewhere(&self) -> bool {
        self.eligible().len() > 1
    }

    /// The `count` tasks to stop when the service scales in, as ECS chooses them: by the
    /// service's strategies (spread keeps the instances balanced), among the tasks of the
    /// chosen instance the first of `candidates` (`(task id, instance id)`, in the order the
    /// caller would rather lose them).
    pub fn choose_scale_in(&self, candidates: &[(String, String)], count: usize) -> Vec<String> {
        let Some(demand) = &self.demand else {
            return candidates.iter().take(count).map(|(id, _)| id.clone()).collect();
        };
        let placed: Vec<placement::PlacedTask> = candidates
            .iter()
            .map(|(id, instance)| placement::PlacedTask {
                id: id.clone(),
                instance: instance.clone(),
                demand: demand.clone(),
            })
            .collect();
        placement::choose_for_scale_in(&self.instances, &placed, &self.strategies, count, self.seed)
    }

    /// Chooses an instance for one new task, taking what it reserves; why not when none fits.
    /// A DAEMON's task goes only on a covered instance that has no live task of the service.
    pub fn place_one(&mut self, tasks: &[ServiceTask]) -> Result<String, Unplaced> {
        let Some(demand) = self.demand.clone() else {
            return Err(Unplaced::default());
        };
        let candidates: Vec<Instance> = if self.daemon {
            let covered: BTreeSet<String> = tasks
                .iter()
                .filter(|(t, s)| is_live(t, s))
                .map(|(t, _)| self.instance_of(t))
                .chain(self.chosen.iter().cloned())
                .collect();
            let targets = self.daemon_targets();
            self.instances
                .iter()
                .filter(|i| targets.contains(&i.id) && !covered.contains(&i.id))
                .cloned()
                .collect()
        } else {
            self.instances.clone()
        };
        let placed = placement::place(
            &candidates,
            &demand,
            &self.constraints,
            &self.strategies,
            1,
            self.seed,
        );
        self.seed = self.seed.wrapping_add(1);
        match placed.placed.first() {
            Some(id) => {
                if let Some(instance) = self.instances.iter_mut().find(|i| &i.id == id) {
                    instance.take(&demand);
                }
                self.chosen.push(id.clone());
                Ok(id.clone())
            }
            None => Err(placed.unplaced.into_iter().next().unwrap_or_default()),
        }
    }
}
