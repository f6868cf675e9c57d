//! `/`: the chat page when it is built, otherwise a JSON description of the service
//! with a hint on how to build the page.

use rocket::fairing::AdHoc;
use rocket::fs::{FileServer, Options};
use rocket::serde::json::{json, Value};
use rocket::State;
use std::path::PathBuf;

/// Rank of the static files: after every API route (those have negative default ranks).
const WEB_RANK: isize = 10;

/// The command that builds the chat page into `web/dist`.
pub const BUILD_HINT: &str = "npm --prefix web ci && npm --prefix web run build";

/// The directory of the built chat page (the `web_dir` setting).
pub struct WebDir(pub PathBuf);

/// Serves the built chat page in `web_dir` (e.g. `web/dist`) as static files under `/`.
///
/// A missing directory or file forwards instead of failing: `/` then falls through to
/// [`index`], anything else to the JSON 404 catcher. The directory is looked up on each
/// request, so a page built while the server runs is served without a restart.
pub fn stage(web_dir: PathBuf) -> AdHoc {
    AdHoc::on_ignite("chat page", move |rocket| async move {
        let files = FileServer::new(&web_dir, Options::Index | Options::Missing).rank(WEB_RANK);
        rocket
            .manage(WebDir(web_dir))
            .mount("/", files)
            .mount("/", rocket::routes![index])
    })
}

/// Names the service and its endpoints, and says how to build the chat page. Reached
/// only when `web_dir` holds no `index.html`.
#[rocket::get("/", rank = 11)]
pub fn index(web_dir: &State<WebDir>) -> Value {
    json!({
        "service": "replichat",
        "endpoints": {
            "push": "POST /api/replicache-push",
            "pull": "POST /api/replicache-pull",
            "poke": "GET /api/replicache-poke",
            "health": "GET /healthz",
        },
        "page": {
            "status": "not built",
            "web_dir": web_dir.0.display().to_string(),
            "hint": format!(
                "build the chat page with `{BUILD_HINT}` (from the repository root), then reload /"
            ),
        }
    })
}

#[cfg(test)]
mod tests {
    use rocket::http::{ContentType, Status};
    use rocket::local::asynchronous::Client;
    use serde_json::Value;
    use std::path::Path;

    async fn client(dir: &Path, web_dir: &Path) -> Client {
        let figment = rocket::Config::figment()
            .merge((
                "database_url",
                dir.join("replichat.db").display().to_string(),
            ))
            .merge(("web_dir", web_dir.display().to_string()))
            .merge(("log_level", "off"));
        match Client::tracked(crate::build(figment)).await {
            Ok(client) => client,
            Err(e) => panic!("the app did not start: {e}"),
        }
    }

    fn temp_dir() -> tempfile::TempDir {
        match tempfile::tempdir() {
            Ok(dir) => dir,
            Err(e) => panic!("no temporary directory: {e}"),
        }
    }

    #[rocket::async_test]
    async fn root_without_a_built_page_answers_the_json_hint() {
        let dir = temp_dir();
        let client = client(dir.path(), &dir.path().join("missing")).await;
        let response = client.get("/").dispatch().await;
        assert_eq!(response.status(), Status::Ok);
        assert_eq!(response.content_type(), Some(ContentType::JSON));
        let body: Value = response.into_json().await.unwrap_or_default();
        assert_eq!(body["service"], "replichat");
        assert_eq!(body["page"]["status"], "not built");
        assert!(body["page"]["hint"]
            .as_str()
            .unwrap_or_default()
            .contains("npm --prefix web run build"));
        let missing = client.get("/app.js").dispatch().await;
        assert_eq!(missing.status(), Status::NotFound);
        assert_eq!(missing.content_type(), Some(ContentType::JSON));
    }

    #[rocket::async_test]
    async fn a_built_page_is_served_and_the_api_keeps_priority() {
        let dir = temp_dir();
        let web = dir.path().join("dist");
        let write = |name: &str, text: &str| {
            if let Err(e) = std::fs::write(web.join(name), text) {
                panic!("cannot write {name}: {e}");
            }
        };
        if let Err(e) = std::fs::create_dir_all(&web) {
            panic!("cannot create {}: {e}", web.display());
        }
        write("index.html", "<!doctype html><title>chat</title>");
        write("app.js", "console.log('chat');");
        write("healthz", "a file shadowing an API route");
        let client = client(dir.path(), &web).await;

        let index = client.get("/").dispatch().await;
        assert_eq!(index.status(), Status::Ok);
        assert_eq!(index.content_type(), Some(ContentType::HTML));
        assert_eq!(
            index.into_string().await.as_deref(),
            Some("<!doctype html><title>chat</title>")
        );
        let script = client.get("/app.js").dispatch().await;
        assert_eq!(script.status(), Status::Ok);
        assert_eq!(script.content_type(), Some(ContentType::JavaScript));

        let health = client.get("/healthz").dispatch().await;
        assert_eq!(health.status(), Status::Ok);
        assert_eq!(health.content_type(), Some(ContentType::JSON));

        let outside = client.get("/../replichat.db").dispatch().await;
        assert_eq!(outside.status(), Status::NotFound);
        let absent = client.get("/nothing-here.js").dispatch().await;
        assert_eq!(absent.status(), Status::NotFound);
        assert_eq!(absent.content_type(), Some(ContentType::JSON));
    }
}
