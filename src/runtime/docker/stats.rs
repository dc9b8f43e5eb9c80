//! The engine's one-shot stats (`GET /containers/{id}/stats?stream=false&one-shot=true`) as
//! a `ResourceUsage`: the fallback where the daemon cannot read the container's cgroups.

use crate::runtime::ResourceUsage;
use bollard::models::{ContainerBlkioStatEntry, ContainerStatsResponse};

/// The counters of one stats answer (cgroup v1 and v2 field names alike).
pub(super) fn usage_from_stats(stats: &ContainerStatsResponse) -> ResourceUsage {
    let memory = stats.memory_stats.as_ref();
    let memory_bytes = memory.and_then(|m| m.usage).unwrap_or(0);
    let inactive = memory
        .and_then(|m| m.stats.as_ref())
        .and_then(|s| s.get("inactive_file").or_else(|| s.get("total_inactive_file")))
        .copied()
        .unwrap_or(0);
    let networks = stats.networks.iter().flat_map(|n| n.values());
    let (rx, tx) = networks.fold((0, 0), |(rx, tx), n| {
        (rx + n.rx_bytes.unwrap_or(0), tx + n.tx_bytes.unwrap_or(0))
    });
    let io = stats
        .blkio_stats
        .as_ref()
        .and_then(|b| b.io_service_bytes_recursive.as_deref())
        .unwrap_or_default();
    ResourceUsage {
        cpu_ns: stats
            .cpu_stats
            .as_ref()
            .and_then(|c| c.cpu_usage.as_ref())
            .and_then(|u| u.total_usage)
            .unwrap_or(0),
        memory_bytes,
        working_set_bytes: memory_bytes.saturating_sub(inactive),
        // An unlimited container reports the host's memory as its limit.
        memory_limit_bytes: memory.and_then(|m| m.limit).filter(|l| *l > 0),
        net_rx_bytes: rx,
        net_tx_bytes: tx,
        read_bytes: io_bytes(io, "read"),
        write_bytes: io_bytes(io, "write"),
    }
}

fn io_bytes(entries: &[ContainerBlkioStatEntry], op: &str) -> u64 {
    entries
        .iter()
        .filter(|e| e.op.as_deref().is_some_and(|o| o.eq_ignore_ascii_case(op)))
        .filter_map(|e| e.value)
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The shape Docker 20.10 answers on cgroup v1 with `one-shot=true` (no `precpu`).
    const DOCKER_V1: &str = r#"{
        "read": "2026-11-30T07:40:00.000000000Z",
        "cpu_stats": {"cpu_usage": {"total_usage": 1631237659}, "online_cpus": 2},
        "precpu_stats": {"cpu_usage": {"total_usage": 0}},
        "memory_stats": {"usage": 2551808, "limit": 8589934592,
                         "stats": {"total_inactive_file": 524288, "cache": 600000}},
        "networks": {"eth0": {"rx_bytes": 486, "tx_bytes": 42}, "eth1": {"rx_bytes": 14, "tx_bytes": 8}},
        "blkio_stats": {"io_service_bytes_recursive": [
            {"major": 8, "minor": 0, "op": "Read", "value": 4096},
            {"major": 8, "minor": 0, "op": "Write", "value": 8192},
            {"major": 8, "minor": 0, "op": "Total", "value": 12288}]}
    }"#;

    #[test]
    fn one_shot_stats_become_counters_with_working_set_and_summed_interfaces() {
        let stats: ContainerStatsResponse = serde_json::from_str(DOCKER_V1).unwrap();
        let usage = usage_from_stats(&stats);
        assert_eq!(usage.cpu_ns, 1_631_237_659);
        assert_eq!(usage.memory_bytes, 2_551_808);
        assert_eq!(usage.working_set_bytes, 2_551_808 - 524_288);
        assert_eq!(usage.memory_limit_bytes, Some(8_589_934_592));
        assert_eq!((usage.net_rx_bytes, usage.net_tx_bytes), (500, 50));
        assert_eq!((usage.read_bytes, usage.write_bytes), (4096, 8192));
    }

    #[test]
    fn cgroup_v2_stats_use_inactive_file() {
        let json = r#"{"memory_stats": {"usage": 1000, "stats": {"inactive_file": 300}}}"#;
        let stats: ContainerStatsResponse = serde_json::from_str(json).unwrap();
        let usage = usage_from_stats(&stats);
        assert_eq!(usage.working_set_bytes, 700);
        assert_eq!(usage.memory_limit_bytes, None);
    }
}
