//! Mail through the durable outbox: a real SMTP conversation on loopback, an SMTP outage,
//! and two server processes sharing one database sending each message exactly once.

use std::collections::HashSet;
use std::time::Duration;

use crate::support::*;
use diesel::prelude::*;
use serde_json::json;

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

/// Issue 11.7: a woman with only a phone. With SMS on (here the file sink), her reset link
/// comes by SMS under the same rules as mail: it works once, the outbox keeps no working link
/// once it is sent, and the per-login limit holds. A woman with email still gets mail, not
/// an SMS.
#[tokio::test]
async fn a_phone_only_account_gets_its_reset_link_by_sms() {
    let sms_dir = tempfile::tempdir().unwrap();
    let sms_file = sms_dir.path().join("sms.log");
    let app = TestApp::spawn_with(
        ServerOptions::default().env("QIHANG_SMS", format!("file:{}", sms_file.display())),
    )
    .await;
    app.register_phone_only("13812341234", "js-yz").await;
    app.register("13812345678", "js-yz").await;
    let ask = async |login: &str| {
        app.post("/api/v1/auth/password-reset", &json!({ "login": login }))
            .await
            .status()
    };
    assert_eq!(ask("13812341234").await, 202);
    assert_eq!(ask("13812345678").await, 202);

    let messages = sms_messages(&sms_file, 1, Duration::from_secs(15)).await;
    assert_eq!(messages[0]["phone"], "13812341234");
    let text = messages[0]["text"].as_str().unwrap().to_string();
    assert!(
        text.starts_with("【起航】") && text.contains("http://qihang.test/reset-password?token="),
        "{text}"
    );
    let token = link_token(&text).expect("a link in the SMS");
    // The woman with email gets mail (an .eml file without SMTP), not an SMS.
    let mail_dir = app.data_dir.path().join("mail");
    let mails = eventually(Duration::from_secs(15), async || {
        let count = std::fs::read_dir(&mail_dir).ok()?.count();
        (count >= 1).then_some(count)
    })
    .await;
    assert_eq!(mails, Some(1));

    // Once sent, the outbox row keeps no working link.
    let mut conn = app.db.connect();
    let rows = eventually(Duration::from_secs(10), async || {
        use qihang_core::db::schema::outbox;
        let rows: Vec<(String, String, bool)> = outbox::table
            .filter(outbox::channel.eq("sms"))
            .select((
                outbox::recipient,
                outbox::body_text,
                outbox::sent_at.is_not_null(),
            ))
            .load(&mut conn)
            .ok()?;
        (rows.len() == 1 && rows[0].2).then_some(rows)
    })
    .await
    .expect("the SMS marked sent");
    assert_eq!(rows[0].0, "13812341234");
    assert!(
        !rows[0].1.contains(&token) && rows[0].1.contains("token=[removed after sending]"),
        "{}",
        rows[0].1
    );
    assert_eq!(
        sms_messages(&sms_file, 1, Duration::from_secs(1))
            .await
            .len(),
        1,
        "one SMS, for the woman without email only"
    );

    // The link works, once.
    let confirm = async || {
        app.post(
            "/api/v1/auth/password-reset/confirm",
            &json!({"token": token, "password": "brand-new-pass"}),
        )
        .await
    };
    assert_eq!(confirm().await.status(), 204);
    app.login("13812341234", "brand-new-pass").await;
    let reused = confirm().await;
    assert_eq!(reused.status(), 400);
    assert_eq!(error_of(reused).await.0, "token_invalid");

    // The same per-login limit as mail: three in 15 minutes, then 429.
    assert_eq!(ask("13812341234").await, 202);
    assert_eq!(ask("13812341234").await, 202);
    assert_eq!(ask("13812341234").await, 429);
}

/// With SMS off (the default), a reset request for a phone-only account sends nothing, and
/// answers exactly as for any other login.
#[tokio::test]
async fn without_sms_a_phone_only_reset_sends_nothing() {
    let app = TestApp::spawn().await;
    app.register_phone_only("13812341234", "js-yz").await;
    let response = app
        .post(
            "/api/v1/auth/password-reset",
            &json!({"login": "13812341234"}),
        )
        .await;
    assert_eq!(response.status(), 202);
    let unknown = app
        .post(
            "/api/v1/auth/password-reset",
            &json!({"login": "13999999999"}),
        )
        .await;
    assert_eq!(unknown.status(), 202);
    assert_eq!(
        response.text().await.unwrap(),
        unknown.text().await.unwrap()
    );
    let mut conn = app.db.connect();
    let queued: i64 = {
        use qihang_core::db::schema::outbox::dsl::*;
        outbox.count().get_result(&mut conn).unwrap()
    };
    assert_eq!(queued, 0, "no mail and no SMS queued");
}

/// The HTTP gateway adapter: a JSON POST `{phone, text}` with the API key in its header to
/// the configured URL. While the gateway answers 503 the message waits and is retried; once
/// it answers 200 the message is sent, once, and its link works.
#[tokio::test]
async fn the_sms_gateway_gets_a_json_post_and_an_outage_loses_nothing() {
    let gateway = SmsGateway::start(2).await;
    let app = TestApp::spawn_with(
        ServerOptions::default()
            .env("QIHANG_SMS", "http")
            .env(
                "QIHANG_SMS_URL",
                format!("http://127.0.0.1:{}/v1/sms?account=qihang", gateway.port),
            )
            .env("QIHANG_SMS_KEY", "test-key-1"),
    )
    .await;
    app.register_phone_only("13812341234", "js-yz").await;
    assert_eq!(
        app.post(
            "/api/v1/auth/password-reset",
            &json!({"login": "13812341234"})
        )
        .await
        .status(),
        202
    );

    // Two refusals, then accepted: three posts of the same message.
    let requests = gateway.wait_for(3, Duration::from_secs(20)).await;
    for request in &requests {
        assert!(
            request
                .head
                .starts_with("POST /v1/sms?account=qihang HTTP/1.1\r\n"),
            "{}",
            request.head
        );
        assert_eq!(request.header("x-api-key").as_deref(), Some("test-key-1"));
        assert!(request
            .header("content-type")
            .is_some_and(|v| v.starts_with("application/json")));
        assert_eq!(request.body["phone"], "13812341234");
    }
    let texts: HashSet<String> = requests
        .iter()
        .map(|r| r.body["text"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(texts.len(), 1, "the same message, retried");
    let text = texts.into_iter().next().unwrap();
    let token = link_token(&text).expect("a link in the SMS");

    // Marked sent after three attempts, its link removed; no fourth post.
    let mut conn = app.db.connect();
    let sent = eventually(Duration::from_secs(10), async || {
        use qihang_core::db::schema::outbox;
        let row: (i32, String, bool) = outbox::table
            .filter(outbox::channel.eq("sms"))
            .select((
                outbox::attempts,
                outbox::body_text,
                outbox::sent_at.is_not_null(),
            ))
            .first(&mut conn)
            .ok()?;
        row.2.then_some(row)
    })
    .await
    .expect("the SMS marked sent");
    assert_eq!(sent.0, 3);
    assert!(!sent.1.contains(&token), "{}", sent.1);
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(gateway.received().len(), 3, "sent once");

    let reset = app
        .post(
            "/api/v1/auth/password-reset/confirm",
            &json!({"token": token, "password": "brand-new-pass"}),
        )
        .await;
    assert_eq!(reset.status(), 204);
    app.login("13812341234", "brand-new-pass").await;
}
