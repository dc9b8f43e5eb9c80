//! Scenario 7, peer: the scale-up scenario against Docker Swarm on the same engine
//! (`docker service create --replicas N`, time to N running), interleaved with ecsd trials.
//! Skipped, with the reason, when the engine cannot become a single-node swarm.

use crate::Bench;
use crate::engine::{RUN_LABEL, filters};
use crate::manifests::LOOP_COMMAND;
use crate::poll::wait_for;
use crate::report::ScenarioReport;
use crate::scale_up;
use anyhow::Context as _;
use bollard::models::TaskState;
use bollard::query_parameters::ListTasksOptions;
use std::process::{Command, Stdio};
use std::time::Duration;
use tokio::time::Instant;

/// Initializes a single-node swarm, runs the trials, and leaves the swarm again.
pub async fn run(bench: &Bench, out: &mut ScenarioReport) -> anyhow::Result<()> {
    let _swarm = match SwarmGuard::init() {
        Ok(guard) => guard,
        Err(why) => {
            out.outcome = crate::report::Outcome::Skipped(why);
            return Ok(());
        }
    };
    let n = bench.options.n;
    let image = bench.engine.image_id().await?;
    out.note(format!(
        "N={n}; single-node swarm (`docker swarm init --advertise-addr 127.0.0.1`), image given by id \
         so Swarm skips its registry pull (no registry here); left again afterwards"
    ));
    let label = format!("swarm: service create, {n} running");
    scale_up::against(bench, out, ("swarm", label), async |trial| {
        swarm_scale_up(bench, &image, n, trial).await
    })
    .await
}

/// Seconds from `docker service create --replicas N` until Swarm reports N tasks running;
/// removes the service and waits for its containers to go.
async fn swarm_scale_up(bench: &Bench, image: &str, n: usize, trial: usize) -> anyhow::Result<f64> {
    let name = format!("ecsd-bench-{}-swarm{trial}", bench.engine.run_id());
    let run_label = format!("{RUN_LABEL}={}", bench.engine.run_id());
    let started = Instant::now();
    let mut create = Command::new("docker");
    create.args(["service", "create", "--detach", "--no-resolve-image", "--quiet"]);
    create.args(["--replicas", &n.to_string(), "--name", &name]);
    create.args(["--label", &run_label, "--container-label", &run_label, image]);
    docker(create.args(LOOP_COMMAND))?;
    let running = wait_for(
        "swarm runs every replica",
        Duration::from_secs(600),
        Duration::from_millis(20),
        async || {
            let options = ListTasksOptions {
                filters: Some(filters(&[("service", &name), ("desired-state", "running")])),
            };
            let tasks = bench.engine.docker().list_tasks(Some(options)).await?;
            let up = tasks
                .iter()
                .filter(|t| t.status.as_ref().and_then(|s| s.state) == Some(TaskState::RUNNING))
                .count();
            Ok((up >= n).then_some(()))
        },
    )
    .await;
    let secs = started.elapsed().as_secs_f64();
    docker(Command::new("docker").args(["service", "rm", &name]))?;
    let service_label = format!("com.docker.swarm.service.name={name}");
    wait_for(
        "swarm removed the containers",
        Duration::from_secs(120),
        Duration::from_millis(100),
        async || {
            let left = bench
                .engine
                .containers(filters(&[("label", &service_label)]), true)
                .await?;
            Ok(left.is_empty().then_some(()))
        },
    )
    .await?;
    running?;
    Ok(secs)
}

/// Runs a docker CLI command that must succeed.
fn docker(cmd: &mut Command) -> anyhow::Result<()> {
    let out = cmd.stdin(Stdio::null()).output().context("running docker")?;
    anyhow::ensure!(
        out.status.success(),
        "{:?} failed: {}",
        cmd,
        String::from_utf8_lossy(&out.stderr).trim()
    );
    Ok(())
}

/// A swarm this run initialized; left (with its services) when dropped, also on failure.
struct SwarmGuard;

impl SwarmGuard {
    /// Makes the engine a single-node swarm; the reason when that is not possible or not ours
    /// to do (an engine already in a swarm is left untouched).
    fn init() -> Result<Self, String> {
        let state = Command::new("docker")
            .args(["info", "--format", "{{.Swarm.LocalNodeState}}"])
            .output()
            .map_err(|e| format!("docker CLI not runnable: {e}"))?;
        let state = String::from_utf8_lossy(&state.stdout).trim().to_string();
        if state != "inactive" {
            return Err(format!(
                "the engine's swarm state is {state:?}, not inactive; left untouched"
            ));
        }
        let init = Command::new("docker")
            .args(["swarm", "init", "--advertise-addr", "127.0.0.1"])
            .output()
            .map_err(|e| format!("docker swarm init not runnable: {e}"))?;
        if !init.status.success() {
            return Err(format!(
                "docker swarm init failed: {}",
                String::from_utf8_lossy(&init.stderr).trim()
            ));
        }
        Ok(Self)
    }
}

impl Drop for SwarmGuard {
    fn drop(&mut self) {
        let _ = Command::new("docker")
            .args(["swarm", "leave", "--force"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}
