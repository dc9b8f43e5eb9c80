//! Container instances: the engines of each cluster. `view` is how the APIs and placement
//! read them (registration, what each engine reported, what tasks take); `engines` holds one
//! engine handle per instance for the controllers.

mod engines;
mod view;

pub use engines::{Connector, EngineHandle, Engines, connect};
pub use view::{
    InstanceFacts, LOCAL_INSTANCE, Usage, as_placed, cluster_instances, find_instance, local_architecture,
    machine_capacity, mem_total_mib, placement_view, usage_by_instance,
};
