//! The load-balancing reconciler: keeps the data plane's listeners and target groups equal to
//! the stored TargetGroups and LoadBalancers. Targets themselves follow tasks (see
//! `task::targets`).

use super::context::Context;
use super::{Action, ControllerError, ObjectKey};
use crate::lb::LbConfig;
use std::time::Duration;
use tracing::error;

/// Applies every stored target group and load balancer to the data plane; services are
/// re-judged, since what counts as healthy depends on their target groups.
pub async fn reconcile_load_balancing(ctx: &Context) -> Result<Action, ControllerError> {
    let config = LbConfig {
        target_groups: ctx
            .catalog
            .target_groups()?
            .into_iter()
            .map(|r| (r.name.clone(), r.spec.settings()))
            .collect(),
        load_balancers: ctx
            .catalog
            .load_balancers()?
            .into_iter()
            .map(|r| (r.name.clone(), r.spec))
            .collect(),
    };
    let outcome = ctx.lb.apply(&config).await;
    for service in ctx.catalog.services(None)? {
        ctx.queue.add(ObjectKey::service(&service.cluster, &service.name));
    }
    match outcome {
        Ok(()) => Ok(Action::Done),
        Err(e) => {
            // A port in use is for a person to fix; keep trying, the rest keeps running.
            error!(error = %e, "load balancer configuration not applied; retrying");
            Ok(Action::RequeueAfter(Duration::from_secs(5)))
        }
    }
}
