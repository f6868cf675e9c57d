//! Where `/metrics` is served (`metrics_address`): on a listener of its own, kept off
//! the main port, or nowhere; the extra listener stops with the process.

use super::ProcDb;
use crate::support::http::Http;
use crate::support::process::{free_port, ServerProcess};
use replichat_test_support::database::Db;
use std::time::Duration;

#[test]
fn metrics_move_to_their_own_listener_and_stop_with_the_process() {
    let database = ProcDb::new(Db::Sqlite, "metrics_listener");
    let port = free_port();
    let mut server = ServerProcess::builder("metrics-own", &database.url)
        .configure(|c| c.http.metrics_address = format!("127.0.0.1:{port}"))
        .start();
    assert_eq!(server.http.get("/metrics").expect("main port").status, 404);
    let metrics = Http::new(port);
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let page = loop {
        match metrics.get("/metrics") {
            Ok(answer) if answer.status == 200 => break answer,
            _ if std::time::Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(50))
            }
            other => panic!("no metrics on their own port: {other:?}"),
        }
    };
    assert!(page.body.contains("replichat_build_info"), "{}", page.body);
    assert_eq!(metrics.get("/healthz").expect("metrics port").status, 404);
    server.terminate();
    let status = server.wait_exit(Duration::from_secs(10));
    assert!(status.is_some_and(|s| s.success()), "{status:?}");
    assert!(
        metrics.get("/metrics").is_err(),
        "the metrics listener outlived the process"
    );
}

#[test]
fn metrics_can_be_turned_off() {
    let database = ProcDb::new(Db::Sqlite, "metrics_off");
    let server = ServerProcess::builder("metrics-off", &database.url)
        .configure(|c| c.http.metrics_address = "off".into())
        .start();
    assert_eq!(server.http.get("/metrics").expect("main port").status, 404);
    assert_eq!(server.http.get("/livez").expect("livez").status, 200);
}
