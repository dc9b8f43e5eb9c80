//! What the load balancer counts about the traffic it forwards, per load balancer and target
//! group, after CloudWatch's ELB metrics: requests (`RequestCount`), the targets' answers by
//! class (`HTTPCode_Target_2XX_Count` …), the load balancer's own error answers
//! (`HTTPCode_ELB_4XX_Count`, `HTTPCode_ELB_502/503/504_Count`), the targets' response time
//! (`TargetResponseTime`), new TCP connections (`NewFlowCount`) and failed connections to
//! targets (`TargetConnectionErrorCount`). Atomics only on the request path; the counters of
//! a pair are found when routes are compiled, not per request, and read at scrape time.

use super::group::Group;
use crate::metrics::{AtomicHistogram, Histogram};
use hyper::StatusCode;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

/// Classes of the targets' answers, in counter order.
pub const TARGET_CLASSES: [&str; 4] = ["2xx", "3xx", "4xx", "5xx"];

/// An answer the load balancer gives itself when it cannot get one from a target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ElbError {
    /// The request body could not be read.
    BadRequest,
    /// The target refused the connection or broke it before its answer ended.
    BadGateway,
    /// No target to send to (none registered, or every one draining).
    ServiceUnavailable,
    /// The target did not answer within the timeout.
    GatewayTimeout,
}

impl ElbError {
    /// Every error, in counter order.
    pub const ALL: [ElbError; 4] = [
        ElbError::BadRequest,
        ElbError::BadGateway,
        ElbError::ServiceUnavailable,
        ElbError::GatewayTimeout,
    ];

    /// Its HTTP status.
    pub fn status(self) -> StatusCode {
        match self {
            ElbError::BadRequest => StatusCode::BAD_REQUEST,
            ElbError::BadGateway => StatusCode::BAD_GATEWAY,
            ElbError::ServiceUnavailable => StatusCode::SERVICE_UNAVAILABLE,
            ElbError::GatewayTimeout => StatusCode::GATEWAY_TIMEOUT,
        }
    }

    fn index(self) -> usize {
        match self {
            ElbError::BadRequest => 0,
            ElbError::BadGateway => 1,
            ElbError::ServiceUnavailable => 2,
            ElbError::GatewayTimeout => 3,
        }
    }
}

/// The live counters of one (load balancer, target group) pair.
#[derive(Debug, Default)]
pub(crate) struct Traffic {
    requests: AtomicU64,
    target_responses: [AtomicU64; TARGET_CLASSES.len()],
    elb_responses: [AtomicU64; ElbError::ALL.len()],
    response_time: AtomicHistogram,
    new_connections: AtomicU64,
    connection_errors: AtomicU64,
}

impl Traffic {
    /// An HTTP request routed to the group.
    pub fn request(&self) {
        self.requests.fetch_add(1, Ordering::Relaxed);
    }

    /// A target's answer (1xx answers, upgrades, have no class, as in ELB).
    pub fn target_response(&self, status: StatusCode, took: Duration) {
        self.response_time.observe(took);
        let class = usize::from(status.as_u16() / 100);
        if let Some(counter) = class.checked_sub(2).and_then(|i| self.target_responses.get(i)) {
            counter.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// The load balancer answered the request itself.
    pub fn elb_response(&self, error: ElbError) {
        self.elb_responses[error.index()].fetch_add(1, Ordering::Relaxed);
    }

    /// A TCP connection accepted for the group.
    pub fn new_connection(&self) {
        self.new_connections.fetch_add(1, Ordering::Relaxed);
    }

    /// A connection to a target failed (refused or timed out).
    pub fn connection_error(&self) {
        self.connection_errors.fetch_add(1, Ordering::Relaxed);
    }
}

/// A target group as one load balancer forwards to it: the group and that pair's counters.
pub(crate) struct Forward {
    /// The running group.
    pub group: Arc<Group>,
    /// The pair's counters.
    pub traffic: Arc<Traffic>,
}

/// One pair's counters at scrape time.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TrafficCounts {
    /// Load balancer name.
    pub load_balancer: String,
    /// Target group name.
    pub target_group: String,
    /// HTTP requests routed to the group.
    pub requests: u64,
    /// The targets' answers by class, in [`TARGET_CLASSES`] order.
    pub target_responses: [u64; TARGET_CLASSES.len()],
    /// The load balancer's own answers, in [`ElbError::ALL`] order.
    pub elb_responses: [u64; ElbError::ALL.len()],
    /// Time from sending a request to a target until its answer's headers arrived.
    pub target_response_time: Histogram,
    /// TCP connections accepted.
    pub new_connections: u64,
    /// Connections to targets that failed.
    pub target_connection_errors: u64,
}

/// The counters of every (load balancer, target group) pair the configuration forwards; a
/// pair keeps its counters across configuration changes while it is forwarded.
#[derive(Default)]
pub(crate) struct TrafficBook {
    pairs: Mutex<BTreeMap<(String, String), Arc<Traffic>>>,
}

impl TrafficBook {
    /// The counters of a pair, made the first time.
    pub fn of(&self, load_balancer: &str, target_group: &str) -> Arc<Traffic> {
        let mut pairs = self.pairs.lock().unwrap_or_else(PoisonError::into_inner);
        pairs
            .entry((load_balancer.to_string(), target_group.to_string()))
            .or_default()
            .clone()
    }

    /// Forgets the pairs no longer forwarded.
    pub fn keep(&self, forwarded: &BTreeSet<(String, String)>) {
        let mut pairs = self.pairs.lock().unwrap_or_else(PoisonError::into_inner);
        pairs.retain(|pair, _| forwarded.contains(pair));
    }

    /// Every pair's counters now, by load balancer and target group.
    pub fn counts(&self) -> Vec<TrafficCounts> {
        let pairs = self.pairs.lock().unwrap_or_else(PoisonError::into_inner);
        pairs
            .iter()
            .map(|((load_balancer, target_group), t)| TrafficCounts {
                load_balancer: load_balancer.clone(),
                target_group: target_group.clone(),
                requests: t.requests.load(Ordering::Relaxed),
                target_responses: std::array::from_fn(|i| t.target_responses[i].load(Ordering::Relaxed)),
                elb_responses: std::array::from_fn(|i| t.elb_responses[i].load(Ordering::Relaxed)),
                target_response_time: t.response_time.snapshot(),
                new_connections: t.new_connections.load(Ordering::Relaxed),
                target_connection_errors: t.connection_errors.load(Ordering::Relaxed),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_counted_by_class_and_the_load_balancers_own_by_code() {
        let book = TrafficBook::default();
        let t = book.of("edge", "web");
        for status in [200, 204, 301, 404, 500, 503, 101] {
            t.request();
            let status = StatusCode::from_u16(status).unwrap();
            t.target_response(status, Duration::from_millis(3));
        }
        t.elb_response(ElbError::ServiceUnavailable);
        t.elb_response(ElbError::GatewayTimeout);
        let counts = &book.counts()[0];
        assert_eq!(counts.requests, 7);
        assert_eq!(counts.target_responses, [2, 1, 1, 2], "101 has no class");
        assert_eq!(counts.elb_responses, [0, 0, 1, 1]);
        assert_eq!(counts.target_response_time.count, 7);
    }

    #[test]
    fn a_pair_keeps_its_counters_while_forwarded_and_loses_them_after() {
        let book = TrafficBook::default();
        book.of("edge", "web").request();
        book.of("edge", "api").request();
        book.keep(&BTreeSet::from([("edge".to_string(), "web".to_string())]));
        assert_eq!(book.of("edge", "web").requests.load(Ordering::Relaxed), 1);
        let names: Vec<String> = book.counts().into_iter().map(|c| c.target_group).collect();
        assert_eq!(names, vec!["web"]);
    }
}
