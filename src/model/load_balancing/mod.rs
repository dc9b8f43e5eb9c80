//! Load-balancing resources: `TargetGroup` and `LoadBalancer`, in ELBv2 field names.
//!
//! The shapes follow the ELBv2 API (camelCase); what ELB defines and ecsd does not implement
//! parses only to be refused by name. Defaults are homelab-friendly and all shown by
//! `TargetGroupSpec::with_defaults`.

mod load_balancer;
mod target_group;
mod validate;

pub use load_balancer::{
    Action, ActionType, Condition, ConditionField, FixedResponseConfig, ForwardConfig, Listener,
    LoadBalancerSpec, Rule, WeightedTargetGroup, target_group_name,
};
pub use target_group::{
    HttpCodeRange, LbProtocol, Matcher, NumberOrText, TargetGroupAttributes, TargetGroupSettings,
    TargetGroupSpec, defaults, parse_http_codes,
};
pub use validate::{validate_load_balancer, validate_target_group};
