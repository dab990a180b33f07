//! The day-before reminder of every seat, sent exactly once even with several server
//! processes: each pass claims due sign-ups through the database (`FOR UPDATE SKIP LOCKED` on
//! PostgreSQL, so two servers never claim one; SQLite's `BEGIN IMMEDIATE` lets one writer at
//! a time) and, in the same transaction, marks them sent and queues the messages in the
//! outbox. A crash before the commit leaves them due; after it, the outbox delivers them. A
//! restart finds nothing left to send.
//!
//! Her 我的学习 page shows the same reminder as a line once the class is within a day.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use super::{load_by_id, tell, view_for, Notice};
use crate::db::schema::{attendances, class_sessions, class_signups};
use crate::db::types::{ClassSessionId, UserId};
use crate::db::{write_tx, DbConn};
use crate::domain::{SessionState, SignupStatus};
use crate::dto::{MyClassView, MyLearningView};
use crate::services::actor::Actor;
use crate::services::{now, Core};
use crate::ServiceError;

/// Sign-ups claimed per pass.
const BATCH: i64 = 50;

/// Ids of confirmed sign-ups whose reminder is due and unsent, locked for this transaction
/// (skipping those another server holds, on PostgreSQL).
fn claim_due(
    conn: &mut DbConn,
    at: NaiveDateTime,
) -> QueryResult<Vec<(i64, ClassSessionId, UserId)>> {
    let due = || {
        class_signups::table
            .filter(class_signups::reminder_sent_at.is_null())
            .filter(class_signups::status.eq(SignupStatus::Confirmed))
            .filter(class_signups::remind_at.le(at))
            .order(class_signups::id.asc())
            .limit(BATCH)
            .select((
                class_signups::id,
                class_signups::session_id,
                class_signups::user_id,
            ))
    };
    match conn {
        DbConn::Pg(c) => due().for_update().skip_locked().load(c),
        DbConn::Sqlite(c) => due().load(c),
    }
}

/// One pass: sends the reminders due now (classes that have not started and are not
/// cancelled; the others are marked done without a message). Returns how many were sent.
pub async fn send_due_reminders(core: &Core) -> Result<usize, ServiceError> {
    core.run(|conn, config| {
        write_tx(conn, |conn| {
            let at = now();
            let due = claim_due(conn, at)?;
            let mut sent = 0;
            for (signup, session, user) in due {
                let row = load_by_id(conn, session)?;
                if row.state == SessionState::Scheduled && at < row.starts_at {
                    tell(conn, config, &row, user, Notice::Reminder)?;
                    sent += 1;
                }
                diesel::update(class_signups::table.find(signup))
                    .set(class_signups::reminder_sent_at.eq(at))
                    .execute(conn)?;
            }
            Ok(sent)
        })
    })
    .await
}

/// Her learning page with her classes that have not ended (soonest first), each marked
/// `soon` when she has a seat and it starts within a day.
pub async fn learning_page(core: &Core, actor: &Actor) -> Result<MyLearningView, ServiceError> {
    let mut page = crate::services::learning::my_learning(core, actor).await?;
    let actor = actor.clone();
    page.classes = core
        .run(move |conn, _| {
            let at = now();
            let user = UserId(actor.user_id);
            // Signed up for, or walked in to.
            let attended = attendances::table
                .filter(attendances::user_id.eq(user))
                .select(attendances::session_id);
            let signed = class_signups::table
                .filter(class_signups::user_id.eq(user))
                .select(class_signups::session_id);
            let sessions: Vec<ClassSessionId> = class_sessions::table
                .filter(class_sessions::ends_at.ge(at))
                .filter(
                    class_sessions::id
                        .eq_any(signed)
                        .or(class_sessions::id.eq_any(attended)),
                )
                .order(class_sessions::starts_at.asc())
                .select(class_sessions::id)
                .limit(20)
                .load(conn)?;
            sessions
                .into_iter()
                .map(|id| {
                    let row = load_by_id(conn, id)?;
                    let session = view_for(conn, &row, Some(&actor))?;
                    // Only a seat is worth the journey: the wait-listed get no reminder.
                    let seated = session
                        .my_signup
                        .as_ref()
                        .is_some_and(|s| s.status == SignupStatus::Confirmed.as_str());
                    let soon = seated
                        && row.state == SessionState::Scheduled
                        && row.starts_at - at <= Duration::hours(super::REMIND_BEFORE_HOURS);
                    Ok(MyClassView { session, soon })
                })
                .collect::<Result<Vec<_>, ServiceError>>()
        })
        .await?;
    Ok(page)
}
