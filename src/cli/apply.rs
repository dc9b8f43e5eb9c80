//! `ecsd apply -f PATH… [--wait]`: validate every document locally, send them all at once,
//! and optionally wait until every applied service has rolled out.

use super::ServiceName;
use super::wait::wait_for_rollouts;
use crate::api::client::{ApiClient, ClientError};
use crate::api::shapes::{ApplyReply, ApplyRequest};
use crate::apply::{ApplyOptions, ApplyResult, Document};
use crate::model::Kind;
use crate::model::{Manifest, load_folder, parse_text};
use crate::store::Origin;
use clap::Args;
use std::io::Read;
use std::path::PathBuf;
use std::time::Duration;

/// Flags of `ecsd apply`.
#[derive(Debug, Args)]
pub struct ApplyArgs {
    /// Manifest files or directories (recursive); `-` reads stdin.
    #[arg(short = 'f', long = "filename", required = true)]
    files: Vec<PathBuf>,
    /// Show what would change (with a field-level diff) without changing anything.
    #[arg(long)]
    dry_run: bool,
    /// Also delete what was applied from this folder before and is no longer in it (one -f).
    #[arg(long)]
    prune: bool,
    /// Then wait until every applied service has a completed rollout; fail if one fails or is
    /// rolled back.
    #[arg(long, conflicts_with = "dry_run")]
    wait: bool,
    /// Take over objects another source (a file, a watched folder, the ECS API) manages:
    /// they become this source's, and nothing running is replaced unless the spec changed.
    #[arg(long)]
    take_ownership: bool,
    /// Give up waiting after this long.
    #[arg(long, requires = "wait", default_value = "10m", value_parser = humantime::parse_duration)]
    timeout: Duration,
}

/// Loads every document with its origin, printing every problem and failing if there is any.
pub fn load_documents(files: &[PathBuf]) -> anyhow::Result<Vec<Document>> {
    let mut docs = Vec::new();
    let mut errors: Vec<String> = Vec::new();
    for arg in files {
        if arg.as_os_str() == "-" {
            let mut text = String::new();
            std::io::stdin().read_to_string(&mut text)?;
            let (mut loaded, mut problems) = (Vec::new(), Vec::new());
            parse_text("<stdin>", &text, &mut loaded, &mut problems);
            errors.extend(problems.iter().map(ToString::to_string));
            let origin = Origin {
                root: "<stdin>".into(),
                file: String::new(),
            };
            docs.extend(loaded.into_iter().map(|l| Document {
                manifest: l.manifest,
                origin: origin.clone(),
            }));
            continue;
        }
        let root =
            std::fs::canonicalize(arg).map_err(|e| anyhow::anyhow!("{}: cannot read: {e}", arg.display()))?;
        match load_folder(&root) {
            Err(e) => errors.push(e.to_string()),
            Ok(loads) => {
                for file in loads {
                    match file.result {
                        Err(problems) => errors.extend(problems.iter().map(ToString::to_string)),
                        Ok(manifests) => docs.extend(manifests.into_iter().map(|manifest| Document {
                            manifest,
                            origin: Origin {
                                root: root.display().to_string(),
                                file: file.file.clone(),
                            },
                        })),
                    }
                }
            }
        }
    }
    match errors.as_slice() {
        [] => {}
        [only] => anyhow::bail!("{only}"),
        all => {
            for e in all {
                eprintln!("error: {e}");
            }
            anyhow::bail!("{} problems (above); nothing was changed", all.len());
        }
    }
    Ok(docs)
}

/// Loads manifests (origins dropped), printing every problem and failing if there is any.
pub fn load(files: &[PathBuf]) -> anyhow::Result<Vec<Manifest>> {
    Ok(load_documents(files)?.into_iter().map(|d| d.manifest).collect())
}

/// How `send` applies.
#[derive(Debug, Clone, Copy, Default)]
pub struct SendOptions {
    /// Report only.
    pub dry_run: bool,
    /// Also remove what the one folder no longer declares.
    pub prune: bool,
    /// Take over objects other sources manage.
    pub take_ownership: bool,
}

/// Sends documents to the daemon; every per-document problem is printed.
pub async fn send(
    client: &ApiClient,
    files: &[PathBuf],
    how: SendOptions,
) -> anyhow::Result<Vec<ApplyResult>> {
    let SendOptions {
        dry_run,
        prune,
        take_ownership,
    } = how;
    let documents = load_documents(files)?;
    if documents.is_empty() && !prune {
        let names: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
        anyhow::bail!("no manifests found in {}", names.join(", "));
    }
    let prune_root = if prune {
        match files {
            [one] if one.as_os_str() != "-" => Some(std::fs::canonicalize(one)?.display().to_string()),
            _ => anyhow::bail!("--prune needs exactly one -f folder (or file)"),
        }
    } else {
        None
    };
    let request = ApplyRequest {
        documents,
        options: ApplyOptions {
            dry_run,
            prune: prune_root,
            take_ownership,
            ..Default::default()
        },
    };
    let reply: ApplyReply = match client.post("/v1/apply", &request).await {
        Err(ClientError::Api { details, .. }) if details.len() > 1 => {
            for d in &details {
                eprintln!("error: {d}");
            }
            anyhow::bail!("{} problems (above); nothing was changed", details.len())
        }
        other => other?,
    };
    Ok(reply.results)
}

/// One line per object (`service/default/web configured`), then its field changes when asked.
pub fn print_results(results: &[ApplyResult], suffix: &str, with_changes: bool) {
    for r in results {
        let kind = r.kind.to_string().to_lowercase();
        let detail = r.detail.as_ref().map(|d| format!(" ({d})")).unwrap_or_default();
        let outcome = super::output::wire(&r.outcome);
        println!("{kind}/{} {outcome}{detail}{suffix}", r.name);
        if with_changes {
            for change in &r.changes {
                println!("    {change}");
            }
        }
    }
}

/// Runs `apply`.
pub async fn run(client: &ApiClient, args: ApplyArgs) -> anyhow::Result<()> {
    let how = SendOptions {
        dry_run: args.dry_run,
        prune: args.prune,
        take_ownership: args.take_ownership,
    };
    let results = send(client, &args.files, how).await?;
    print_results(
        &results,
        if args.dry_run { " (dry run)" } else { "" },
        args.dry_run,
    );
    if args.wait {
        wait_for_rollouts(client, &applied_services(&results), args.timeout).await?;
    }
    Ok(())
}

/// Every service in apply results (named `cluster/name`), whatever its outcome: even an
/// unchanged one is waited for, so `--wait` always confirms a steady state.
fn applied_services(results: &[ApplyResult]) -> Vec<ServiceName> {
    results
        .iter()
        .filter(|r| r.kind == Kind::Service)
        .filter_map(|r| r.name.split_once('/'))
        .map(|(cluster, name)| ServiceName {
            cluster: cluster.to_string(),
            name: name.to_string(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_applied_service_is_waited_for_whatever_its_outcome() {
        use crate::store::ApplyOutcome::{Configured, Created, Unchanged};
        let result = |kind, name: &str, outcome| ApplyResult {
            kind,
            name: name.into(),
            outcome,
            detail: None,
            changes: Vec::new(),
        };
        let results = [
            result(Kind::TaskDefinition, "web", Configured),
            result(Kind::Service, "default/web", Configured),
            result(Kind::Service, "prod/api", Unchanged),
            result(Kind::Cluster, "prod", Created),
        ];
        let names: Vec<String> = applied_services(&results).iter().map(|s| s.to_string()).collect();
        assert_eq!(names, ["service/web", "service/prod/api"]);
    }
}
