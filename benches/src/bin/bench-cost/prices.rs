//! The list prices the cost table uses: us-east-1, on demand, without free tiers, each with
//! where it was read and when. Change them here, with their source, when AWS changes them.

/// When the prices below were looked up.
pub const LOOKED_UP: &str = "2026-12-06";

/// One price: what it is, dollars per unit, the price as the pricing page states it, and
/// where it comes from.
pub struct Price {
    pub what: &'static str,
    pub dollars: f64,
    pub stated: &'static str,
    pub source: &'static str,
}

/// API Gateway HTTP API, first 300 million requests a month (metered in 512 KB increments).
pub const API_REQUEST: Price = Price {
    what: "API Gateway HTTP API request",
    dollars: 1.00 / 1e6,
    stated: "$1.00 per million requests (first 300 million a month; 512 KB increments)",
    source: "https://docs.aws.amazon.com/whitepapers/latest/best-practices-api-gateway-private-apis-integration/cost-optimization.html (Table 4, us-east-1); https://aws.amazon.com/api-gateway/pricing/",
};

/// Lambda on arm64 (the template's `Architectures`): duration per GB-second.
pub const LAMBDA_GB_SECOND: Price = Price {
    what: "Lambda duration, arm64",
    dollars: 0.000_013_333_4,
    stated: "$0.0000133334 per GB-second (billed per 1 ms)",
    source: "https://aws.amazon.com/lambda/pricing/",
};

pub const LAMBDA_REQUEST: Price = Price {
    what: "Lambda request",
    dollars: 0.20 / 1e6,
    stated: "$0.20 per million requests",
    source: "https://aws.amazon.com/lambda/pricing/",
};

/// DynamoDB on-demand, Standard table class, since the price cut of November 2024.
pub const READ_UNIT: Price = Price {
    what: "DynamoDB read request unit",
    dollars: 0.125 / 1e6,
    stated: "$0.125 per million read request units",
    source: "https://aws.amazon.com/dynamodb/pricing/on-demand/",
};

pub const WRITE_UNIT: Price = Price {
    what: "DynamoDB write request unit",
    dollars: 0.625 / 1e6,
    stated: "$0.625 per million write request units",
    source: "https://aws.amazon.com/dynamodb/pricing/on-demand/",
};

/// CloudWatch Logs, Standard log class, data ingested (GB = 2^30 bytes).
pub const LOG_GB: Price = Price {
    what: "CloudWatch Logs ingestion, Standard",
    dollars: 0.50,
    stated: "$0.50 per GB ingested (GB = 2^30 bytes here)",
    source: "https://aws.amazon.com/cloudwatch/pricing/",
};

pub const TRACE: Price = Price {
    what: "X-Ray trace recorded",
    dollars: 5.00 / 1e6,
    stated: "$5.00 per million traces recorded",
    source: "https://aws.amazon.com/xray/pricing/",
};

/// A custom event published to an event bus (each 64 KB chunk); SES's events on the default
/// bus are AWS service events, which cost nothing.
pub const CUSTOM_EVENT: Price = Price {
    what: "EventBridge custom event",
    dollars: 1.00 / 1e6,
    stated: "$1.00 per million custom events (64 KB chunks)",
    source: "https://aws.amazon.com/eventbridge/pricing/",
};

pub const EMAIL: Price = Price {
    what: "SES outbound email",
    dollars: 0.10 / 1000.0,
    stated: "$0.10 per 1,000 emails",
    source: "https://aws.amazon.com/ses/pricing/",
};

pub const ALL: [&Price; 9] = [
    &API_REQUEST,
    &LAMBDA_GB_SECOND,
    &LAMBDA_REQUEST,
    &READ_UNIT,
    &WRITE_UNIT,
    &LOG_GB,
    &TRACE,
    &CUSTOM_EVENT,
    &EMAIL,
];
