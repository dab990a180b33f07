//! Small quiz courses served by a real server, and the REST steps of taking their quiz.

use std::path::Path;

use serde_json::{json, Value};

use super::packs::{write_course, SKILLS};
use super::{ServerOptions, TestApp};

/// A server whose catalogue is one small quiz course per id in `ids` (draw 2 of 3 questions,
/// three attempts; the right option of every question is 甲). `edit` changes a course.toml.
pub async fn app_with_quiz_courses(
    ids: &[&str],
    edit: impl Fn(&Path, &str),
    options: ServerOptions,
) -> (TestApp, tempfile::TempDir) {
    let folder = tempfile::tempdir().unwrap();
    std::fs::write(folder.path().join("skills.toml"), SKILLS).unwrap();
    for id in ids {
        write_course(folder.path(), id, "1.0.0", &[], &[("one", "第一课")]);
        edit(folder.path(), id);
    }
    let app =
        TestApp::spawn_with(options.env("QIHANG_COURSES_DIR", folder.path().display().to_string()))
            .await;
    (app, folder)
}

pub async fn start_attempt(app: &TestApp, token: &str, course: &str) -> Value {
    let started = app
        .post_as(
            token,
            &format!("/api/v1/courses/{course}/quiz/attempts"),
            &json!({}),
        )
        .await;
    assert_eq!(started.status(), 201);
    started.json().await.unwrap()
}

pub async fn submit(
    app: &TestApp,
    token: &str,
    attempt: &Value,
    answers: &Value,
) -> reqwest::Response {
    let id = attempt["id"].as_str().unwrap();
    app.post_as(
        token,
        &format!("/api/v1/quiz-attempts/{id}/submit"),
        &json!({ "answers": answers }),
    )
    .await
}

/// The right answers of an attempt of a test pack: the option reading 甲 of each question.
pub fn right_answers(attempt: &Value) -> Value {
    let mut answers = serde_json::Map::new();
    for q in attempt["questions"].as_array().unwrap() {
        let right: Vec<Value> = q["options"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|o| o["text"] == "甲")
            .map(|o| o["id"].clone())
            .collect();
        answers.insert(q["id"].as_str().unwrap().to_string(), Value::Array(right));
    }
    Value::Object(answers)
}
