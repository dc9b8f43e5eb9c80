//! The first step: status, CPU, memory and host ports, counting earlier tasks of the call.

use super::*;
use crate::model::{
    ContainerDefinition, CpuUnits, Mebibytes, NetworkMode, PortMapping, Protocol, TaskDefinitionSpec,
};

fn container(cpu: Option<u32>, memory: Option<u32>, reservation: Option<u32>) -> ContainerDefinition {
    ContainerDefinition {
        name: "c".into(),
        image: "busybox".into(),
        cpu,
        memory,
        memory_reservation: reservation,
        ..Default::default()
    }
}

/// The ECS reasons of the tasks `place` could not place on one instance.
fn refusals(placement: &Placement) -> Vec<&'static str> {
    placement
        .unplaced
        .iter()
        .map(|u| u.closest().unwrap().1.ecs_reason())
        .collect()
}

#[test]
fn tasks_fit_until_cpu_memory_or_a_fixed_port_runs_out_and_each_refusal_says_which() {
    let mut machine = instance("m", 2048, 1000);
    machine.used.cpu = 1024;
    machine.used.ports_tcp.insert(80);
    let machine = [machine];
    let small = place(&machine, &demand(512, 100), &[], &[], 3, 0);
    assert_eq!((small.placed.len(), refusals(&small)), (2, vec!["RESOURCE:CPU"]));
    let big = place(&machine, &demand(0, 600), &[], &[], 2, 0);
    assert_eq!((big.placed.len(), refusals(&big)), (1, vec!["RESOURCE:MEMORY"]));
    let on_80 = Demand {
        ports_tcp: vec![80],
        ..demand(0, 0)
    };
    let taken = place(&machine, &on_80, &[], &[], 1, 0);
    assert_eq!(
        (taken.placed.len(), refusals(&taken)),
        (0, vec!["RESOURCE:PORTS"])
    );
    let on_8080 = Demand {
        ports_tcp: vec![8080],
        ..demand(0, 0)
    };
    let second = place(&machine, &on_8080, &[], &[], 2, 0);
    assert_eq!(
        (second.placed.len(), refusals(&second)),
        (1, vec!["RESOURCE:PORTS"]),
        "the second task would need the port the first one took"
    );
}

#[test]
fn cpu_is_checked_before_memory_and_memory_before_ports() {
    let mut full = instance("m", 100, 100);
    full.used.ports_tcp.insert(80);
    full.used.ports_udp.insert(53);
    let asks = |cpu, memory, tcp: &[u16], udp: &[u16]| Demand {
        ports_tcp: tcp.to_vec(),
        ports_udp: udp.to_vec(),
        ..demand(cpu, memory)
    };
    assert_eq!(fits(&full, &asks(200, 200, &[80], &[53])), Err(Rejection::Cpu));
    assert_eq!(fits(&full, &asks(100, 200, &[80], &[53])), Err(Rejection::Memory));
    assert_eq!(fits(&full, &asks(100, 100, &[80], &[53])), Err(Rejection::Ports));
    assert_eq!(
        fits(&full, &asks(100, 100, &[53], &[53])),
        Err(Rejection::PortsUdp)
    );
    assert_eq!(
        fits(&full, &asks(100, 100, &[53], &[80])),
        Ok(()),
        "tcp and udp ports are apart"
    );
}

#[test]
fn a_disconnected_or_draining_instance_takes_nothing_and_says_why() {
    let gone = Instance {
        connected: false,
        ..instance("gone", 4096, 4096)
    };
    let draining = Instance {
        status: InstanceStatus::Draining,
        ..instance("draining", 4096, 4096)
    };
    assert_eq!(fits(&gone, &demand(1, 1)), Err(Rejection::Disconnected));
    assert_eq!(fits(&draining, &demand(1, 1)), Err(Rejection::Draining));
    let placement = place(&[gone, draining], &demand(1, 1), &[], &[], 1, 0);
    assert_eq!(
        placement.unplaced[0].rejections,
        vec![
            ("gone".to_string(), Rejection::Disconnected),
            ("draining".to_string(), Rejection::Draining)
        ]
    );
    assert_eq!(Rejection::Disconnected.ecs_reason(), "AGENT");
    assert_eq!(Rejection::Draining.ecs_reason(), "DRAINING");
}

#[test]
fn ports_the_host_reserves_are_never_given_to_a_task() {
    let mut host = instance("m", 4096, 4096);
    host.registered.ports_tcp.insert(22);
    let ssh = Demand {
        ports_tcp: vec![22],
        ..demand(0, 0)
    };
    assert_eq!(fits(&host, &ssh), Err(Rejection::Ports));
}

#[test]
fn tasks_placed_earlier_in_the_same_call_count_against_each_instance() {
    let instances = [instance("a", 1024, 512), instance("b", 1024, 512)];
    let placement = place(&instances, &demand(512, 256), &[], &[], 5, 7);
    assert_eq!(placement.placed.len(), 4);
    assert_eq!(per_instance(&placement), BTreeMap::from([("a", 2), ("b", 2)]));
    assert_eq!(placement.unplaced.len(), 1);
    let on_443 = Demand {
        ports_tcp: vec![443],
        ..demand(1, 1)
    };
    let placement = place(&instances, &on_443, &[], &[], 3, 7);
    assert_eq!(per_instance(&placement), BTreeMap::from([("a", 1), ("b", 1)]));
    assert_eq!(placement.unplaced.len(), 1, "a fixed port fits once per instance");
}

#[test]
fn placing_never_changes_the_instances_it_was_given() {
    let instances = vec![instance("a", 1024, 512)];
    let before = instances.clone();
    place(&instances, &demand(512, 256), &[], &[], 2, 0);
    assert_eq!(instances, before);
}

#[test]
fn fixed_ports_are_the_host_ports_or_every_port_in_host_mode() {
    let mapping = |container_port, host_port| PortMapping {
        container_port,
        host_port,
        ..Default::default()
    };
    let udp = PortMapping {
        protocol: Protocol::Udp,
        ..mapping(53, Some(53))
    };
    let mut td = TaskDefinitionSpec {
        container_definitions: vec![ContainerDefinition {
            port_mappings: vec![
                mapping(80, Some(8080)),
                mapping(81, None),
                mapping(82, Some(0)),
                udp,
            ],
            ..container(None, None, None)
        }],
        ..Default::default()
    };
    assert_eq!(fixed_ports(&td), (vec![8080], vec![53]));
    td.network_mode = Some(NetworkMode::Host);
    assert_eq!(fixed_ports(&td), (vec![8080, 81, 82], vec![53]));
}

#[test]
fn a_task_reserves_its_task_size_or_the_sum_of_its_containers() {
    let mut td = TaskDefinitionSpec {
        container_definitions: vec![
            container(Some(256), Some(512), None),
            container(Some(128), Some(512), Some(64)),
            container(None, None, None),
        ],
        ..Default::default()
    };
    assert_eq!(reservation(&td), (384, 576));
    td.cpu = Some(CpuUnits(1024));
    td.memory = Some(Mebibytes(2048));
    assert_eq!(reservation(&td), (1024, 2048));
    let asked = Demand::of(&td, "family:web");
    assert_eq!(
        (asked.cpu, asked.memory, asked.group.as_str()),
        (1024, 2048, "family:web")
    );
}
