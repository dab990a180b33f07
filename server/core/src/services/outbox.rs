//! The durable outbox of email and text messages: messages are written in the same
//! transaction as the change that causes them, then delivered by a worker per channel (a
//! [`Courier`]: the [`Mailer`] for email, `crate::sms` for SMS) with retries and exponential
//! backoff.
//!
//! Safe with several server processes on one database: a worker claims a batch of its
//! channel by leasing it (`FOR UPDATE SKIP LOCKED` on PostgreSQL; SQLite's `BEGIN IMMEDIATE`
//! serialises claims), so two workers never hold the same message. A message is marked sent
//! right after the SMTP server or SMS gateway accepts it, and its links lose their secrets.

use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::time::Duration as StdDuration;

use chrono::Duration;
use diesel::prelude::*;
use lettre::message::header::ContentType;
use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use super::{now, Core};
use crate::config::Config;
use crate::db::models::OutboxRow;
use crate::db::schema::outbox;
use crate::db::{claim_due_ids, write_tx, DbConn};
use crate::domain::MessageChannel;
use crate::ServiceError;

/// How long a claimed batch stays leased to one worker before others may retry it.
const LEASE_SECONDS: i64 = 300;
const BATCH: i64 = 20;
const MAX_BACKOFF_SECONDS: i64 = 3600;

/// Queues an email; call inside the transaction of the change that causes it.
pub fn enqueue(conn: &mut DbConn, recipient: &str, subject: &str, body: &str) -> QueryResult<()> {
    insert(conn, MessageChannel::Email, recipient, subject, body)
}

/// Queues a text message to `phone`; call inside the transaction of the change that causes
/// it. `label` says what it is to an operator reading the outbox (it is not sent).
pub fn enqueue_sms(conn: &mut DbConn, phone: &str, label: &str, text: &str) -> QueryResult<()> {
    insert(conn, MessageChannel::Sms, phone, label, text)
}

fn insert(
    conn: &mut DbConn,
    channel: MessageChannel,
    recipient: &str,
    subject: &str,
    body: &str,
) -> QueryResult<()> {
    let at = now();
    diesel::insert_into(outbox::table)
        .values((
            outbox::channel.eq(channel),
            outbox::recipient.eq(recipient),
            outbox::subject.eq(subject),
            outbox::body_text.eq(body),
            outbox::created_at.eq(at),
            outbox::next_attempt_at.eq(at),
            outbox::attempts.eq(0),
        ))
        .execute(conn)?;
    Ok(())
}

/// Leases up to [`BATCH`] due messages of `channel` to `worker`.
fn claim(conn: &mut DbConn, worker: &str, channel: MessageChannel) -> QueryResult<Vec<OutboxRow>> {
    write_tx(conn, |conn| {
        let at = now();
        let ids = claim_due_ids(conn, channel, at, BATCH)?;
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        diesel::update(outbox::table.filter(outbox::id.eq_any(&ids)))
            .set((
                outbox::locked_until.eq(at + Duration::seconds(LEASE_SECONDS)),
                outbox::locked_by.eq(worker),
            ))
            .execute(conn)?;
        outbox::table
            .filter(outbox::id.eq_any(&ids))
            .order(outbox::id.asc())
            .select(OutboxRow::as_select())
            .load(conn)
    })
}

/// What stands in the outbox for a link's secret once the message is sent.
pub const REDACTED: &str = "[removed after sending]";

/// The body with every `token=<secret>` of a link replaced by [`REDACTED`]: once a reset or
/// set-up mail is delivered, the outbox (and its backups) must not hold a working link.
pub fn redact_secrets(body: &str) -> String {
    let mut out = String::with_capacity(body.len());
    let mut rest = body;
    while let Some(at) = rest.find("token=") {
        let (head, tail) = rest.split_at(at + "token=".len());
        out.push_str(head);
        let secret_len = tail
            .find(|c: char| !c.is_ascii_alphanumeric() && c != '-' && c != '_')
            .unwrap_or(tail.len());
        if secret_len > 0 {
            out.push_str(REDACTED);
        }
        rest = &tail[secret_len..];
    }
    out.push_str(rest);
    out
}

fn mark_sent(conn: &mut DbConn, row: &OutboxRow, worker: &str) -> QueryResult<()> {
    diesel::update(
        outbox::table
            .find(row.id)
            .filter(outbox::locked_by.eq(worker)),
    )
    .set((
        outbox::body_text.eq(redact_secrets(&row.body_text)),
        outbox::sent_at.eq(now()),
        outbox::attempts.eq(outbox::attempts + 1),
        outbox::locked_until.eq(None::<chrono::NaiveDateTime>),
        outbox::last_error.eq(None::<String>),
    ))
    .execute(conn)?;
    Ok(())
}

fn mark_failed(
    conn: &mut DbConn,
    row: &OutboxRow,
    worker: &str,
    error: &str,
    retry_base_ms: u64,
) -> QueryResult<()> {
    let exponent = row.attempts.clamp(0, 20) as u32;
    let delay_ms = (retry_base_ms as i64)
        .saturating_mul(1_i64 << exponent)
        .min(MAX_BACKOFF_SECONDS * 1000);
    diesel::update(
        outbox::table
            .find(row.id)
            .filter(outbox::locked_by.eq(worker)),
    )
    .set((
        outbox::attempts.eq(outbox::attempts + 1),
        outbox::next_attempt_at.eq(now() + Duration::milliseconds(delay_ms)),
        outbox::locked_until.eq(None::<chrono::NaiveDateTime>),
        outbox::last_error.eq(Some(error.chars().take(500).collect::<String>())),
    ))
    .execute(conn)?;
    Ok(())
}

/// Counts of messages by state, for tests and operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutboxCounts {
    pub pending: i64,
    pub sent: i64,
    pub failed_attempts: i64,
}

pub async fn counts(core: &Core) -> Result<OutboxCounts, ServiceError> {
    core.run(|conn, _| {
        let pending = outbox::table
            .filter(outbox::sent_at.is_null())
            .count()
            .get_result(conn)?;
        let sent = outbox::table
            .filter(outbox::sent_at.is_not_null())
            .count()
            .get_result(conn)?;
        let failed_attempts: Option<i64> = outbox::table
            .filter(outbox::last_error.is_not_null())
            .select(diesel::dsl::count_star())
            .first(conn)
            .optional()?;
        Ok(OutboxCounts {
            pending,
            sent,
            failed_attempts: failed_attempts.unwrap_or(0),
        })
    })
    .await
}

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("invalid mail.from address {0:?}")]
    From(String),
    #[error("invalid mail.smtp_url: {0}")]
    SmtpUrl(String),
}

enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    /// No SMTP configured: `.eml` files in this folder.
    Files(PathBuf),
}

/// Delivers outbox messages over SMTP, or into files when no SMTP server is configured.
pub struct Mailer {
    transport: Transport,
    from: Mailbox,
}

impl Mailer {
    pub fn from_config(config: &Config) -> Result<Mailer, MailError> {
        let from: Mailbox = config
            .mail
            .from
            .parse()
            .map_err(|_| MailError::From(config.mail.from.clone()))?;
        let transport = match &config.mail.smtp_url {
            Some(url) => Transport::Smtp(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map_err(|e| MailError::SmtpUrl(e.to_string()))?
                    .timeout(Some(StdDuration::from_millis(config.mail.smtp_timeout_ms)))
                    .build(),
            ),
            None => Transport::Files(config.data_dir.join("mail")),
        };
        Ok(Mailer { transport, from })
    }

    async fn deliver_mail(&self, row: &OutboxRow) -> Result<(), String> {
        let to: Mailbox = row
            .recipient
            .parse()
            .map_err(|e| format!("bad recipient address: {e}"))?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(&row.subject)
            .message_id(Some(format!("<outbox-{}@qihang>", row.id)))
            .header(ContentType::TEXT_PLAIN)
            .body(row.body_text.clone())
            .map_err(|e| format!("cannot build message: {e}"))?;
        match &self.transport {
            Transport::Smtp(smtp) => smtp
                .send(message)
                .await
                .map(|_| ())
                .map_err(|e| e.to_string()),
            Transport::Files(dir) => {
                tokio::fs::create_dir_all(dir)
                    .await
                    .map_err(|e| e.to_string())?;
                let path = dir.join(format!(
                    "{}-{}.eml",
                    row.created_at.format("%Y%m%dT%H%M%S"),
                    row.id
                ));
                tokio::fs::write(path, message.formatted())
                    .await
                    .map_err(|e| e.to_string())
            }
        }
    }
}

/// One delivery under way: `Ok` once the SMTP server or SMS gateway accepted the message.
/// Boxed, so the workers (generic over the [`Courier`]) are plainly `Send`.
pub type Delivery<'a> = Pin<Box<dyn Future<Output = Result<(), String>> + Send + 'a>>;

/// Delivers the messages of one channel. The error of a failed delivery is kept in the
/// outbox row and logged, so it must never contain the message (a link's secret).
pub trait Courier: Send + Sync {
    /// The channel whose messages this courier claims.
    fn channel(&self) -> MessageChannel;

    /// Hands one claimed message to the SMTP server or the SMS gateway.
    fn deliver<'a>(&'a self, row: &'a OutboxRow) -> Delivery<'a>;
}

impl Courier for Mailer {
    fn channel(&self) -> MessageChannel {
        MessageChannel::Email
    }

    fn deliver<'a>(&'a self, row: &'a OutboxRow) -> Delivery<'a> {
        Box::pin(self.deliver_mail(row))
    }
}

/// Claims one batch of the courier's channel and tries to deliver it; returns how many were
/// delivered. Failures wait `mail.retry_base_ms`, doubled on each attempt (for every
/// channel: the outbox's one backoff).
pub async fn deliver_due<C: Courier>(
    core: &Core,
    courier: &C,
    worker: &str,
) -> Result<usize, ServiceError> {
    let owner = worker.to_string();
    let channel = courier.channel();
    let batch = core
        .run(move |conn, _| Ok(claim(conn, &owner, channel)?))
        .await?;
    let mut delivered = 0;
    for row in batch {
        let outcome = courier.deliver(&row).await;
        let owner = worker.to_string();
        let retry_base_ms = core.config.mail.retry_base_ms;
        match outcome {
            Ok(()) => {
                delivered += 1;
                core.run(move |conn, _| Ok(mark_sent(conn, &row, &owner)?))
                    .await?;
            }
            Err(error) => {
                tracing::warn!(message_id = row.id, channel = channel.as_str(), attempts = row.attempts + 1, %error, "delivery failed; will retry");
                core.run(move |conn, _| {
                    Ok(mark_failed(conn, &row, &owner, &error, retry_base_ms)?)
                })
                .await?;
            }
        }
    }
    Ok(delivered)
}

/// The outbox worker loop of one channel: runs until the process ends.
pub async fn run_worker<C: Courier + 'static>(core: Core, courier: C, worker: String) {
    let pause = StdDuration::from_millis(core.config.mail.poll_interval_ms.max(10));
    loop {
        match deliver_due(&core, &courier, &worker).await {
            Ok(n) if n >= BATCH as usize => continue,
            Ok(_) => {}
            Err(e) => {
                tracing::error!(error = %e, channel = courier.channel().as_str(), "outbox worker")
            }
        }
        tokio::time::sleep(pause).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sent_links_lose_their_secrets() {
        let body =
            "打开链接：\nhttps://q.cn/reset-password?token=0a1b2c3d4e5f&x=1\n再见 token= 无\n";
        assert_eq!(
            redact_secrets(body),
            "打开链接：\nhttps://q.cn/reset-password?token=[removed after sending]&x=1\n再见 token= 无\n"
        );
        assert_eq!(redact_secrets("no links"), "no links");
    }
}
