//! The ECS cluster query language: the expressions of `memberOf` placement constraints and of
//! ListContainerInstances' `filter`. Subjects `attribute:<name>`, `ec2InstanceId`,
//! `agentConnected`, `agentVersion`, `registeredAt`, `runningTasksCount` and `task:group`;
//! operators `==`/`equals`, `!=`/`not_equals`, `exists`, `!exists`, `in [..]`, `!in [..]`,
//! and `<`, `<=`, `>`, `>=` where the subject is ordered; combined with `&&`/`and`,
//! `||`/`or`, `!`/`not` and parentheses. Anything else (`=~`/`matches` among them) is
//! refused with the part ecsd does not support named.
//!
//! Input is bounded before any work: at most `MAX_EXPRESSION_LEN` characters and
//! `MAX_EXPRESSION_DEPTH` levels of parentheses and negation, and `and`/`or` chains are flat
//! lists, so neither parsing, evaluating nor dropping an expression can exhaust the stack.

mod parse;
mod values;

pub use parse::parse;
pub use values::{parse_instant, parse_version};

/// How much of a refused expression its error repeats.
const SHOWN_CHARS: usize = 80;

/// Why an expression was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{expression:?}: {reason}")]
pub struct QueryError {
    /// The expression, cut to its first `SHOWN_CHARS` characters (and `…`) when longer.
    pub expression: String,
    /// What is wrong with it.
    pub reason: String,
}

/// What a query is asked about: a container instance as the cluster query language sees it.
pub trait QueryTarget {
    /// The attribute's value: `None` when it is not set, `Some(None)` when set without one.
    fn attribute(&self, name: &str) -> Option<Option<&str>>;
    /// The instance's id (`ec2InstanceId`).
    fn instance_id(&self) -> &str;
    /// Whether its engine answers (`agentConnected`).
    fn agent_connected(&self) -> bool;
    /// The version of what manages it (`agentVersion`), e.g. `1.4.0`.
    fn agent_version(&self) -> &str;
    /// When it was registered, in milliseconds since the epoch (`registeredAt`).
    fn registered_at(&self) -> u64;
    /// How many tasks run on it (`runningTasksCount`).
    fn running_tasks_count(&self) -> u64;
    /// Whether a task of `group` (`service:web`, `family:batch`, or a RunTask group) is on it
    /// (`task:group`).
    fn runs_task_group(&self, group: &str) -> bool;
}

/// A parsed expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClusterQuery {
    /// Every part holds.
    All(Vec<ClusterQuery>),
    /// At least one part holds.
    Any(Vec<ClusterQuery>),
    /// The inner expression does not hold.
    Not(Box<ClusterQuery>),
    /// The subject passes the test.
    Condition(Subject, Test),
}

/// What a condition looks at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject {
    /// `attribute:<name>`.
    Attribute(String),
    /// `ec2InstanceId`: the container instance's id.
    InstanceId,
    /// `agentConnected`: `true` or `false`.
    AgentConnected,
    /// `agentVersion`, compared as dotted numbers.
    AgentVersion,
    /// `registeredAt`, compared as instants.
    RegisteredAt,
    /// `runningTasksCount`, compared as numbers.
    RunningTasksCount,
    /// `task:group`: the groups of the tasks on the instance.
    TaskGroup,
}

/// What a condition asks of its subject.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Test {
    /// The subject is set (with or without a value).
    Exists,
    /// The subject has one of these values.
    OneOf(Vec<String>),
    /// The subject compares with the value as the operator says.
    Compare(Comparison, Scalar),
}

/// An order comparison of an ordered subject with a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparison {
    /// `==`.
    Equal,
    /// `<`.
    Less,
    /// `<=`.
    LessOrEqual,
    /// `>`.
    Greater,
    /// `>=`.
    GreaterOrEqual,
}

/// The value an ordered subject is compared with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scalar {
    /// A count.
    Number(u64),
    /// Milliseconds since the epoch.
    Instant(u64),
    /// Dotted version numbers.
    Version(Vec<u64>),
}

impl Comparison {
    /// Whether `left <operator> right` holds.
    fn holds<T: Ord + ?Sized>(self, left: &T, right: &T) -> bool {
        match self {
            Comparison::Equal => left == right,
            Comparison::Less => left < right,
            Comparison::LessOrEqual => left <= right,
            Comparison::Greater => left > right,
            Comparison::GreaterOrEqual => left >= right,
        }
    }
}

impl ClusterQuery {
    /// Whether `target` matches; recursion is as deep as the expression's nesting, which
    /// `parse` bounds.
    pub fn matches(&self, target: &impl QueryTarget) -> bool {
        match self {
            ClusterQuery::All(parts) => parts.iter().all(|p| p.matches(target)),
            ClusterQuery::Any(parts) => parts.iter().any(|p| p.matches(target)),
            ClusterQuery::Not(inner) => !inner.matches(target),
            ClusterQuery::Condition(subject, test) => condition_holds(subject, test, target),
        }
    }
}

/// Whether one condition holds for `target`.
fn condition_holds(subject: &Subject, test: &Test, target: &impl QueryTarget) -> bool {
    match (subject, test) {
        (Subject::Attribute(name), Test::Exists) => target.attribute(name).is_some(),
        (Subject::Attribute(name), Test::OneOf(values)) => target
            .attribute(name)
            .flatten()
            .is_some_and(|v| values.iter().any(|w| w == v)),
        (Subject::InstanceId, Test::OneOf(values)) => values.iter().any(|v| v == target.instance_id()),
        (Subject::AgentConnected, Test::OneOf(values)) => {
            let connected = target.agent_connected().to_string();
            values.iter().any(|v| v.eq_ignore_ascii_case(&connected))
        }
        (Subject::TaskGroup, Test::OneOf(values)) => values.iter().any(|g| target.runs_task_group(g)),
        (Subject::RunningTasksCount, Test::Compare(op, Scalar::Number(n))) => {
            op.holds(&target.running_tasks_count(), n)
        }
        (Subject::RegisteredAt, Test::Compare(op, Scalar::Instant(at))) => {
            op.holds(&target.registered_at(), at)
        }
        (Subject::AgentVersion, Test::Compare(op, Scalar::Version(wanted))) => {
            let have = parse_version(target.agent_version()).unwrap_or_default();
            op.holds(have.as_slice(), wanted.as_slice())
        }
        // Every subject other than an attribute always has a value.
        (_, Test::Exists) => true,
        // `parse` builds no other pairing.
        _ => false,
    }
}

/// The start of `expression`, for an error message.
fn shown(expression: &str) -> String {
    match expression.char_indices().nth(SHOWN_CHARS) {
        Some((cut, _)) => format!("{}…", &expression[..cut]),
        None => expression.to_string(),
    }
}

#[cfg(test)]
mod tests;
