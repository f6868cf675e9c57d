//! Several authenticated users of one app: JWT tokens (HS256 with a test secret) and the
//! pushes, pulls and poke streams of each, plus a client view per user that applies
//! every pull as Replicache would.

use super::app::TestApp;
use super::sse::{PokeStream, SseItem};
use jsonwebtoken::{encode, EncodingKey, Header};
use replichat::auth::AuthMode;
use replichat::config::AppConfig;
use replichat_test_support::bodies::{mutation, pull_body, push_body};
use replichat_test_support::view::ClientView;
use rocket::http::{ContentType, Header as HttpHeader, Status};
use serde_json::{json, Value};
use std::time::Duration;

/// The HS256 secret of the test apps with users.
pub const SECRET: &str = "test-secret-for-hs256";

/// Configures JWT authentication with [`SECRET`].
pub fn with_users(config: &mut AppConfig) {
    config.auth.auth = AuthMode::Jwt;
    config.auth.jwt_secret = SECRET.into();
}

/// A valid token for `user`.
pub fn token(user: &str) -> String {
    let claims = json!({"sub": user, "exp": chrono::Utc::now().timestamp() + 600});
    encode(
        &Header::default(),
        &claims,
        &EncodingKey::from_secret(SECRET.as_bytes()),
    )
    .expect("token encodes")
}

/// One user with one client (`<user>-c`) in one client group (`<user>-g`), counting
/// its own mutation ids, and the view its pulls built.
pub struct User {
    pub name: String,
    pub group: String,
    pub client: String,
    next_id: i64,
    pub view: ClientView,
}

impl User {
    /// `name`'s client, with a fresh view.
    pub fn new(name: &str) -> User {
        User {
            name: name.to_string(),
            group: format!("{name}-g"),
            client: format!("{name}-c"),
            next_id: 1,
            view: ClientView::new(),
        }
    }

    fn authorization(&self) -> HttpHeader<'static> {
        HttpHeader::new("Authorization", format!("Bearer {}", token(&self.name)))
    }

    /// POSTs `body` to `path` as this user.
    pub async fn post(&self, app: &TestApp, path: &str, body: &Value) -> (Status, Value) {
        let headers = vec![self.authorization()];
        let response = app
            .post_raw(path, Some(ContentType::JSON), headers, body.to_string())
            .await;
        (response.status, response.json())
    }

    /// Pushes one mutation `name(args)` as this user's next one; asserts `{}` and
    /// returns its mutation id.
    pub async fn run(&mut self, app: &TestApp, name: &str, args: Value) -> i64 {
        let id = self.next_id;
        self.next_id += 1;
        let body = push_body(&self.group, vec![mutation(&self.client, id, name, args)]);
        let answer = self.post(app, "/api/replicache-push", &body).await;
        assert_eq!(answer, (Status::Ok, json!({})), "{} {name}", self.name);
        id
    }

    /// Pulls from `cookie` as this user; asserts 200 and returns the response.
    pub async fn pull_from(&self, app: &TestApp, cookie: Value) -> Value {
        let body = pull_body(&self.group, cookie.clone());
        let (status, response) = self.post(app, "/api/replicache-pull", &body).await;
        assert_eq!(
            status,
            Status::Ok,
            "{} pull from {cookie}: {response}",
            self.name
        );
        response
    }

    /// Pulls from this user's view's cookie and applies the answer; returns it.
    pub async fn pull(&mut self, app: &TestApp) -> Value {
        let response = self.pull_from(app, self.view.cookie.clone()).await;
        self.view.apply(&response);
        response
    }

    /// The view a fresh cache of this user's group gets now (a full pull).
    pub async fn full_view(&self, app: &TestApp) -> ClientView {
        ClientView::from_response(&self.pull_from(app, Value::Null).await)
    }

    /// The keys of this user's view.
    pub fn keys(&self) -> Vec<&str> {
        self.view.data.keys().map(String::as_str).collect()
    }

    /// Opens this user's poke stream (the token in `?auth=`, as `EventSource` sends it)
    /// and reads its greeting.
    pub async fn subscribe<'a>(&self, app: &'a TestApp) -> PokeStream<'a> {
        app.wait_for_poke_listener().await;
        let uri = format!(
            "/api/replicache-poke?clientGroupID={}&auth={}",
            self.group,
            token(&self.name)
        );
        let mut stream = app.poke_stream(&uri).await;
        match stream.next_item(Duration::from_secs(1)).await {
            Some(SseItem::Comment(_)) => stream,
            other => panic!(
                "{}'s poke stream did not open with a comment: {other:?}",
                self.name
            ),
        }
    }
}

/// Every key a response's patch names (`put` or `del`).
pub fn patch_keys(response: &Value) -> Vec<String> {
    response["patch"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|op| op["key"].as_str().map(str::to_string))
        .collect()
}
