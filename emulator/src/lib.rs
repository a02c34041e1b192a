pub mod auth;
pub mod body;
pub mod clock;
pub mod config;
pub mod error;
pub mod route;
pub mod store;
