use super::*;

const NET_DEV: &str = "Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
    lo:     100       1    0    0    0     0          0         0      100       1    0    0    0     0       0          0
  eth0:     486       5    0    0    0     0          0         0       42       1    0    0    0     0       0          0
  eth1:      14       1    0    0    0     0          0         0        8       1    0    0    0     0       0          0
";

fn write(root: &Path, rel: &str, text: &str) {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

#[test]
fn proc_cgroup_lists_v1_controllers_and_the_unified_path() {
    let paths = parse_proc_cgroup(
        "9:name=systemd:/docker/abc\n2:cpu,cpuacct:/docker/abc\n4:memory:/docker/abc\n0::/docker/abc\n",
    );
    assert_eq!(paths.unified.as_deref(), Some("/docker/abc"));
    assert_eq!(paths.v1["cpuacct"], ("cpu,cpuacct".into(), "/docker/abc".into()));
    assert_eq!(paths.v1["memory"], ("memory".into(), "/docker/abc".into()));
    assert_eq!(paths.v1["name=systemd"].0, "systemd");
}

#[test]
fn network_bytes_skip_loopback_and_sum_the_other_interfaces() {
    assert_eq!(net_dev(NET_DEV), (500, 50));
}

#[test]
fn block_io_sums_reads_and_writes_of_every_device() {
    let v1 = "8:0 Read 4096\n8:0 Write 8192\n8:0 Total 12288\n8:16 Read 1\nTotal 12289\n";
    assert_eq!(v1_blkio(v1), (4097, 8192));
    let v2 = "8:0 rbytes=4096 wbytes=8192 rios=1 wios=2\n8:16 rbytes=1 wbytes=0\n";
    assert_eq!(v2_io(v2), (4097, 8192));
}

#[test]
fn unlimited_memory_is_no_limit_in_both_versions() {
    assert_eq!(v1_limit("9223372036854771712\n"), None);
    assert_eq!(v1_limit("268435456\n"), Some(268_435_456));
    assert_eq!(single_value("max\n"), None);
}

#[test]
fn a_v1_container_is_read_from_its_controllers() {
    let dir = tempfile::tempdir().unwrap();
    let (cg, proc) = (dir.path().join("cg"), dir.path().join("proc"));
    write(
        &proc,
        "7/cgroup",
        "2:cpu,cpuacct:/docker/c1\n4:memory:/docker/c1\n7:blkio:/docker/c1\n0::/docker/c1\n",
    );
    write(&proc, "7/net/dev", NET_DEV);
    write(&cg, "cpu,cpuacct/docker/c1/cpuacct.usage", "1500000000\n");
    write(&cg, "memory/docker/c1/memory.usage_in_bytes", "10000\n");
    write(
        &cg,
        "memory/docker/c1/memory.stat",
        "cache 5000\ntotal_inactive_file 3000\n",
    );
    write(
        &cg,
        "memory/docker/c1/memory.limit_in_bytes",
        "9223372036854771712\n",
    );
    write(
        &cg,
        "blkio/docker/c1/blkio.throttle.io_service_bytes_recursive",
        "8:0 Read 10\n8:0 Write 20\n",
    );
    let usage = CgroupReader::new(&cg, &proc).read(7).unwrap();
    assert_eq!(
        usage,
        ResourceUsage {
            cpu_ns: 1_500_000_000,
            memory_bytes: 10_000,
            working_set_bytes: 7_000,
            memory_limit_bytes: None,
            net_rx_bytes: 500,
            net_tx_bytes: 50,
            read_bytes: 10,
            write_bytes: 20,
        }
    );
}

#[test]
fn a_v2_container_is_read_from_its_unified_group() {
    let dir = tempfile::tempdir().unwrap();
    let (cg, proc) = (dir.path().join("cg"), dir.path().join("proc"));
    write(&cg, "cgroup.controllers", "cpu memory io\n");
    write(&proc, "9/cgroup", "0::/system.slice/docker-c2.scope\n");
    write(&proc, "9/net/dev", NET_DEV);
    let group = "system.slice/docker-c2.scope";
    write(
        &cg,
        &format!("{group}/cpu.stat"),
        "usage_usec 2500000\nuser_usec 2000000\n",
    );
    write(&cg, &format!("{group}/memory.current"), "8192\n");
    write(
        &cg,
        &format!("{group}/memory.stat"),
        "anon 4096\ninactive_file 1024\n",
    );
    write(&cg, &format!("{group}/memory.max"), "268435456\n");
    write(&cg, &format!("{group}/io.stat"), "8:0 rbytes=1 wbytes=2\n");
    let usage = CgroupReader::new(&cg, &proc).read(9).unwrap();
    assert_eq!(usage.cpu_ns, 2_500_000_000);
    assert_eq!((usage.memory_bytes, usage.working_set_bytes), (8192, 7168));
    assert_eq!(usage.memory_limit_bytes, Some(268_435_456));
    assert_eq!((usage.read_bytes, usage.write_bytes), (1, 2));
}

#[test]
fn a_vanished_process_is_an_error_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let err = CgroupReader::new(dir.path(), dir.path()).read(1).unwrap_err();
    assert!(err.to_string().contains("1/cgroup"), "{err}");
}
