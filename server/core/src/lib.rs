//! Qihang's core library: domain types, data shapes shared with the browser, and (behind the
//! `ssr` feature) configuration, storage, the service layer, the mail outbox and text messages.
//!
//! Nothing here knows about actix or Leptos: the REST API and the Leptos server functions are
//! both thin adapters over [`services`].

pub mod domain;
pub mod dto;
pub mod pack_problems;

#[cfg(feature = "ssr")]
pub mod certificate_print;
#[cfg(feature = "ssr")]
pub mod config;
#[cfg(feature = "ssr")]
pub mod credential;
#[cfg(feature = "ssr")]
pub mod db;
#[cfg(feature = "ssr")]
pub mod error;
#[cfg(feature = "ssr")]
pub mod kek;
#[cfg(feature = "ssr")]
pub mod packs;
#[cfg(feature = "ssr")]
pub mod paths;
#[cfg(feature = "ssr")]
pub mod services;
#[cfg(feature = "ssr")]
pub mod sms;
#[cfg(feature = "ssr")]
pub mod time;

#[cfg(feature = "ssr")]
pub use error::{Fault, ServiceError};
#[cfg(feature = "ssr")]
pub use services::Core;
