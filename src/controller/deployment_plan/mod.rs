//! Pure rolling-deployment step (ECS semantics): how many tasks of the PRIMARY deployment to
//! start and which tasks to stop, within `minimumHealthyPercent` / `maximumPercent`.

use crate::model::limits::MAX_DESIRED_COUNT;

/// What the planner knows about one live (not stopping) task of the service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanTask {
    /// Task id.
    pub id: String,
    /// Deployment it belongs to.
    pub deployment: String,
    /// Counted as healthy (HEALTHY, or RUNNING long enough without a health check).
    pub healthy: bool,
    /// RUNNING (healthy or not yet proven).
    pub running: bool,
    /// Creation time, to prefer stopping the newest (scale-in) or the oldest (replacement).
    pub created_at: u64,
}

/// The service-level facts of one step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanInput<'a> {
    /// Desired task count.
    pub desired: u32,
    /// `minimumHealthyPercent`.
    pub min_percent: u32,
    /// `maximumPercent`.
    pub max_percent: u32,
    /// Id of the PRIMARY deployment.
    pub primary: &'a str,
    /// The PRIMARY may start tasks (it has a revision, has not FAILED, and no backoff holds it).
    pub may_start: bool,
    /// The tasks publish a fixed host port, so two copies cannot run at once on this host.
    pub fixed_host_port: bool,
    /// Live tasks of every deployment.
    pub tasks: &'a [PlanTask],
    /// Tasks told to stop that have not stopped yet: they still hold their slot (ports,
    /// memory), so new tasks wait for them.
    pub stopping: u32,
}

/// Why the planner stops a task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopWhy {
    /// More tasks of the PRIMARY than desired.
    ScaleIn,
    /// Belongs to an older deployment and the PRIMARY's tasks can take over.
    Replaced,
}

/// One step of a deployment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeploymentPlan {
    /// New PRIMARY tasks to start now.
    pub start: u32,
    /// Tasks to stop now.
    pub stop: Vec<(String, StopWhy)>,
    /// Old tasks to replace in place: a new task is created now, the old one is stopped once
    /// the new one's containers exist, and the new one starts when the old one is gone,
    /// because a fixed host port leaves no room to surge.
    pub replace_in_place: Vec<String>,
}

/// `floor(desired·max/100)` and `ceil(desired·min/100)`, computed in 64 bits (a product of
/// two `u32`s fits) and saturated to `u32::MAX`, so no input can wrap them.
pub fn limits(desired: u32, min_percent: u32, max_percent: u32) -> (u32, u32) {
    let of = |percent: u32| u64::from(desired) * u64::from(percent);
    let saturate = |n: u64| u32::try_from(n).unwrap_or(u32::MAX);
    (
        saturate(of(max_percent) / 100),
        saturate(of(min_percent).div_ceil(100)),
    )
}

/// Plans one step. Old tasks that are not healthy go first; healthy old tasks stop only while
/// the healthy count stays at or above the minimum; new tasks start only up to the maximum.
///
/// A desired count above `MAX_DESIRED_COUNT` (stored before that limit was enforced) plans as
/// that maximum, so one step never starts more tasks than a valid service could ask for.
pub fn plan_deployment(input: &PlanInput) -> DeploymentPlan {
    let desired = input.desired.min(MAX_DESIRED_COUNT);
    let (max_total, min_healthy) = limits(desired, input.min_percent, input.max_percent);
    let max_total = if input.fixed_host_port {
        max_total.min(desired)
    } else {
        max_total
    };
    let desired = desired as usize;
    let mut plan = DeploymentPlan::default();
    let (mut new, mut old): (Vec<&PlanTask>, Vec<&PlanTask>) =
        input.tasks.iter().partition(|t| t.deployment == input.primary);

    // Scale in the PRIMARY: unhealthy first, then the newest.
    new.sort_by_key(|t| (t.healthy, std::cmp::Reverse(t.created_at)));
    let excess = new.len().saturating_sub(desired);
    plan.stop
        .extend(new.drain(..excess).map(|t| (t.id.clone(), StopWhy::ScaleIn)));

    // Old tasks that serve nothing (not running) are replaced at once; running ones, proven
    // or not, count as serving until new ones take over.
    let (old_healthy, old_idle): (Vec<&PlanTask>, Vec<&PlanTask>) = old.drain(..).partition(|t| t.running);
    plan.stop
        .extend(old_idle.iter().map(|t| (t.id.clone(), StopWhy::Replaced)));

    // Healthy old tasks, oldest first, while enough healthy ones remain.
    let mut old_healthy = old_healthy;
    old_healthy.sort_by_key(|t| t.created_at);
    let mut healthy = new.iter().filter(|t| t.healthy).count() + old_healthy.len();
    let mut kept_old = Vec::new();
    for t in old_healthy {
        // A PRIMARY that may not start (failed, backing off, images missing) replaces nothing.
        if input.may_start && healthy > min_healthy as usize {
            plan.stop.push((t.id.clone(), StopWhy::Replaced));
            healthy -= 1;
        } else {
            kept_old.push(t);
        }
    }

    let total = new.len() + kept_old.len() + input.stopping as usize + plan.stop.len();
    let needed = desired.saturating_sub(new.len());
    if input.may_start {
        // Tasks stopped in this step still hold their slot until they are gone.
        let room = (max_total as usize).saturating_sub(total);
        plan.start = needed.min(room) as u32;
        // No room to surge on a fixed host port: swap one old task in place per step.
        // A PRIMARY task that is not healthy yet means a swap is already under way.
        let swapping = new.iter().any(|t| !t.healthy);
        if input.fixed_host_port
            && plan.start == 0
            && needed > 0
            && !swapping
            && let Some(t) = kept_old.first()
        {
            plan.replace_in_place.push(t.id.clone());
        }
    }
    plan
}

#[cfg(test)]
mod tests;
