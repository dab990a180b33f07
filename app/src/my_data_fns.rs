//! Server functions of "my account"'s privacy sections (issue 15): her sessions, her data,
//! and deleting her account. Thin adapters over `services::my_data`.

use leptos::prelude::*;
use qihang_core::dto::{MyDataExport, SessionView};

use crate::errors::AppError;

/// Her live sessions, for "my account".
#[server(prefix = "/_fn", endpoint = "my_sessions")]
pub async fn my_sessions() -> Result<Vec<SessionView>, AppError> {
    let core = crate::request::core()?;
    let actor = crate::request::actor()
        .await
        .ok_or(qihang_core::ServiceError::Unauthenticated)?;
    Ok(qihang_core::services::my_data::my_sessions(&core, &actor).await?)
}

/// The 退出 button beside one of her sessions: back to the list with the outcome.
#[server(prefix = "/_fn", endpoint = "end_my_session")]
pub async fn end_my_session(id: String) -> Result<(), AppError> {
    let core = crate::request::core()?;
    let Some(actor) = crate::request::actor().await else {
        crate::request::redirect("/login");
        return Ok(());
    };
    match qihang_core::services::my_data::end_session(&core, &actor, id).await {
        Ok(()) => crate::request::succeed_form("sessions", "/account#sessions"),
        Err(error) => crate::request::fail_form("sessions", "/account#sessions", &error, vec![]),
    }
    Ok(())
}

/// Everything Qihang holds about her, for the page "我的数据".
#[server(prefix = "/_fn", endpoint = "my_data")]
pub async fn my_data() -> Result<MyDataExport, AppError> {
    let core = crate::request::core()?;
    let actor = crate::request::actor()
        .await
        .ok_or(qihang_core::ServiceError::Unauthenticated)?;
    Ok(qihang_core::services::my_data::export_for_page(&core, &actor).await?)
}

/// The 注销账户 form: with her password and the box ticked, the account is deleted, she is
/// signed out and lands on the page that says what happened; otherwise back to the form.
#[server(prefix = "/_fn", endpoint = "delete_my_account")]
pub async fn delete_my_account(password: String, confirm: Option<String>) -> Result<(), AppError> {
    use qihang_core::services::my_data::{self, DeleteAccount};
    let core = crate::request::core()?;
    let Some(actor) = crate::request::actor().await else {
        crate::request::redirect("/login");
        return Ok(());
    };
    if confirm.is_none() {
        let error = qihang_core::ServiceError::Invalid(
            qihang_core::domain::DomainError::DeleteNotConfirmed,
        );
        crate::request::fail_form("delete", "/account#delete", &error, vec![]);
        return Ok(());
    }
    let ip = crate::request::client_ip();
    match my_data::delete_account(&core, &actor, DeleteAccount { password }, ip).await {
        Ok(()) => {
            crate::request::set_cookie(crate::request::clear_cookie(
                crate::request::SESSION_COOKIE,
                core.config.secure_cookies,
            ));
            crate::request::redirect("/account/deleted");
        }
        Err(error) => crate::request::fail_form("delete", "/account#delete", &error, vec![]),
    }
    Ok(())
}
