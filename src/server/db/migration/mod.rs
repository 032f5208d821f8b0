//! Schema migrations, applied at start-up. The same code builds the schema
//! on SQLite and PostgreSQL.
use sea_orm_migration::prelude::*;

mod m0001_settings;
mod m0002_delivery;
mod m0003_secret_rotation;
mod m0004_accounts;
mod m0005_channel_types;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m0001_settings::Migration),
            Box::new(m0002_delivery::Migration),
            Box::new(m0003_secret_rotation::Migration),
            Box::new(m0004_accounts::Migration),
            Box::new(m0005_channel_types::Migration),
        ]
    }
}
