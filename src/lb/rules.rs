//! Route matching, pure: a listener's rules compiled into a table searched by ascending
//! priority, ELB's `*`/`?` wildcards (host case-insensitive, path case-sensitive), and the
//! weighted choice among forward target groups.

use crate::model::load_balancing::{Action, ActionType, ConditionField, Listener};

/// What a matched rule (or the default) does with a request.
#[derive(Debug, Clone, PartialEq)]
pub enum RouteAction<G> {
    /// Forward to one of these target groups, chosen by weight.
    Forward(Vec<(G, u32)>),
    /// Answer without a target.
    Fixed(FixedResponse),
}

/// A `fixed-response` answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FixedResponse {
    /// Status code.
    pub status: u16,
    /// `Content-Type` header.
    pub content_type: String,
    /// Body.
    pub body: String,
}

/// One compiled rule: lowercase host patterns, path patterns, an action.
#[derive(Debug, Clone, PartialEq)]
struct CompiledRule<G> {
    priority: u32,
    hosts: Vec<String>,
    paths: Vec<String>,
    action: RouteAction<G>,
}

/// A listener's rules in priority order and its default action.
#[derive(Debug, Clone, PartialEq)]
pub struct RouteTable<G> {
    rules: Vec<CompiledRule<G>>,
    default: RouteAction<G>,
}

impl<G: Clone> RouteTable<G> {
    /// Compiles a (validated) listener, resolving target group names with `resolve`; the
    /// error is the first name that does not resolve.
    pub fn compile(listener: &Listener, resolve: impl Fn(&str) -> Option<G>) -> Result<Self, String> {
        let default = match listener.default_actions.first() {
            Some(action) => compile_action(action, &resolve)?,
            None => RouteAction::Fixed(not_found()),
        };
        let mut rules = Vec::with_capacity(listener.rules.len());
        for rule in &listener.rules {
            let values = |field: ConditionField| -> Vec<String> {
                let matching = rule.conditions.iter().filter(|c| c.field == field);
                matching.flat_map(|c| c.values.iter().cloned()).collect()
            };
            let hosts = values(ConditionField::HostHeader)
                .iter()
                .map(|h| h.to_ascii_lowercase())
                .collect();
            let action = match rule.actions.first() {
                Some(action) => compile_action(action, &resolve)?,
                None => RouteAction::Fixed(not_found()),
            };
            rules.push(CompiledRule {
                priority: rule.priority,
                hosts,
                paths: values(ConditionField::PathPattern),
                action,
            });
        }
        rules.sort_by_key(|r| r.priority);
        Ok(RouteTable { rules, default })
    }

    /// The action for a request: the first rule (lowest priority number) whose every
    /// condition matches, else the default action.
    pub fn route(&self, host: Option<&str>, path: &str) -> &RouteAction<G> {
        let host = host
            .map(host_without_port)
            .unwrap_or_default()
            .to_ascii_lowercase();
        self.rules
            .iter()
            .find(|rule| {
                let host_ok = rule.hosts.is_empty() || rule.hosts.iter().any(|p| wildcard_match(p, &host));
                let path_ok = rule.paths.is_empty() || rule.paths.iter().any(|p| wildcard_match(p, path));
                host_ok && path_ok
            })
            .map_or(&self.default, |rule| &rule.action)
    }
}

fn compile_action<G>(
    action: &Action,
    resolve: &impl Fn(&str) -> Option<G>,
) -> Result<RouteAction<G>, String> {
    if action.action_type == ActionType::FixedResponse {
        let config = action.fixed_response_config.as_ref();
        return Ok(RouteAction::Fixed(FixedResponse {
            status: config
                .and_then(|c| c.status_code.as_number())
                .and_then(|c| u16::try_from(c).ok())
                .unwrap_or(404),
            content_type: config
                .and_then(|c| c.content_type.clone())
                .unwrap_or_else(|| "text/plain".into()),
            body: config.and_then(|c| c.message_body.clone()).unwrap_or_default(),
        }));
    }
    let mut groups = Vec::new();
    for (name, weight) in action.forward_targets() {
        groups.push((resolve(&name).ok_or(name)?, weight));
    }
    Ok(RouteAction::Forward(groups))
}

fn not_found() -> FixedResponse {
    FixedResponse {
        status: 404,
        content_type: "text/plain".into(),
        body: String::new(),
    }
}

/// The host part of a `Host` header (`example.com:8080` → `example.com`, `[::1]:80` → `[::1]`).
pub fn host_without_port(host: &str) -> &str {
    match host.rfind(':') {
        Some(i) if !host[i..].contains(']') => &host[..i],
        _ => host,
    }
}

/// ELB wildcard matching: `*` matches any run of characters (also none), `?` exactly one.
pub fn wildcard_match(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    let (mut pi, mut ti) = (0, 0);
    let mut backtrack: Option<(usize, usize)> = None;
    while ti < t.len() {
        match p.get(pi) {
            Some('*') => {
                backtrack = Some((pi, ti));
                pi += 1;
            }
            Some(&c) if c == '?' || c == t[ti] => {
                pi += 1;
                ti += 1;
            }
            _ => match backtrack {
                Some((star, matched)) => {
                    pi = star + 1;
                    ti = matched + 1;
                    backtrack = Some((star, matched + 1));
                }
                None => return false,
            },
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

/// Chooses among weighted target groups with `r` uniform in `[0, 1)`; weight-0 groups get
/// nothing; `None` when no weight is above 0.
pub fn choose_weighted<G>(groups: &[(G, u32)], r: f64) -> Option<&G> {
    let total: u64 = groups.iter().map(|(_, w)| u64::from(*w)).sum();
    if total == 0 {
        return None;
    }
    // The float-to-int cast saturates; `min` keeps r = 1.0 inside the last group.
    let mut point = ((r.clamp(0.0, 1.0) * total as f64) as u64).min(total - 1);
    for (group, weight) in groups {
        if point < u64::from(*weight) {
            return Some(group);
        }
        point -= u64::from(*weight);
    }
    None
}

#[cfg(test)]
mod tests;
