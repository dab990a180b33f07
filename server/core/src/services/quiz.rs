//! The quiz engine: drawing questions with a stored seed, saving answers as she goes, and
//! grading once. Answer keys and explanations stay on the server until the attempt is
//! submitted; deadlines and the attempt limit are enforced here, whatever the client does.
//!
//! Knowledge reuse: question and option ids are random per attempt (grading maps them back
//! through the attempt's own snapshot), and results name the right answers only when the
//! course's `reveal` rule allows it, so what one attempt shows is useless in the next one or
//! to another learner.
//!
//! Concurrency: starting an attempt locks her enrolment row (PostgreSQL `FOR UPDATE`;
//! SQLite's `BEGIN IMMEDIATE` serialises writers), so the limit holds when several attempts
//! start at once; submitting locks the attempt row, so ten simultaneous submits grade once
//! and all get the stored result.

use std::collections::{BTreeMap, HashSet};

use chrono::Duration;
use diesel::prelude::*;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

use super::actor::Actor;
use super::completion::{complete_if_due, place_in_drive};
use super::enrolment::{enrollment_of, granted_attempts, standing};
use super::learning::visible_to;
use super::tokens::new_public_id;
use super::{now, Core};
use crate::db::schema::{certificates, courses, enrollments, questions, quiz_attempts};
use crate::db::types::{CourseId, EnrollmentId, Json, UserId};
use crate::db::{lock_for_update, write_tx, DbConn, RowLock};
use crate::dto::{
    AnswerInput, AttemptPage, AttemptQuestion, AttemptView, OptionView, QuestionKind,
    QuestionResult, SubmitResult,
};
use crate::packs::Reveal;
use crate::ServiceError;

/// What an attempt served, kept with it: the questions in order, options in shown order
/// (with ids drawn for this attempt), and the key in those ids.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServedQuestion {
    /// The bank's stable id (never shown to the learner).
    pub key: String,
    /// The question's id in this attempt only. Attempts served before ids were drawn per
    /// attempt have none and use `key`.
    #[serde(default)]
    pub id: String,
    pub kind: QuestionKind,
    pub text: String,
    pub options: Vec<OptionView>,
    pub answer: AnswerInput,
    pub explanation: String,
}

impl ServedQuestion {
    /// The id the learner sees and answers by.
    pub fn public_id(&self) -> &str {
        if self.id.is_empty() {
            &self.key
        } else {
            &self.id
        }
    }
}

/// Width-folds (full-width ASCII and the ideographic space), trims and lower-cases ASCII.
pub fn normalise(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '\u{3000}' => ' ',
            other => other,
        })
        .collect::<String>()
        .trim()
        .to_ascii_lowercase()
}

/// Whether `given` answers `question` correctly: single and true/false exact, multiple
/// all-or-nothing, fill against the accepted texts after normalising.
pub fn is_correct(question: &ServedQuestion, given: Option<&AnswerInput>) -> bool {
    match (&question.answer, given) {
        (AnswerInput::Choices(key), Some(AnswerInput::Choices(picked))) => {
            let key: HashSet<&String> = key.iter().collect();
            let picked_set: HashSet<&String> = picked.iter().collect();
            picked_set.len() == picked.len() && picked_set == key
        }
        (AnswerInput::Truth(key), Some(AnswerInput::Truth(given))) => key == given,
        (AnswerInput::Choices(accepted), Some(AnswerInput::Text(text)))
            if question.kind == QuestionKind::Fill =>
        {
            let text = normalise(text);
            !text.is_empty() && accepted.iter().any(|a| normalise(a) == text)
        }
        _ => false,
    }
}

/// Grades every served question; the score is a whole percent. The result holds the right
/// answers and explanations: [`present`] decides whether the learner sees them.
pub fn grade(
    served: &[ServedQuestion],
    answers: &BTreeMap<String, AnswerInput>,
    pass_mark: u32,
) -> SubmitResult {
    let results: Vec<QuestionResult> = served
        .iter()
        .map(|q| QuestionResult {
            id: q.public_id().to_string(),
            correct: is_correct(q, answers.get(q.public_id())),
            expected: Some(q.answer.clone()),
            explanation: Some(q.explanation.clone()),
        })
        .collect();
    let right = results.iter().filter(|r| r.correct).count() as u32;
    let score = if served.is_empty() {
        0
    } else {
        right * 100 / served.len() as u32
    };
    SubmitResult {
        score,
        passed: score >= pass_mark,
        results,
        answers_revealed: true,
        reveal: String::new(),
    }
}

/// The graded result as the learner may see it: without right answers and explanations
/// unless `revealed`.
pub fn present(mut result: SubmitResult, revealed: bool, reveal: Reveal) -> SubmitResult {
    if !revealed {
        for r in &mut result.results {
            r.expected = None;
            r.explanation = None;
        }
    }
    result.answers_revealed = revealed;
    result.reveal = reveal.as_str().into();
    result
}

/// Characters of per-attempt ids: lower-case letters and digits without look-alikes.
const ID_ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";

/// A random id for one question or option of one attempt.
fn attempt_local_id(rng: &mut StdRng) -> String {
    (0..10)
        .map(|_| char::from(ID_ALPHABET[rng.random_range(0..ID_ALPHABET.len())]))
        .collect()
}

/// A bank question as stored: its stable key, kind, text, option texts and answer key.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = questions)]
pub struct BankQuestion {
    #[diesel(column_name = question_key)]
    pub key: String,
    pub kind: QuestionKind,
    pub text: String,
    pub options: Json<Vec<String>>,
    pub answer: Json<StoredAnswer>,
    pub explanation: String,
}

/// A bank question's answer key as stored: option indexes, a truth value, or accepted texts.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StoredAnswer {
    Choices(Vec<usize>),
    Truth(bool),
    Texts(Vec<String>),
}

/// Builds what an attempt serves from the bank, drawing `draw` with `seed`, unseen questions
/// first; option and question ids are drawn for this attempt.
pub fn draw_questions(
    bank: &[BankQuestion],
    draw: usize,
    seed: u64,
    seen: &HashSet<String>,
) -> Vec<ServedQuestion> {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut fresh: Vec<&BankQuestion> = bank.iter().filter(|q| !seen.contains(&q.key)).collect();
    let mut old: Vec<&BankQuestion> = bank.iter().filter(|q| seen.contains(&q.key)).collect();
    fresh.shuffle(&mut rng);
    old.shuffle(&mut rng);
    fresh
        .into_iter()
        .chain(old)
        .take(draw)
        .map(|q| serve(q, &mut rng))
        .collect()
}

/// One bank question as this attempt shows it: options shuffled under fresh ids, the key in
/// those ids.
fn serve(question: &BankQuestion, rng: &mut StdRng) -> ServedQuestion {
    let ids: Vec<String> = question
        .options
        .0
        .iter()
        .map(|_| attempt_local_id(rng))
        .collect();
    let mut shown: Vec<OptionView> = question
        .options
        .0
        .iter()
        .zip(&ids)
        .map(|(text, id)| OptionView {
            id: id.clone(),
            text: text.clone(),
        })
        .collect();
    shown.shuffle(rng);
    let answer = match &question.answer.0 {
        StoredAnswer::Choices(indexes) => AnswerInput::Choices(
            indexes
                .iter()
                .filter_map(|i| ids.get(*i).cloned())
                .collect(),
        ),
        StoredAnswer::Truth(truth) => AnswerInput::Truth(*truth),
        StoredAnswer::Texts(texts) => AnswerInput::Choices(texts.clone()),
    };
    ServedQuestion {
        key: question.key.clone(),
        id: format!("q{}", attempt_local_id(rng)),
        kind: question.kind,
        text: question.text.clone(),
        options: shown,
        answer,
        explanation: question.explanation.clone(),
    }
}

use crate::time::iso_utc as iso;

/// The code of the course an attempt belongs to.
fn course_code(conn: &mut DbConn, course_id: i64) -> QueryResult<String> {
    courses::table
        .find(course_id)
        .select(courses::code)
        .first(conn)
}

fn attempt_view(
    public_id: String,
    course: String,
    deadline: Option<chrono::NaiveDateTime>,
    served: &[ServedQuestion],
    answers: BTreeMap<String, AnswerInput>,
) -> AttemptView {
    AttemptView {
        id: public_id,
        course,
        deadline: deadline.map(iso),
        deadline_china: deadline.map(|d| {
            crate::time::to_china(d)
                .format("%Y-%m-%d %H:%M")
                .to_string()
        }),
        questions: served
            .iter()
            .map(|q| AttemptQuestion {
                id: q.public_id().to_string(),
                kind: q.kind,
                text: q.text.clone(),
                options: q.options.clone(),
            })
            .collect(),
        answers,
    }
}

/// Starts an attempt of the course's quiz for an enrolled learner.
pub async fn start(core: &Core, actor: &Actor, code: String) -> Result<AttemptView, ServiceError> {
    let actor = actor.clone();
    core.run(move |conn, _| {
        let course_id = visible_to(conn, &actor, &code)?;
        /// The course's quiz settings (all set, or no quiz).
        #[derive(Queryable)]
        struct Settings {
            draw: Option<i32>,
            pass_mark: Option<i32>,
            max_attempts: Option<i32>,
            minutes: Option<i32>,
        }
        let Settings {
            draw,
            pass_mark,
            max_attempts,
            minutes,
        } = courses::table
            .find(course_id)
            .select((
                courses::quiz_draw,
                courses::quiz_pass_mark,
                courses::quiz_max_attempts,
                courses::quiz_time_limit_minutes,
            ))
            .first(conn)?;
        let (Some(draw), Some(_), Some(max_attempts), Some(minutes)) =
            (draw, pass_mark, max_attempts, minutes)
        else {
            return Err(ServiceError::NotFound("quiz"));
        };
        write_tx(conn, |conn| {
            let enrollment =
                enrollment_of(conn, actor.user_id, course_id)?.ok_or(ServiceError::NotEnrolled)?;
            lock_for_update(conn, RowLock::Enrollment(enrollment))?;
            let earlier: i64 = quiz_attempts::table
                .filter(quiz_attempts::enrollment_id.eq(enrollment))
                .count()
                .get_result(conn)?;
            let allowed = max_attempts + granted_attempts(conn, enrollment)?;
            if max_attempts > 0 && earlier >= i64::from(allowed) {
                return Err(ServiceError::NoAttemptsLeft {
                    max: allowed as u32,
                });
            }
            let bank: Vec<BankQuestion> = questions::table
                .filter(questions::course_id.eq(course_id))
                .filter(questions::active.eq(true))
                .order(questions::position.asc())
                .select(BankQuestion::as_select())
                .load(conn)?;
            let seen = seen_in_bank(conn, enrollment, &bank)?;
            let seed: u64 = rand::rng().random::<u64>() >> 1;
            let served = draw_questions(&bank, draw.max(0) as usize, seed, &seen);
            let started = now();
            let deadline = (minutes > 0).then(|| started + Duration::minutes(minutes as i64));
            let public_id = new_public_id();
            diesel::insert_into(quiz_attempts::table)
                .values((
                    quiz_attempts::public_id.eq(&public_id),
                    quiz_attempts::user_id.eq(actor.user_id),
                    quiz_attempts::course_id.eq(course_id),
                    quiz_attempts::enrollment_id.eq(enrollment),
                    quiz_attempts::seed.eq(seed as i64),
                    quiz_attempts::served.eq(serde_json::to_string(&served).expect("json")),
                    quiz_attempts::answers.eq("{}"),
                    quiz_attempts::started_at.eq(started),
                    quiz_attempts::deadline.eq(deadline),
                ))
                .execute(conn)?;
            Ok(attempt_view(
                public_id,
                code.clone(),
                deadline,
                &served,
                BTreeMap::new(),
            ))
        })
    })
    .await
}

/// Earlier attempts read at a time by [`seen_in_bank`].
const SEEN_PAGE: i64 = 8;

/// The bank's questions she was served in earlier attempts of this enrolment (the draw
/// serves the others first). Her attempts are read newest first, a few at a time, and no
/// further once every question of the bank is among them: with unlimited attempts a
/// start reads a bounded number of snapshots, not every one she ever made.
fn seen_in_bank(
    conn: &mut DbConn,
    enrollment: i64,
    bank: &[BankQuestion],
) -> Result<HashSet<String>, ServiceError> {
    let keys: HashSet<&str> = bank.iter().map(|q| q.key.as_str()).collect();
    let mut seen: HashSet<String> = HashSet::new();
    let mut before: Option<i64> = None;
    while seen.len() < keys.len() {
        let mut page = quiz_attempts::table
            .filter(quiz_attempts::enrollment_id.eq(enrollment))
            .into_boxed();
        if let Some(id) = before {
            page = page.filter(quiz_attempts::id.lt(id));
        }
        let snapshots: Vec<(i64, Json<Vec<ServedQuestion>>)> = page
            .order(quiz_attempts::id.desc())
            .select((quiz_attempts::id, quiz_attempts::served))
            .limit(SEEN_PAGE)
            .load(conn)?;
        let Some((oldest, _)) = snapshots.last() else {
            break;
        };
        before = Some(*oldest);
        let last_page = (snapshots.len() as i64) < SEEN_PAGE;
        seen.extend(
            snapshots
                .into_iter()
                .flat_map(|(_, snapshot)| snapshot.0)
                .map(|q| q.key)
                .filter(|k| keys.contains(k.as_str())),
        );
        if last_page {
            break;
        }
    }
    Ok(seen)
}

/// An attempt as stored, its JSON columns decoded (a corrupt one is an error, never an empty
/// quiz graded against nothing).
#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = quiz_attempts)]
struct AttemptRow {
    id: i64,
    user_id: i64,
    course_id: i64,
    served: Json<Vec<ServedQuestion>>,
    answers: Json<BTreeMap<String, AnswerInput>>,
    deadline: Option<chrono::NaiveDateTime>,
    submitted_at: Option<chrono::NaiveDateTime>,
    result: Option<Json<SubmitResult>>,
}

/// Her attempt. Inside a write transaction, lock it first ([`lock_attempt`]) when it will be
/// changed; reading it (the quiz page) takes no lock.
fn own_attempt(
    conn: &mut DbConn,
    actor: &Actor,
    public_id: &str,
) -> Result<AttemptRow, ServiceError> {
    let row: Option<AttemptRow> = quiz_attempts::table
        .filter(quiz_attempts::public_id.eq(public_id))
        .select(AttemptRow::as_select())
        .first(conn)
        .optional()?;
    row.filter(|r| r.user_id == actor.user_id)
        .ok_or(ServiceError::NotFound("attempt"))
}

/// Her attempt, locked for the rest of the write transaction (ten simultaneous submits grade
/// once).
fn lock_attempt(
    conn: &mut DbConn,
    actor: &Actor,
    public_id: &str,
) -> Result<AttemptRow, ServiceError> {
    lock_for_update(conn, RowLock::QuizAttempt(public_id))?;
    own_attempt(conn, actor, public_id)
}

/// Whether her graded attempts of this course may show the right answers now, by the
/// course's `reveal` rule: never; once she passed; or once she has no attempt left.
fn answers_revealed(
    conn: &mut DbConn,
    user_id: i64,
    course_id: i64,
) -> Result<(bool, Reveal), ServiceError> {
    let (text, max): (String, Option<i32>) = courses::table
        .find(course_id)
        .select((courses::quiz_reveal, courses::quiz_max_attempts))
        .first(conn)?;
    let reveal = Reveal::parse(&text).ok_or_else(|| {
        ServiceError::internal(format!(
            "course {course_id} has an unknown quiz_reveal {text:?}"
        ))
    })?;
    let revealed = match reveal {
        Reveal::Never => false,
        Reveal::AfterPass => {
            quiz_attempts::table
                .filter(quiz_attempts::user_id.eq(user_id))
                .filter(quiz_attempts::course_id.eq(course_id))
                .filter(quiz_attempts::passed.eq(true))
                .count()
                .get_result::<i64>(conn)?
                > 0
        }
        Reveal::AfterLastAttempt => {
            let granted = match enrollment_of(conn, user_id, course_id)? {
                Some(enrollment) => granted_attempts(conn, enrollment)?,
                None => 0,
            };
            let max = i64::from(max.unwrap_or(0)).max(0);
            let max = if max > 0 { max + i64::from(granted) } else { 0 };
            max > 0
                && quiz_attempts::table
                    .filter(quiz_attempts::user_id.eq(user_id))
                    .filter(quiz_attempts::course_id.eq(course_id))
                    .filter(quiz_attempts::submitted_at.is_not_null())
                    .count()
                    .get_result::<i64>(conn)?
                    >= max
        }
    };
    Ok((revealed, reveal))
}

/// Merges `given` into `saved`, refusing ids that were not served in this attempt.
pub(crate) fn merge(
    served: &[ServedQuestion],
    saved: &mut BTreeMap<String, AnswerInput>,
    given: BTreeMap<String, AnswerInput>,
) -> Result<(), ServiceError> {
    let ids: HashSet<&str> = served.iter().map(ServedQuestion::public_id).collect();
    if let Some(foreign) = given.keys().find(|k| !ids.contains(k.as_str())) {
        return Err(ServiceError::ForeignQuestion {
            id: foreign.chars().take(64).collect(),
        });
    }
    saved.extend(given);
    Ok(())
}

/// Saves answers as she goes (a reload or a dropped connection loses nothing).
pub async fn save_answers(
    core: &Core,
    actor: &Actor,
    public_id: String,
    given: BTreeMap<String, AnswerInput>,
) -> Result<AttemptView, ServiceError> {
    let actor = actor.clone();
    core.run(move |conn, _| {
        write_tx(conn, |conn| {
            let row = lock_attempt(conn, &actor, &public_id)?;
            if row.submitted_at.is_some() {
                return Err(ServiceError::AttemptClosed);
            }
            let deadline = row.deadline;
            if deadline.is_some_and(|d| now() > d) {
                return Err(ServiceError::DeadlinePassed);
            }
            let served = row.served.0;
            let mut saved = row.answers.0;
            merge(&served, &mut saved, given)?;
            diesel::update(quiz_attempts::table.find(row.id))
                .set(quiz_attempts::answers.eq(serde_json::to_string(&saved).expect("json")))
                .execute(conn)?;
            let course = course_code(conn, row.course_id)?;
            Ok(attempt_view(
                public_id.clone(),
                course,
                deadline,
                &served,
                saved,
            ))
        })
    })
    .await
}

/// Submits and grades once. Repeats return the stored result. After the deadline the
/// submission is refused and the attempt is graded on what was saved.
pub async fn submit(
    core: &Core,
    actor: &Actor,
    public_id: String,
    given: BTreeMap<String, AnswerInput>,
) -> Result<SubmitResult, ServiceError> {
    let actor = actor.clone();
    let outcome = core
        .run(move |conn, config| {
            write_tx(conn, |conn| {
                let row = lock_attempt(conn, &actor, &public_id)?;
                let (id, user_id, course_id) = (row.id, row.user_id, row.course_id);
                if row.submitted_at.is_some() {
                    let stored = row.result.ok_or_else(|| {
                        ServiceError::internal(format!(
                            "attempt {id} is submitted without a result"
                        ))
                    })?;
                    let (revealed, reveal) = answers_revealed(conn, user_id, course_id)?;
                    return Ok((present(stored.0, revealed, reveal), false));
                }
                let served = row.served.0;
                let mut saved = row.answers.0;
                let late = row.deadline.is_some_and(|d| now() > d);
                if !late {
                    merge(&served, &mut saved, given)?;
                }
                let pass_mark: Option<i32> = courses::table
                    .find(course_id)
                    .select(courses::quiz_pass_mark)
                    .first(conn)?;
                let result = grade(&served, &saved, pass_mark.unwrap_or(60).max(0) as u32);
                diesel::update(
                    quiz_attempts::table
                        .find(id)
                        .filter(quiz_attempts::submitted_at.is_null()),
                )
                .set((
                    quiz_attempts::answers.eq(serde_json::to_string(&saved).expect("json")),
                    quiz_attempts::submitted_at.eq(now()),
                    quiz_attempts::score.eq(result.score as i32),
                    quiz_attempts::passed.eq(result.passed),
                    quiz_attempts::result.eq(serde_json::to_string(&result).expect("json")),
                ))
                .execute(conn)?;
                if result.passed {
                    if let Some(enrollment) = enrollment_of(conn, user_id, course_id)? {
                        complete_if_due(
                            conn,
                            config,
                            UserId(user_id),
                            CourseId(course_id),
                            EnrollmentId(enrollment),
                        )?;
                    }
                }
                let (revealed, reveal) = answers_revealed(conn, user_id, course_id)?;
                Ok((present(result, revealed, reveal), late))
            })
        })
        .await?;
    match outcome {
        (_, true) => Err(ServiceError::DeadlinePassed),
        (result, false) => Ok(result),
    }
}

/// Her attempt as the quiz page shows it: the served questions and what she saved, or,
/// once submitted, also the graded result; with her standing in the quiz (attempts left,
/// the pass mark) and, once she passed, her certificate and place in the drive.
pub async fn get(
    core: &Core,
    actor: &Actor,
    public_id: String,
) -> Result<AttemptPage, ServiceError> {
    let actor = actor.clone();
    core.run(move |conn, _| {
        let row = own_attempt(conn, &actor, &public_id)?;
        let result = match row.result {
            Some(stored) => {
                let (revealed, reveal) = answers_revealed(conn, row.user_id, row.course_id)?;
                Some(present(stored.0, revealed, reveal))
            }
            None => None,
        };
        let (code, course_title, course_title_en): (String, String, Option<String>) =
            courses::table
                .find(row.course_id)
                .select((courses::code, courses::title, courses::title_en))
                .first(conn)?;
        let standing =
            standing(conn, row.user_id, row.course_id)?.ok_or(ServiceError::NotFound("quiz"))?;
        let passed = result.as_ref().is_some_and(|r| r.passed);
        let certificate = match passed {
            true => certificate_of(conn, row.user_id, row.course_id)?,
            false => None,
        };
        let place_in_drive = match passed {
            true => place_in_drive(conn, row.user_id)?,
            false => None,
        };
        let still_needed = match passed {
            true => super::enrolment::still_needed(conn, row.user_id, row.course_id)?,
            false => None,
        };
        Ok(AttemptPage {
            attempt: attempt_view(
                public_id.clone(),
                code,
                row.deadline,
                &row.served.0,
                row.answers.0,
            ),
            result,
            standing,
            course_title,
            course_title_en,
            certificate,
            place_in_drive,
            still_needed,
        })
    })
    .await
}

/// Her certificate of a course (the serial), once issued.
fn certificate_of(conn: &mut DbConn, user_id: i64, course_id: i64) -> QueryResult<Option<String>> {
    certificates::table
        .inner_join(enrollments::table.on(enrollments::id.eq(certificates::enrollment_id)))
        .filter(enrollments::user_id.eq(user_id))
        .filter(enrollments::course_id.eq(course_id))
        .select(certificates::serial)
        .first(conn)
        .optional()
}

pub fn answers_from_form(
    view: &AttemptView,
    fields: &[(String, String)],
) -> BTreeMap<String, AnswerInput> {
    let mut answers = BTreeMap::new();
    for question in &view.questions {
        let name = format!("q.{}", question.id);
        let values: Vec<String> = fields
            .iter()
            .filter(|(k, _)| *k == name)
            .map(|(_, v)| v.clone())
            .collect();
        if values.is_empty() {
            continue;
        }
        let answer = match question.kind {
            QuestionKind::TrueFalse => AnswerInput::Truth(values[0] == "true"),
            QuestionKind::Fill => AnswerInput::Text(values[0].clone()),
            QuestionKind::Single | QuestionKind::Multiple => AnswerInput::Choices(values),
        };
        answers.insert(question.id.clone(), answer);
    }
    answers
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn bank() -> Vec<BankQuestion> {
        let row = |key: &str, kind: &str, options: &str, answer: &str| BankQuestion {
            key: key.to_string(),
            kind: QuestionKind::parse(kind).unwrap(),
            text: format!("题目 {key}"),
            options: Json(serde_json::from_str(options).unwrap()),
            answer: Json(serde_json::from_str(answer).unwrap()),
            explanation: String::new(),
        };
        vec![
            row(
                "s1",
                "single",
                r#"["甲","乙","丙","丁"]"#,
                r#"{"choices":[2]}"#,
            ),
            row(
                "m1",
                "multiple",
                r#"["甲","乙","丙","丁","戊"]"#,
                r#"{"choices":[0,3]}"#,
            ),
            row("t1", "true_false", "[]", r#"{"truth":true}"#),
            row("f1", "fill", "[]", r#"{"texts":["二十","20"]}"#),
            row("s2", "single", r#"["甲","乙"]"#, r#"{"choices":[0]}"#),
        ]
    }

    fn answer_strategy() -> impl Strategy<Value = Option<AnswerInput>> {
        prop_oneof![
            Just(None),
            any::<bool>().prop_map(|b| Some(AnswerInput::Truth(b))),
            proptest::collection::vec(0usize..6, 0..6).prop_map(|v| Some(AnswerInput::Choices(
                v.into_iter().map(|i| format!("#{i}")).collect()
            ))),
            "\\PC{0,12}".prop_map(|t| Some(AnswerInput::Text(t))),
            Just(Some(AnswerInput::Text(" ２０ ".into()))),
        ]
    }

    #[test]
    fn fill_answers_are_width_folded_and_trimmed() {
        let served = draw_questions(&bank(), 5, 7, &HashSet::new());
        let fill = served.iter().find(|q| q.key == "f1").unwrap();
        for ok in ["20", " ２０ ", "二十", "\u{3000}二十"] {
            assert!(
                is_correct(fill, Some(&AnswerInput::Text(ok.into()))),
                "{ok:?}"
            );
        }
        for wrong in ["", "2 0", "21", "二十一"] {
            assert!(
                !is_correct(fill, Some(&AnswerInput::Text(wrong.into()))),
                "{wrong:?}"
            );
        }
        let multi = served.iter().find(|q| q.key == "m1").unwrap();
        let pick = |v: &[&str]| Some(AnswerInput::Choices(by_text(multi, v)));
        assert!(is_correct(multi, pick(&["丁", "甲"]).as_ref()));
        assert!(!is_correct(multi, pick(&["甲"]).as_ref()), "all or nothing");
        assert!(!is_correct(multi, pick(&["甲", "丁", "丁"]).as_ref()));
        assert!(!is_correct(multi, pick(&["甲", "丁", "戊"]).as_ref()));
    }

    /// The option ids of `question` whose texts are `texts`.
    fn by_text(question: &ServedQuestion, texts: &[&str]) -> Vec<String> {
        texts
            .iter()
            .map(|t| {
                question
                    .options
                    .iter()
                    .find(|o| o.text == *t)
                    .map(|o| o.id.clone())
                    .unwrap()
            })
            .collect()
    }

    #[test]
    fn ids_are_drawn_per_attempt_so_one_attempts_key_fails_in_another() {
        let first = draw_questions(&bank(), 5, 1, &HashSet::new());
        let second = draw_questions(&bank(), 5, 2, &HashSet::new());
        // The right answers of the first attempt, by its own ids.
        let key: BTreeMap<String, AnswerInput> = first
            .iter()
            .map(|q| (q.public_id().to_string(), q.answer.clone()))
            .collect();
        assert_eq!(grade(&first, &key, 60).score, 100);
        let first_ids: HashSet<&str> = first
            .iter()
            .flat_map(|q| {
                q.options
                    .iter()
                    .map(|o| o.id.as_str())
                    .chain([q.public_id()])
            })
            .collect();
        for q in &second {
            assert!(!first_ids.contains(q.public_id()), "question id reused");
            assert_ne!(q.public_id(), q.key, "the bank's id is not shown");
            for o in &q.options {
                assert!(!first_ids.contains(o.id.as_str()), "option id reused");
            }
        }
        // Replayed by question: the first attempt's option ids mean nothing in the second.
        let replayed: BTreeMap<String, AnswerInput> = second
            .iter()
            .filter_map(|q| {
                let old = first.iter().find(|f| f.key == q.key)?;
                Some((q.public_id().to_string(), old.answer.clone()))
            })
            .collect();
        let result = grade(&second, &replayed, 60);
        let choice_questions = second
            .iter()
            .filter(|q| matches!(q.kind, QuestionKind::Single | QuestionKind::Multiple))
            .count() as u32;
        assert!(
            result.score <= 100 - choice_questions * 20,
            "{}",
            result.score
        );
        // Hidden until the course's rule reveals them.
        let hidden = present(result.clone(), false, Reveal::AfterPass);
        assert!(hidden
            .results
            .iter()
            .all(|r| r.expected.is_none() && r.explanation.is_none()));
        let json = serde_json::to_string(&hidden).unwrap();
        assert!(
            !json.contains("expected") && !json.contains("explanation"),
            "{json}"
        );
        assert!(present(result, true, Reveal::AfterPass).results[0]
            .expected
            .is_some());
    }

    #[test]
    fn the_same_seed_draws_the_same_attempt() {
        let a = draw_questions(&bank(), 3, 42, &HashSet::new());
        let b = draw_questions(&bank(), 3, 42, &HashSet::new());
        assert_eq!(a, b);
        let seen: HashSet<String> = a.iter().map(|q| q.key.clone()).collect();
        let next = draw_questions(&bank(), 2, 43, &seen);
        assert!(
            next.iter().all(|q| !seen.contains(&q.key)),
            "unseen questions come first"
        );
    }

    proptest! {
        #[test]
        fn grading_is_bounded_stable_and_blind_to_option_order(
            seed in any::<u64>(),
            other_seed in any::<u64>(),
            answers in proptest::collection::vec(answer_strategy(), 5),
            pass_mark in 1u32..=100,
        ) {
            let keys = ["s1", "m1", "t1", "f1", "s2"];
            // Answers by bank position ("#2" = the bank's third option), put into the ids of
            // one attempt (an unknown position stays a foreign id).
            let in_attempt = |served: &[ServedQuestion]| -> BTreeMap<String, AnswerInput> {
                let bank = bank();
                keys.iter().zip(answers.clone()).filter_map(|(k, a)| {
                    let q = served.iter().find(|q| q.key == *k)?;
                    let a = match a? {
                        AnswerInput::Choices(picked) => {
                            let texts: Vec<String> = bank.iter().find(|b| b.key == *k).unwrap().options.0.clone();
                            AnswerInput::Choices(picked.iter().map(|p| {
                                let i: usize = p[1..].parse().unwrap();
                                texts.get(i).and_then(|t| q.options.iter().find(|o| &o.text == t)).map(|o| o.id.clone()).unwrap_or_else(|| p.clone())
                            }).collect())
                        }
                        other => other,
                    };
                    Some((q.public_id().to_string(), a))
                }).collect()
            };
            let served = draw_questions(&bank(), 5, seed, &HashSet::new());
            let given = in_attempt(&served);
            let result = grade(&served, &given, pass_mark);
            prop_assert!(result.score <= 100);
            prop_assert_eq!(result.passed, result.score >= pass_mark);
            // Regrading gives the same result.
            prop_assert_eq!(&grade(&served, &given, pass_mark), &result);
            // The same choices in another attempt (other ids, other order) score the same.
            let other = draw_questions(&bank(), 5, other_seed, &HashSet::new());
            prop_assert_eq!(grade(&other, &in_attempt(&other), pass_mark).score, result.score);
        }
    }
}
