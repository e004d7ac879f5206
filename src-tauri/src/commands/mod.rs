pub mod images;
pub mod import;
pub mod jobs;
pub mod library;
pub mod models;
pub mod related;
pub mod sentiment;
pub mod settings;
