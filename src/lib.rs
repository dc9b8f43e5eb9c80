//! ecsd: Amazon ECS for one machine.
//!
//! # Layout
//!
//! - `model/`: manifests (Cluster, ContainerInstance, TaskDefinition, Service, TargetGroup,
//!   LoadBalancer, ScheduledTask) in
//!   ECS and ELBv2 field names, loading from files with located errors, validation, limits,
//!   and the task lifecycle vocabulary. Pure (`model/load` reads the files it is given).
//!   `model::fixtures` (tests, and the `test-support` feature for `tests/` and the benches)
//!   builds manifests from these typed values and writes them as YAML.
//! - `store/`: desired and observed state. A key-value `Store` trait (sled, memory) and the
//!   typed `Catalog` over it. Spec and status live apart: the API writes spec, controllers
//!   write status.
//! - `apply`: validate a batch of manifests, then write them all or nothing.
//! - `runtime/`: the `ContainerRuntime` trait, its bollard adapter for Docker and Podman, a
//!   recording fake, and the pure mapping from container definitions to engine specs.
//! - `controller/`: the work queue and the level-triggered reconcilers (task, service, load
//!   balancing), the replica planner, engine event watch, resync and adoption. The life of a
//!   dead container: the engine's `die` event enqueues its task; the task reconciler
//!   inspects it, records the exit code and STOPPED; that change enqueues the service, whose
//!   reconciler judges its tasks (`service/judge.rs`), asks the planner for a replacement
//!   (`deployment_plan/`), unless the deployment's crash-loop backoff holds it
//!   (`service/hold.rs`), and records a new task, which the task reconciler creates.
//! - `watch/`: watched folders (GitOps). The life of a saved file: a file event (or the
//!   periodic resync) debounces, the folder is scanned and every file parsed; a file that does
//!   not parse, or is empty, keeps its last good version; the rest is applied as one batch
//!   (`apply`), and only a complete, successful scan prunes what the folder no longer declares.
//! - `fleet/`: container instances: a cluster's engines (the daemon's own `local` and the
//!   declared ones) as the APIs and placement read them (`fleet/view.rs`: registration, what
//!   each engine reported, what its tasks take), and one engine handle per instance for the
//!   controllers (`fleet/engines.rs`). Liveness, the lost-instance grace and per-engine
//!   watchers are `controller/instances.rs`.
//! - `placement/`: ECS's task placement engine as pure functions: fit (CPU, memory, host
//!   ports), constraints (`distinctInstance`, `memberOf` with the cluster query language in
//!   `model::query`), strategies as tie-breakers (binpack, spread, random), a seeded choice;
//!   scale-in choices and DAEMON targets; ECS's reasons when nothing fits.
//! - `ops/`: every user-visible operation and its rules (run, stop, scale, update, undo,
//!   delete), called by both doors, with typed errors each door maps in one `match`.
//! - `api/`: the native HTTP API on the unix socket, its client, and ECS response shapes;
//!   `api/ecs/` the ECS-compatible endpoint (AWS JSON 1.1) with its SigV4 verification, and
//!   `api/events/` EventBridge's scheduled rules with ECS targets on the same listener.
//! - `lb/`: the load balancer's data plane (listeners, atomically swapped route tables,
//!   targets with ELB health states and checks, HTTP/TCP proxying, drain before stop) and
//!   its traffic counters per load balancer and target group.
//! - `metrics/`: Container Insights on one machine: the collector samples every running
//!   container (cgroups, else the engine's one-shot stats) into a bounded in-memory history;
//!   pure rates and roll-ups; the daemon's own health counters; `GET /metrics` for
//!   Prometheus.
//! - `cli/`: one file per verb of the `ecsd` command.
//! - `clock`: the one time source (wall-clock milliseconds that follow tokio's clock).
//! - `app`: wiring of a running daemon; `config`: its settings and default paths.
//! - `fuzz` (tests only): property tests over every parser of untrusted input.

pub mod api;
pub mod app;
pub mod apply;
pub mod cli;
pub mod clock;
pub mod config;
pub mod controller;
pub mod fleet;
#[cfg(test)]
mod fuzz;
pub mod lb;
pub mod metrics;
pub mod model;
pub mod ops;
pub mod placement;
pub mod runtime;
pub mod store;
pub mod watch;
