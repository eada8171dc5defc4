# Sourced by the other scripts: the environment every local process shares. DynamoDB Local
# keeps data per access key and region, so both are pinned for everything that must see the
# same tables. Values already set in the caller's environment win.

: "${DYNAMODB_PORT:=8000}"
: "${SES_PORT:=8005}"
# The Cognito emulator sits next to the SES one unless told otherwise.
: "${COGNITO_PORT:=$((SES_PORT + 2))}"
# Where the functions' Lambda invoke API listens (cargo lambda watch under scripts/run-local, a
# stand-in in the tests): the Cognito emulator calls the portal pool's sign-in trigger there.
: "${LAMBDA_PORT:=9000}"
# The EventBridge emulator (moto's server; it serves SQS too, where rules deliver events).
: "${EVENTBRIDGE_PORT:=$((SES_PORT + 4))}"
export DYNAMODB_PORT SES_PORT COGNITO_PORT LAMBDA_PORT EVENTBRIDGE_PORT
export AWS_ACCESS_KEY_ID="${AWS_ACCESS_KEY_ID_LOCAL:-local}"
export AWS_SECRET_ACCESS_KEY="${AWS_SECRET_ACCESS_KEY_LOCAL:-local}"
export AWS_REGION=us-east-1
export AWS_EC2_METADATA_DISABLED=true
export AWS_ENDPOINT_URL_DYNAMODB="http://127.0.0.1:${DYNAMODB_PORT}"
export AWS_ENDPOINT_URL_DYNAMODB_STREAMS="http://127.0.0.1:${DYNAMODB_PORT}"
export AWS_ENDPOINT_URL_EVENTBRIDGE="http://127.0.0.1:${EVENTBRIDGE_PORT}"
export AWS_ENDPOINT_URL_SQS="http://127.0.0.1:${EVENTBRIDGE_PORT}"
# moto's server is S3 too: the export bucket (addressed by path, as moto has no bucket host names).
export AWS_ENDPOINT_URL_S3="http://127.0.0.1:${EVENTBRIDGE_PORT}"
export AWS_ENDPOINT_URL_SESV2="http://127.0.0.1:${SES_PORT}"
export AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER="http://127.0.0.1:${COGNITO_PORT}"
# Both user pools' ids and issuers on that emulator (tools/local-cognito writes it).
export COGNITO_POOLS_FILE="${COGNITO_POOLS_FILE:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/.local/cognito-pools-${COGNITO_PORT}.json}"
export SES_STORE_URL="http://127.0.0.1:${SES_PORT}/store"
export TABLE_NAME="${TABLE_NAME:-client-contacts}"
# The bus the stream's domain events go to (the template's ContactsEventBus).
export EVENT_BUS_NAME="${EVENT_BUS_NAME:-client-contacts}"
# The bucket export files go to (the template's ExportBucket); the stream poller creates it.
export EXPORT_BUCKET="${EXPORT_BUCKET:-client-contacts-exports}"
export CURSOR_SECRET="${CURSOR_SECRET:-local-cursor-secret-0123456789}"
export DEFAULT_PHONE_REGION="${DEFAULT_PHONE_REGION:-US}"
export SENDER_EMAIL="${SENDER_EMAIL:-no-reply@example.com}"
export PORTAL_URL="${PORTAL_URL:-http://127.0.0.1:${API_PORT:-3000}/portal}"
export SAM_CLI_TELEMETRY=0
