//! Background jobs of a server process: the outbox workers and the class reminders. Each is
//! safe to run in several processes at once.

use qihang_core::services::outbox::{self, MailError, Mailer};
use qihang_core::sms::{self, SmsConfigError};
use qihang_core::Core;

/// Why the background jobs could not start (a configuration mistake).
#[derive(Debug, thiserror::Error)]
pub enum JobsError {
    #[error(transparent)]
    Mail(#[from] MailError),
    #[error(transparent)]
    Sms(#[from] SmsConfigError),
}

/// Starts the outbox workers on the current runtime: mail always, SMS when it is on.
pub fn start(core: &Core) -> Result<(), JobsError> {
    let mailer = Mailer::from_config(&core.config)?;
    let worker = format!(
        "{}-{}",
        std::process::id(),
        qihang_core::services::tokens::new_public_id()
    );
    sms::start_worker(core, format!("{worker}-sms"))?;
    tokio::spawn(outbox::run_worker(core.clone(), mailer, worker));
    tokio::spawn(class_reminders(core.clone()));
    Ok(())
}

/// Queues the day-before reminders of classes as they fall due. Each pass claims its
/// sign-ups through the database, so any number of servers may run this at once.
async fn class_reminders(core: Core) {
    let pause = std::time::Duration::from_millis(core.config.reminder_poll_ms.max(100));
    loop {
        match qihang_core::services::classes::send_due_reminders(&core).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(reminders = n, "class reminders queued"),
            Err(error) => tracing::warn!(%error, "class reminders failed; retrying"),
        }
        tokio::time::sleep(pause).await;
    }
}
