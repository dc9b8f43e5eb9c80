//! `ecsd completion SHELL`, `ecsd man DIR` and `ecsd version`: what an install needs besides
//! the binary, generated from the CLI's own definition so they never drift from it.

use super::Cli;
use crate::api::client::ApiClient;
use crate::api::shapes::Health;
use crate::runtime::ContainerRuntime;
use crate::runtime::DockerRuntime;
use clap::{Args, CommandFactory};
use clap_complete::Shell;
use std::path::PathBuf;

/// Flags of `ecsd completion`.
#[derive(Debug, Args)]
pub struct CompletionArgs {
    /// bash, zsh, fish, elvish or powershell.
    #[arg(value_enum)]
    shell: Shell,
}

/// Prints the completion script for the shell on stdout, e.g.
/// `ecsd completion bash > /etc/bash_completion.d/ecsd`.
pub fn completion(args: &CompletionArgs) {
    let mut command = Cli::command();
    clap_complete::generate(args.shell, &mut command, "ecsd", &mut std::io::stdout());
}

/// Flags of `ecsd man`.
#[derive(Debug, Args)]
pub struct ManArgs {
    /// Directory to write `ecsd.1` and one `ecsd-VERB.1` per verb into (created if missing).
    dir: PathBuf,
}

/// Writes the man pages.
pub fn man(args: &ManArgs) -> anyhow::Result<()> {
    std::fs::create_dir_all(&args.dir)?;
    clap_mangen::generate_to(Cli::command(), &args.dir)?;
    println!("man pages written to {}", args.dir.display());
    Ok(())
}

/// Prints the CLI's version, the daemon's and its engine's; exit code 1 when the daemon
/// cannot be reached (as `docker version`).
pub async fn version(client: &ApiClient) -> anyhow::Result<i32> {
    println!("client:  ecsd {}", env!("CARGO_PKG_VERSION"));
    let health: Health = match client.get("/v1/health").await {
        Ok(health) => health,
        Err(e) => {
            println!("daemon:  {e}");
            return Ok(1);
        }
    };
    println!("daemon:  ecsd {}", health.version);
    let engine = DockerRuntime::connect(Some(&health.engine))?;
    match engine.info().await {
        Ok(info) => println!(
            "engine:  {} {} (API {}) at {}",
            info.name, info.version, info.api_version, health.engine
        ),
        Err(e) => println!("engine:  {} ({e})", health.engine),
    }
    Ok(0)
}
