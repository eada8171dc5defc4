//! The CSV templates a user downloads to fill in for an import: every column the import reads,
//! and example rows that import as they are.

use shared::import::{clients, contacts, csv_rows::Cell};
use testkit::TestApi;

use crate::support::given_client;

fn columns(of: &[(&'static str, Cell)]) -> Vec<&'static str> {
    of.iter().map(|(column, _)| *column).collect()
}

async fn template(api: &TestApi, kind: &str) -> String {
    let res = api.get(&TestApi::reader("t1"), &format!("/imports/templates/{kind}")).await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(res.header("content-type"), Some("text/csv; charset=utf-8"));
    let disposition = format!("attachment; filename=\"{kind}-import-template.csv\"");
    assert_eq!(res.header("content-disposition"), Some(disposition.as_str()));
    res.body
}

fn header(csv: &str) -> Vec<&str> {
    csv.lines().next().unwrap_or_default().split(',').collect()
}

#[tokio::test]
async fn a_reader_downloads_each_template_with_every_column_its_import_reads() {
    let api = TestApi::new().await;
    // Given a reader of the tenant; when it downloads both templates
    let (contacts_csv, clients_csv) = (template(&api, "contacts").await, template(&api, "clients").await);
    // Then each header is exactly the columns its import reads, in their order
    assert_eq!(header(&contacts_csv), columns(contacts::TEMPLATE_COLUMNS));
    assert_eq!(header(&clients_csv), columns(clients::COLUMNS));
}

#[tokio::test]
async fn each_template_imports_as_it_is_served() {
    let api = TestApi::new().await;
    let admin = TestApi::admin("t1");
    let acme = given_client(&api, &admin, "Acme").await;
    let import = |path: String, csv: String| {
        let api = &api;
        let admin = &admin;
        async move {
            let res = api.send(admin, "POST", &path, &[("content-type", "text/csv")], Some(csv)).await;
            assert_eq!(res.status, 200, "{}", res.body);
            let report = res.json();
            (report["created"].as_u64(), report["failed"].as_u64())
        }
    };
    // When the served templates are imported unchanged
    let contacts = import(format!("/clients/{acme}/contacts/import"), template(&api, "contacts").await).await;
    let clients = import("/clients/import".to_owned(), template(&api, "clients").await).await;
    // Then both example rows of each are created and none fails
    assert_eq!(contacts, (Some(2), Some(0)));
    assert_eq!(clients, (Some(2), Some(0)));
}

#[tokio::test]
async fn the_templates_in_the_docs_are_the_ones_the_api_serves() {
    let api = TestApi::new().await;
    for kind in ["contacts", "clients"] {
        let path = testkit::table::repo_root().join("docs").join(format!("import-{kind}-template.csv"));
        let in_docs = std::fs::read_to_string(&path).unwrap();
        assert_eq!(in_docs, template(&api, kind).await, "{}", path.display());
    }
}

#[tokio::test]
async fn a_template_of_no_import_is_not_found() {
    let api = TestApi::new().await;
    let res = api.get(&TestApi::reader("t1"), "/imports/templates/projects").await;
    assert_eq!((res.status, res.problem_code()), (404, "not-found".to_owned()));
}
