//! GET /imports/templates/{kind}: the file a user fills in to import `contacts` or `clients`
//! (`import::template`), as CSV (the default) or as an XLSX workbook: `?format=xlsx`, or an
//! `Accept` naming the XLSX media type and not CSV. The contacts template ends with a column per
//! custom field of the tenant (its settings, as this instance read them within 30 s).

use lambda_http::{Body, Error, Request, Response};

use crate::domain::DomainError;
use crate::http::error::RequestError;
use crate::http::request::Query;
use crate::http::{serve, Call, HttpError, HttpResult};
use crate::import::{template, xlsx};
use crate::App;

pub async fn handle(app: &App, req: Request) -> Result<Response<Body>, Error> {
    serve(app, req, super::GET_IMPORT_TEMPLATE.route, run).await
}

/// The file formats a template comes in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Format {
    Csv,
    Xlsx,
}

/// The format asked for: `format` first, then `Accept`; CSV when neither says.
fn format(query: &Query, accept: &str) -> HttpResult<Format> {
    match query.get("format") {
        Some("csv") => Ok(Format::Csv),
        Some("xlsx") => Ok(Format::Xlsx),
        Some(_) => Err(RequestError::BadRequest("format must be csv or xlsx".into()).into()),
        None if accept.contains(xlsx::MEDIA_TYPE) && !accept.contains("text/csv") => Ok(Format::Xlsx),
        None => Ok(Format::Csv),
    }
}

async fn run(call: Call<'_, App>) -> HttpResult<Response<Body>> {
    call.tenant()?;
    let query = Query::parse(&call.req, &["format"])?;
    let accept = call.req.headers().get("accept").and_then(|v| v.to_str().ok()).unwrap_or_default();
    let format = format(&query, accept)?;
    let kind = call.param("kind").unwrap_or_default();
    let mut template = template::of(&kind).ok_or(DomainError::NotFound("import template"))?;
    if template.kind == "contacts" {
        template = template.with_custom_fields(&super::custom::in_force(&call).await?);
    }
    let (media, extension, body) = match format {
        Format::Csv => ("text/csv; charset=utf-8", "csv", Body::Text(template.csv())),
        Format::Xlsx => (xlsx::MEDIA_TYPE, "xlsx", Body::Binary(template.xlsx().map_err(HttpError::internal)?)),
    };
    Response::builder()
        .status(200)
        .header("content-type", media)
        .header("content-disposition", format!("attachment; filename=\"{kind}-import-template.{extension}\""))
        .body(body)
        .map_err(HttpError::internal)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(format: Option<&str>) -> Query {
        let mut req = lambda_http::http::Request::builder().uri("/imports/templates/contacts");
        if let Some(format) = format {
            req = req.uri(format!("/imports/templates/contacts?format={format}"));
        }
        let req = lambda_http::RequestExt::with_query_string_parameters(
            req.body(Body::Empty).unwrap(),
            format.map(|f| std::collections::HashMap::from([("format".to_owned(), f.to_owned())])).unwrap_or_default(),
        );
        Query::parse(&req, &["format"]).unwrap()
    }

    #[test]
    fn csv_is_the_default_and_xlsx_is_asked_for_by_parameter_or_accept() {
        assert_eq!(format(&query(None), "").unwrap(), Format::Csv);
        assert_eq!(format(&query(None), "*/*").unwrap(), Format::Csv);
        assert_eq!(format(&query(Some("xlsx")), "").unwrap(), Format::Xlsx);
        assert_eq!(format(&query(None), xlsx::MEDIA_TYPE).unwrap(), Format::Xlsx);
        let both = format!("text/csv, {}", xlsx::MEDIA_TYPE);
        assert_eq!(format(&query(None), &both).unwrap(), Format::Csv, "CSV when both are welcome");
        assert_eq!(format(&query(Some("csv")), xlsx::MEDIA_TYPE).unwrap(), Format::Csv, "the parameter wins");
    }

    #[test]
    fn another_format_is_a_bad_request() {
        assert!(format(&query(Some("ods")), "").is_err());
    }
}
