//! PutAccountSetting, PutAccountSettingDefault, DeleteAccountSetting, ListAccountSettings:
//! stored and returned. There is one principal here (the account's root); the
//! `containerInsights` default applies to clusters that do not set it themselves.

use super::{EcsError, input, page};
use crate::api::ApiState;
use serde::Deserialize;
use serde_json::{Value, json};

/// Every setting ECS defines, with ECS's default value.
pub(super) const SETTINGS: &[(&str, &str)] = &[
    ("serviceLongArnFormat", "enabled"),
    ("taskLongArnFormat", "enabled"),
    ("containerInstanceLongArnFormat", "enabled"),
    ("awsvpcTrunking", "disabled"),
    (crate::ops::clusters::INSIGHTS_ACCOUNT_SETTING, "disabled"),
    ("fargateFIPSMode", "disabled"),
    ("tagResourceAuthorization", "on"),
    ("fargateTaskRetirementWaitPeriod", "7"),
    ("guardDutyActivate", "off"),
    ("defaultLogDriverMode", "blocking"),
    ("fargateEventWindows", "disabled"),
];

fn principal(s: &ApiState) -> String {
    format!("arn:aws:iam::{}:root", s.scope.account)
}

fn known(name: &str) -> Result<&'static str, EcsError> {
    SETTINGS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, default)| *default)
        .ok_or_else(|| {
            let names: Vec<&str> = SETTINGS.iter().map(|(n, _)| *n).collect();
            EcsError::InvalidParameter(format!(
                "name: unknown account setting {name:?} (one of {})",
                names.join(", ")
            ))
        })
}

/// The value of account setting `name`: as set, else ECS's default.
pub(crate) fn effective(s: &ApiState, name: &str) -> Result<String, EcsError> {
    let default = known(name)?;
    Ok(s.catalog
        .account_setting(name)?
        .unwrap_or_else(|| default.to_string()))
}

fn setting(s: &ApiState, name: &str, value: &str, user: bool) -> Value {
    json!({
        "name": name,
        "value": value,
        "principalArn": principal(s),
        "type": if user { "user" } else { "aws_managed" },
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct PutInput {
    name: String,
    value: String,
    principal_arn: Option<String>,
}

/// PutAccountSetting and PutAccountSettingDefault (one principal: the same thing).
pub(super) fn put(s: &ApiState, body: Value) -> Result<Value, EcsError> {
    let req: PutInput = input(body)?;
    known(&req.name)?;
    check_principal(s, req.principal_arn.as_deref())?;
    if req.value.is_empty() || req.value.len() > 64 {
        return Err(EcsError::InvalidParameter(
            "value: expected 1 to 64 characters".into(),
        ));
    }
    s.catalog.put_account_setting(&req.name, &req.value)?;
    Ok(json!({"setting": setting(s, &req.name, &req.value, true)}))
}

fn check_principal(s: &ApiState, given: Option<&str>) -> Result<(), EcsError> {
    match given {
        Some(p) if p != principal(s) => Err(EcsError::InvalidParameter(format!(
            "principalArn: ecsd has one principal, {}",
            principal(s)
        ))),
        _ => Ok(()),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct DeleteInput {
    name: String,
    principal_arn: Option<String>,
}

pub(super) fn delete(s: &ApiState, body: Value) -> Result<Value, EcsError> {
    let req: DeleteInput = input(body)?;
    known(&req.name)?;
    check_principal(s, req.principal_arn.as_deref())?;
    let value = effective(s, &req.name)?;
    s.catalog.delete_account_setting(&req.name)?;
    Ok(json!({"setting": setting(s, &req.name, &value, true)}))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ListInput {
    name: Option<String>,
    value: Option<String>,
    principal_arn: Option<String>,
    #[serde(default)]
    effective_settings: bool,
    next_token: Option<String>,
    max_results: Option<u32>,
}

/// The settings set by the user; with `effectiveSettings`, every setting with its value.
pub(super) fn list(s: &ApiState, body: Value) -> Result<Value, EcsError> {
    let req: ListInput = input(body)?;
    check_principal(s, req.principal_arn.as_deref())?;
    if let Some(name) = &req.name {
        known(name)?;
    }
    let mut settings = Vec::new();
    for (name, _) in SETTINGS {
        if req.name.as_deref().is_some_and(|n| n != *name) {
            continue;
        }
        let set = s.catalog.account_setting(name)?;
        if set.is_none() && !req.effective_settings {
            continue;
        }
        let value = effective(s, name)?;
        if req.value.as_deref().is_some_and(|v| v != value) {
            continue;
        }
        settings.push(setting(s, name, &value, set.is_some()));
    }
    let (settings, next) = page(settings, req.next_token.as_deref(), req.max_results, 10)?;
    Ok(json!({"settings": settings, "nextToken": next}))
}
