//! The whole test suite as one binary: each module is one area of Qihang, run against the real
//! server on a random port with a fresh database per test (see `support`).
//!
//! One binary instead of one per area: the server, diesel and the browser client are linked
//! once rather than once per area (the fault tests alone have their own, `fault_suite.rs`), which takes minutes and gigabytes off every clean build
//! (CI builds from a clean clone). Run one area with `cargo test -p qihang --test suite api::`.

mod support;

mod api;
mod browser;
mod catalog;
mod certificates;
mod classes;
mod competitions;
mod dashboards;
mod mail;
mod orgs;
mod permissions;
mod security;
mod skills;
mod staff;
