//! ECS placement rules as users write them: `placementStrategy` (binpack, spread, random) and
//! `placementConstraints` (distinctInstance, memberOf), with ECS's limits. What they decide
//! lives in the placement engine, a layer above the model.

use super::limits::MAX_EXPRESSION_LEN;
use super::query;
use super::validation::FieldError;
use serde::{Deserialize, Serialize};

/// ECS `PlacementStrategy`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlacementStrategy {
    /// `random`, `spread` or `binpack`.
    #[serde(rename = "type")]
    pub kind: PlacementStrategyType,
    /// `spread`: `instanceId`, `host` or `attribute:NAME`; `binpack`: `cpu` or `memory`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

/// ECS placement strategy types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PlacementStrategyType {
    /// Any instance.
    Random,
    /// Evenly over the values of `field`.
    Spread,
    /// As few instances as possible, by `field`.
    Binpack,
}

/// At most this many placement strategy rules (ECS).
pub const MAX_PLACEMENT_STRATEGIES: usize = 5;

/// Checks ECS placement strategy rules (also RunTask's).
pub fn validate_placement_strategy(rules: &[PlacementStrategy], at: &str) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if rules.len() > MAX_PLACEMENT_STRATEGIES {
        errors.push(FieldError::new(
            at,
            format!("expected at most {MAX_PLACEMENT_STRATEGIES} rules"),
        ));
    }
    for (i, rule) in rules.iter().enumerate() {
        let field = rule.field.as_deref();
        let ok = match rule.kind {
            PlacementStrategyType::Random => field.is_none(),
            PlacementStrategyType::Binpack => matches!(field, Some("cpu" | "memory" | "CPU" | "MEMORY")),
            PlacementStrategyType::Spread => field.is_some_and(|f| {
                matches!(f, "instanceId" | "host")
                    || f.strip_prefix("attribute:").is_some_and(|a| !a.is_empty())
            }),
        };
        if !ok {
            let want = match rule.kind {
                PlacementStrategyType::Random => "random takes no field",
                PlacementStrategyType::Binpack => "binpack needs field cpu or memory",
                PlacementStrategyType::Spread => "spread needs field instanceId, host or attribute:NAME",
            };
            errors.push(FieldError::new(format!("{at}[{i}].field"), want));
        }
    }
    errors
}

/// ECS `PlacementConstraint`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlacementConstraint {
    /// `distinctInstance` or `memberOf`.
    #[serde(rename = "type")]
    pub kind: PlacementConstraintType,
    /// `memberOf`: a cluster query language expression; `distinctInstance` takes none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expression: Option<String>,
}

/// ECS placement constraint types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum PlacementConstraintType {
    /// Each task of the group on a different container instance.
    DistinctInstance,
    /// Only container instances the expression matches.
    MemberOf,
}

/// At most this many placement constraints, task definition and run time together (ECS).
pub const MAX_PLACEMENT_CONSTRAINTS: usize = 10;

/// Checks ECS placement constraints (a service's, RunTask's): at most
/// `MAX_PLACEMENT_CONSTRAINTS`, `memberOf` with an expression that parses, `distinctInstance`
/// without one.
pub fn validate_placement_constraints(rules: &[PlacementConstraint], at: &str) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if rules.len() > MAX_PLACEMENT_CONSTRAINTS {
        errors.push(FieldError::new(
            at,
            format!("expected at most {MAX_PLACEMENT_CONSTRAINTS} constraints"),
        ));
    }
    for (i, rule) in rules.iter().enumerate() {
        let path = format!("{at}[{i}].expression");
        match (rule.kind, rule.expression.as_deref()) {
            (PlacementConstraintType::DistinctInstance, Some(_)) => {
                errors.push(FieldError::new(path, "distinctInstance takes no expression"));
            }
            (PlacementConstraintType::DistinctInstance, None) => {}
            (PlacementConstraintType::MemberOf, None) => {
                errors.push(FieldError::new(path, "memberOf needs an expression"));
            }
            (PlacementConstraintType::MemberOf, Some(expression)) => {
                if expression.chars().count() > MAX_EXPRESSION_LEN {
                    errors.push(FieldError::new(
                        path,
                        format!("expected at most {MAX_EXPRESSION_LEN} characters"),
                    ));
                } else if let Err(refused) = query::parse(expression) {
                    errors.push(FieldError::new(path, refused.reason));
                }
            }
        }
    }
    errors
}

/// Checks a task definition's placement constraints: the same rules, and no
/// `distinctInstance` (ECS allows it only on services and RunTask).
pub fn validate_task_definition_constraints(rules: &[PlacementConstraint], at: &str) -> Vec<FieldError> {
    let mut errors = validate_placement_constraints(rules, at);
    for (i, rule) in rules.iter().enumerate() {
        if rule.kind == PlacementConstraintType::DistinctInstance {
            errors.push(FieldError::new(
                format!("{at}[{i}].type"),
                "distinctInstance is not allowed in a task definition (only memberOf)",
            ));
        }
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member_of(expression: &str) -> PlacementConstraint {
        PlacementConstraint {
            kind: PlacementConstraintType::MemberOf,
            expression: Some(expression.to_string()),
        }
    }

    fn distinct() -> PlacementConstraint {
        PlacementConstraint {
            kind: PlacementConstraintType::DistinctInstance,
            expression: None,
        }
    }

    fn messages(errors: Vec<FieldError>) -> Vec<String> {
        errors.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn constraints_read_and_write_ecs_json() {
        let parsed: Vec<PlacementConstraint> = serde_json::from_str(
            r#"[{"type": "distinctInstance"}, {"type": "memberOf", "expression": "attribute:a exists"}]"#,
        )
        .unwrap();
        assert_eq!(parsed, vec![distinct(), member_of("attribute:a exists")]);
        assert_eq!(
            serde_json::to_string(&parsed[0]).unwrap(),
            r#"{"type":"distinctInstance"}"#
        );
        assert!(serde_json::from_str::<PlacementConstraint>(r#"{"type": "sameHost"}"#).is_err());
    }

    #[test]
    fn a_member_of_needs_an_expression_that_parses_and_distinct_instance_takes_none() {
        assert!(
            validate_placement_constraints(&[distinct(), member_of("attribute:a exists")], "c").is_empty()
        );
        let missing = PlacementConstraint {
            expression: None,
            ..member_of("")
        };
        let with_expression = PlacementConstraint {
            expression: Some("x".into()),
            ..distinct()
        };
        let found = messages(validate_placement_constraints(
            &[missing, with_expression, member_of("attribute:a =~ x")],
            "spec.placementConstraints",
        ));
        assert_eq!(found.len(), 3, "{found:?}");
        assert!(
            found[0].contains("[0].expression: memberOf needs an expression"),
            "{found:?}"
        );
        assert!(found[1].contains("[1].expression: distinctInstance takes no expression"));
        assert!(found[2].contains("[2].expression: operator \"=~\""), "{found:?}");
    }

    #[test]
    fn at_most_ten_constraints_and_expressions_of_at_most_2000_characters_are_accepted() {
        let ten = vec![member_of("attribute:a exists"); 10];
        assert!(validate_placement_constraints(&ten, "c").is_empty());
        let eleven = vec![member_of("attribute:a exists"); 11];
        assert_eq!(
            messages(validate_placement_constraints(&eleven, "c")),
            ["c: expected at most 10 constraints"]
        );
        let long = format!("attribute:a exists{}", " ".repeat(MAX_EXPRESSION_LEN - 17));
        assert_eq!(
            messages(validate_placement_constraints(&[member_of(&long)], "c")),
            ["c[0].expression: expected at most 2000 characters"]
        );
    }

    #[test]
    fn a_task_definition_may_not_carry_distinct_instance() {
        let found = messages(validate_task_definition_constraints(
            &[member_of("attribute:a exists"), distinct()],
            "spec.placementConstraints",
        ));
        assert_eq!(
            found,
            [
                "spec.placementConstraints[1].type: distinctInstance is not allowed in a task definition (only memberOf)"
            ]
        );
    }
}
