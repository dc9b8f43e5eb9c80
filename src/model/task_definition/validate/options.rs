//! Per-container option rules: labels, logging, environment files, Linux parameters, ulimits,
//! `/etc/hosts` entries, DNS servers and the working directory.

use super::{at, check_absolute, check_reserved_labels};
use crate::model::task_definition::{
    ContainerDefinition, LinuxParameters, SUPPORTED_LOG_DRIVERS, TaskDefinitionSpec, Ulimit,
};
use crate::model::validation::FieldError;
use std::collections::BTreeSet;
use std::net::IpAddr;

pub(super) fn check(
    spec: &TaskDefinitionSpec,
    i: usize,
    def: &ContainerDefinition,
    errors: &mut Vec<FieldError>,
) {
    check_reserved_labels(def.docker_labels.keys(), at(i, "dockerLabels"), errors);
    if let Some(log) = &def.log_configuration
        && !SUPPORTED_LOG_DRIVERS.contains(&log.log_driver.as_str())
    {
        errors.push(FieldError::new(
            at(i, "logConfiguration.logDriver"),
            format!(
                "log driver {:?} is not supported yet by ecsd (use one of {})",
                log.log_driver,
                SUPPORTED_LOG_DRIVERS.join(", ")
            ),
        ));
    }
    check_environment_files(i, def, errors);
    check_ulimits(i, &def.ulimits, errors);
    if let Some(linux) = &def.linux_parameters {
        let memory = def.effective_memory(spec.memory.map(|m| m.0));
        check_linux(i, linux, memory, errors);
    }
    check_hosts_and_dns(i, def, errors);
    if let Some(dir) = &def.working_directory {
        check_absolute(dir, at(i, "workingDirectory"), errors);
    }
}

fn check_environment_files(i: usize, def: &ContainerDefinition, errors: &mut Vec<FieldError>) {
    for (k, file) in def.environment_files.iter().enumerate() {
        let path = at(i, &format!("environmentFiles[{k}].value"));
        if file.value.starts_with("arn:") {
            errors.push(FieldError::new(
                path,
                "environment files in S3 are not supported yet by ecsd (give an absolute local path)",
            ));
        } else {
            check_absolute(&file.value, path, errors);
        }
    }
}

fn check_ulimits(i: usize, ulimits: &[Ulimit], errors: &mut Vec<FieldError>) {
    let mut seen = BTreeSet::new();
    for (k, limit) in ulimits.iter().enumerate() {
        let path = at(i, &format!("ulimits[{k}]"));
        if !Ulimit::NAMES.contains(&limit.name.as_str()) {
            errors.push(FieldError::new(
                format!("{path}.name"),
                format!(
                    "unknown ulimit {:?} (expected one of {})",
                    limit.name,
                    Ulimit::NAMES.join(", ")
                ),
            ));
        } else if !seen.insert(limit.name.as_str()) {
            errors.push(FieldError::new(
                format!("{path}.name"),
                format!("ulimit {} is set twice", limit.name),
            ));
        }
        if limit.soft_limit > limit.hard_limit {
            errors.push(FieldError::new(
                format!("{path}.softLimit"),
                format!("must not exceed hardLimit ({})", limit.hard_limit),
            ));
        }
    }
}

fn check_linux(i: usize, linux: &LinuxParameters, memory: Option<u32>, errors: &mut Vec<FieldError>) {
    let path = |field: &str| at(i, &format!("linuxParameters.{field}"));
    for (k, fs) in linux.tmpfs.iter().enumerate() {
        check_absolute(
            &fs.container_path,
            path(&format!("tmpfs[{k}].containerPath")),
            errors,
        );
        if fs.size == 0 {
            errors.push(FieldError::new(
                path(&format!("tmpfs[{k}].size")),
                "expected at least 1 (MiB)",
            ));
        }
    }
    if linux.shared_memory_size == Some(0) {
        errors.push(FieldError::new(
            path("sharedMemorySize"),
            "expected at least 1 (MiB)",
        ));
    }
    for (k, device) in linux.devices.iter().enumerate() {
        check_absolute(&device.host_path, path(&format!("devices[{k}].hostPath")), errors);
        if let Some(inside) = &device.container_path {
            check_absolute(inside, path(&format!("devices[{k}].containerPath")), errors);
        }
    }
    let capabilities = linux
        .capabilities
        .iter()
        .flat_map(|c| c.add.iter().chain(&c.drop));
    if capabilities.into_iter().any(|c| c.trim().is_empty()) {
        errors.push(FieldError::new(
            path("capabilities"),
            "expected capability names, got an empty one",
        ));
    }
    if linux.max_swap.is_some() && memory.is_none() {
        errors.push(FieldError::new(
            path("maxSwap"),
            "needs a memory limit: set the container's memory or the task's memory",
        ));
    }
    if let Some(swappiness) = linux.swappiness {
        let problem = if swappiness > 100 {
            Some(format!("expected 0 to 100, got {swappiness}"))
        } else if linux.max_swap.is_none() {
            Some("needs maxSwap".to_string())
        } else {
            None
        };
        if let Some(message) = problem {
            errors.push(FieldError::new(path("swappiness"), message));
        }
    }
}

fn check_hosts_and_dns(i: usize, def: &ContainerDefinition, errors: &mut Vec<FieldError>) {
    for (k, entry) in def.extra_hosts.iter().enumerate() {
        let path = at(i, &format!("extraHosts[{k}]"));
        if entry.hostname.trim().is_empty() || entry.hostname.contains(char::is_whitespace) {
            errors.push(FieldError::new(
                format!("{path}.hostname"),
                format!("expected a host name, got {:?}", entry.hostname),
            ));
        }
        if entry.ip_address != "host-gateway" && entry.ip_address.parse::<IpAddr>().is_err() {
            errors.push(FieldError::new(
                format!("{path}.ipAddress"),
                format!(
                    "expected an IP address or host-gateway, got {:?}",
                    entry.ip_address
                ),
            ));
        }
    }
    for (k, server) in def.dns_servers.iter().enumerate() {
        if server.parse::<IpAddr>().is_err() {
            errors.push(FieldError::new(
                at(i, &format!("dnsServers[{k}]")),
                format!("expected an IP address, got {server:?}"),
            ));
        }
    }
}
