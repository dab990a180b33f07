//! Mail through the durable outbox: a real SMTP conversation on loopback, an SMTP outage,
//! and two server processes sharing one database sending each message exactly once.

mod support;

use std::collections::HashSet;
use std::time::Duration;

use diesel::prelude::*;
use serde_json::json;
use support::*;

#[tokio::test]
async fn the_reset_mail_arrives_over_smtp_and_its_link_works() {
    let sink = SmtpSink::start();
    let app = TestApp::spawn_with(ServerOptions::default().smtp(sink.port)).await;
    app.register("13812341234", "js-yz").await;
    let response = app
        .post(
            "/api/v1/auth/password-reset",
            &json!({"login": "13812341234@example.cn"}),
        )
        .await;
    assert_eq!(response.status(), 202);

    let mail = sink.wait_for(1, Duration::from_secs(15)).await.remove(0);
    assert_eq!(mail.to, ["13812341234@example.cn"]);
    let body = mail.body();
    assert!(
        body.contains("王秀红") && body.contains("http://qihang.test/reset-password?token="),
        "{body}"
    );
    assert!(mail.data.contains("Subject: "), "{}", mail.data);
    let token = mail.token().expect("a token in the mail");

    let reset = app
        .post(
            "/api/v1/auth/password-reset/confirm",
            &json!({"token": token, "password": "brand-new-pass"}),
        )
        .await;
    assert_eq!(reset.status(), 204);
    app.login("13812341234", "brand-new-pass").await;
    let old = app
        .post(
            "/api/v1/auth/login",
            &json!({"login": "13812341234", "password": "password-123"}),
        )
        .await;
    assert_eq!(old.status(), 401);
}

#[tokio::test]
async fn an_smtp_outage_loses_nothing() {
    // Reserve a port and close it: nothing listens there until the "outage" ends.
    let port = free_port();
    let app = TestApp::spawn_with(ServerOptions::default().smtp(port)).await;
    app.register("13812341234", "js-ha").await;
    assert_eq!(
        app.post(
            "/api/v1/auth/password-reset",
            &json!({"login": "13812341234"})
        )
        .await
        .status(),
        202
    );

    // The worker tries, fails and keeps the message queued with its error.
    let mut conn = app.db.connect();
    let failed = eventually(Duration::from_secs(15), async || {
        use qihang_core::db::schema::outbox::dsl::*;
        let row: (i32, Option<String>, bool) = outbox
            .select((attempts, last_error, sent_at.is_not_null()))
            .first(&mut conn)
            .ok()?;
        (row.0 >= 2).then_some(row)
    })
    .await
    .expect("delivery attempts while SMTP is down");
    assert!(failed.1.is_some(), "the error is recorded");
    assert!(!failed.2, "not marked sent");

    // The server comes back: the message is delivered, once.
    let listener = std::net::TcpListener::bind(("127.0.0.1", port)).expect("rebind the SMTP port");
    let sink = SmtpSink::start_on(listener);
    let mail = sink.wait_for(1, Duration::from_secs(20)).await;
    assert_eq!(mail.len(), 1);
    assert!(mail[0].token().is_some());
    let sent = eventually(Duration::from_secs(5), async || {
        use qihang_core::db::schema::outbox::dsl::*;
        let done: i64 = outbox
            .filter(sent_at.is_not_null())
            .count()
            .get_result(&mut conn)
            .ok()?;
        (done == 1).then_some(done)
    })
    .await;
    assert_eq!(sent, Some(1));
    // A little longer: no duplicate arrives.
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(sink.received().len(), 1);
}

#[tokio::test]
async fn two_servers_on_one_database_send_each_message_once() {
    const MESSAGES: usize = 40;
    let sink = SmtpSink::start();
    // First, a server without background jobs queues the messages.
    // Behind a proxy, each woman asks from her own address (resets are throttled per address).
    let quiet = TestApp::spawn_with(
        ServerOptions::default()
            .env("QIHANG_JOBS_ENABLED", "false")
            .env("QIHANG_TRUSTED_PROXIES", "[\"127.0.0.1\"]"),
    )
    .await;
    for i in 0..MESSAGES {
        let phone = format!("138{:08}", i);
        quiet.register(&phone, "js-sq").await;
        assert_eq!(
            quiet
                .client
                .post(quiet.url("/api/v1/auth/password-reset"))
                .header("X-Forwarded-For", format!("10.0.0.{i}"))
                .json(&json!({"login": phone}))
                .send()
                .await
                .unwrap()
                .status(),
            202
        );
    }
    assert!(sink.received().is_empty());

    // Then two servers with workers start on the same database and race for the queue.
    let options = || {
        ServerOptions::default()
            .smtp(sink.port)
            .env("QIHANG_MAIL__POLL_INTERVAL_MS", "20")
    };
    let first = TestServer::start(&quiet.db, quiet.data_dir.path(), options());
    let second = TestServer::start(&quiet.db, quiet.data_dir.path(), options());
    let received = sink.wait_for(MESSAGES, Duration::from_secs(60)).await;
    // Give both workers several more polls to send any duplicate.
    tokio::time::sleep(Duration::from_millis(800)).await;
    let received_later = sink.received();
    assert_eq!(received_later.len(), MESSAGES, "every message exactly once");
    let ids: HashSet<String> = received.iter().map(|m| m.message_id()).collect();
    assert_eq!(ids.len(), MESSAGES, "distinct messages");
    let recipients: HashSet<Vec<String>> = received.iter().map(|m| m.to.clone()).collect();
    assert_eq!(recipients.len(), MESSAGES);

    // Both processes did part of the work.
    let mut conn = quiet.db.connect();
    let workers: Vec<Option<String>> = {
        use qihang_core::db::schema::outbox::dsl::*;
        outbox.select(locked_by).distinct().load(&mut conn).unwrap()
    };
    println!("workers that sent: {}", workers.len());
    drop((first, second));
}
