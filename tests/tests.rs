//! Integration tests: one binary over a small harness, so the shared PostgreSQL cluster starts once.

mod harness;

mod advise;
mod check;
mod cli;
mod config;
mod connect;
mod info;
mod maintain;
mod playbook;
mod report;
mod safety;
mod schema;
mod zoo;
