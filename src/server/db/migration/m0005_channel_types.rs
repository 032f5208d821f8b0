//! Channel types and templates, routing filters: per-type settings as JSON
//! (`channels.config`, secrets inside encrypted), an optional user template
//! (`channels.template`), and conditions on event data (`routings.filters`).
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Channels {
    Table,
    Config,
    Template,
}

#[derive(DeriveIden)]
enum Routings {
    Table,
    Filters,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite adds only one at a time.
        manager
            .alter_table(
                Table::alter()
                    .table(Channels::Table)
                    .add_column(
                        ColumnDef::new(Channels::Config)
                            .text()
                            .not_null()
                            .default("{}"),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Channels::Table)
                    .add_column(ColumnDef::new(Channels::Template).text().null())
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Routings::Table)
                    .add_column(
                        ColumnDef::new(Routings::Filters)
                            .text()
                            .not_null()
                            .default("[]"),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Routings::Table)
                    .drop_column(Routings::Filters)
                    .to_owned(),
            )
            .await?;
        for col in [Channels::Config.into_iden(), Channels::Template.into_iden()] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Channels::Table)
                        .drop_column(col)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
