//! Both user pools as template.yaml defines them (schema, username attribute, sign-up and
//! password policy, app client attributes, groups), created on the emulator once and found
//! again by name afterwards. The one local addition: the app clients also allow
//! `USER_PASSWORD_AUTH`, because the emulator does not speak SRP.

use aws_sdk_cognitoidentityprovider::types::{
    AdminCreateUserConfigType, AttributeDataType, ExplicitAuthFlowsType, PasswordPolicyType,
    SchemaAttributeType, StringAttributeConstraintsType, UserPoolPolicyType, UsernameAttributeType,
};
use aws_sdk_cognitoidentityprovider::Client;
pub use local_api::authorizer::{LocalPool, LocalPools};
use local_api::Template;
use serde_yaml::Value;

use crate::Error;

/// The pool resource, its app client resource and the groups of each pool in template.yaml.
const POOLS: [(&str, &str, &str); 2] =
    [("staff", "StaffUserPool", "StaffUserPoolClient"), ("portal", "PortalUserPool", "PortalUserPoolClient")];

/// Both pools, created where missing. `endpoint` is the emulator's base URL.
pub async fn ensure(client: &Client, template: &Template, endpoint: &str) -> Result<LocalPools, Error> {
    let mut made = Vec::new();
    for (name, pool_resource, client_resource) in POOLS {
        let pool = resource(template, pool_resource)?;
        let pool_id = ensure_pool(client, &format!("local-{name}"), &pool["Properties"]).await?;
        let app = &resource(template, client_resource)?["Properties"];
        let client_id = ensure_client(client, &pool_id, &format!("local-{name}"), app).await?;
        for group in groups_of(template, pool_resource) {
            ensure_group(client, &pool_id, &group).await?;
        }
        made.push(LocalPool {
            issuer: format!("{}/{pool_id}", endpoint.trim_end_matches('/')),
            pool_id,
            client_id,
        });
    }
    let portal = made.pop().expect("two pools");
    let staff = made.pop().expect("two pools");
    Ok(LocalPools { staff, portal })
}

fn resource<'a>(template: &'a Template, name: &str) -> Result<&'a Value, Error> {
    let value = &template.raw()["Resources"][name];
    if value.is_null() {
        return Err(format!("template.yaml has no {name}").into());
    }
    Ok(value)
}

/// The group names of the `AWS::Cognito::UserPoolGroup` resources whose pool is `pool`.
fn groups_of(template: &Template, pool: &str) -> Vec<String> {
    template
        .resources("AWS::Cognito::UserPoolGroup")
        .filter(|g| serde_yaml::to_string(&g["Properties"]["UserPoolId"]).is_ok_and(|p| p.contains(pool)))
        .filter_map(|g| g["Properties"]["GroupName"].as_str().map(str::to_owned))
        .collect()
}

fn strings(value: &Value) -> Vec<String> {
    value
        .as_sequence()
        .map(|s| s.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect())
        .unwrap_or_default()
}

async fn ensure_pool(client: &Client, name: &str, props: &Value) -> Result<String, Error> {
    let existing = client.list_user_pools().max_results(60).send().await?;
    if let Some(pool) = existing.user_pools().iter().find(|p| p.name() == Some(name)) {
        return Ok(pool.id().unwrap_or_default().to_owned());
    }
    let mut create = client
        .create_user_pool()
        .pool_name(name)
        .set_schema(Some(schema(&props["Schema"])))
        .policies(
            UserPoolPolicyType::builder()
                .password_policy(password_policy(&props["Policies"]["PasswordPolicy"]))
                .build(),
        )
        .admin_create_user_config(
            AdminCreateUserConfigType::builder()
                .allow_admin_create_user_only(
                    props["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] == true,
                )
                .build(),
        );
    for attribute in strings(&props["UsernameAttributes"]) {
        create = create.username_attributes(UsernameAttributeType::from(attribute.as_str()));
    }
    let created = create.send().await?;
    Ok(created.user_pool().and_then(|p| p.id()).ok_or("CreateUserPool returned no id")?.to_owned())
}

fn schema(value: &Value) -> Vec<SchemaAttributeType> {
    let attributes = value.as_sequence().cloned().unwrap_or_default();
    attributes
        .iter()
        .map(|a| {
            let constraints = &a["StringAttributeConstraints"];
            let bound = |name: &str| constraints[name].as_str().map(str::to_owned);
            SchemaAttributeType::builder()
                .name(a["Name"].as_str().unwrap_or_default())
                .attribute_data_type(AttributeDataType::from(
                    a["AttributeDataType"].as_str().unwrap_or("String"),
                ))
                .mutable(a["Mutable"] != false)
                .string_attribute_constraints(
                    StringAttributeConstraintsType::builder()
                        .set_min_length(bound("MinLength"))
                        .set_max_length(bound("MaxLength"))
                        .build(),
                )
                .build()
        })
        .collect()
}

fn password_policy(value: &Value) -> PasswordPolicyType {
    let flag = |name: &str| value[name] == true;
    PasswordPolicyType::builder()
        .minimum_length(value["MinimumLength"].as_i64().unwrap_or(8) as i32)
        .require_lowercase(flag("RequireLowercase"))
        .require_uppercase(flag("RequireUppercase"))
        .require_numbers(flag("RequireNumbers"))
        .require_symbols(flag("RequireSymbols"))
        .build()
}

async fn ensure_client(client: &Client, pool_id: &str, name: &str, props: &Value) -> Result<String, Error> {
    let existing = client.list_user_pool_clients().user_pool_id(pool_id).max_results(60).send().await?;
    if let Some(app) = existing.user_pool_clients().iter().find(|c| c.client_name() == Some(name)) {
        return Ok(app.client_id().unwrap_or_default().to_owned());
    }
    let mut flows: Vec<ExplicitAuthFlowsType> = strings(&props["ExplicitAuthFlows"])
        .iter()
        .map(|f| ExplicitAuthFlowsType::from(f.as_str()))
        .collect();
    flows.push(ExplicitAuthFlowsType::AllowUserPasswordAuth);
    let created = client
        .create_user_pool_client()
        .user_pool_id(pool_id)
        .client_name(name)
        .set_explicit_auth_flows(Some(flows))
        .set_read_attributes(Some(strings(&props["ReadAttributes"])))
        .set_write_attributes(Some(strings(&props["WriteAttributes"])))
        .send()
        .await?;
    Ok(created
        .user_pool_client()
        .and_then(|c| c.client_id())
        .ok_or("CreateUserPoolClient returned no id")?
        .to_owned())
}

async fn ensure_group(client: &Client, pool_id: &str, group: &str) -> Result<(), Error> {
    match client.create_group().user_pool_id(pool_id).group_name(group).send().await {
        Ok(_) => Ok(()),
        Err(e) if e.as_service_error().is_some_and(|s| s.is_group_exists_exception()) => Ok(()),
        Err(e) => Err(e.into()),
    }
}
