//! A container's resource counters at one instant: what cgroups or the engine's one-shot
//! stats report, before any rate is computed.

/// Cumulative counters and current gauges of one container.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ResourceUsage {
    /// CPU time used since the container started (nanoseconds, all cores).
    pub cpu_ns: u64,
    /// Memory charged to the container, page cache included (bytes).
    pub memory_bytes: u64,
    /// Memory the container cannot give back at once: usage minus inactive file pages
    /// (bytes), as `docker stats` and the kubelet count it.
    pub working_set_bytes: u64,
    /// The container's memory limit (bytes), when it has one.
    pub memory_limit_bytes: Option<u64>,
    /// Bytes received on the container's network interfaces.
    pub net_rx_bytes: u64,
    /// Bytes sent on the container's network interfaces.
    pub net_tx_bytes: u64,
    /// Bytes read from block devices.
    pub read_bytes: u64,
    /// Bytes written to block devices.
    pub write_bytes: u64,
}
