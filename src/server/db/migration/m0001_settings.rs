//! Projects, channels, routings: what the settings pages edit.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Projects {
    Table,
    Id,
    Name,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Channels {
    Table,
    Id,
    ProjectId,
    Name,
    Kind,
    Url,
    Headers,
    Secret,
    Enabled,
    DisabledReason,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Routings {
    Table,
    Id,
    ProjectId,
    EventType,
    ChannelId,
    Enabled,
    CreatedAt,
}

#[derive(DeriveIden)]
enum SecretReveals {
    Table,
    Token,
    Subject,
    Secret,
    ExpiresAt,
}

fn id(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col).string_len(36).not_null().to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Projects::Table)
                    .col(id(Projects::Id).primary_key())
                    .col(
                        ColumnDef::new(Projects::Name)
                            .string_len(129)
                            .not_null()
                            .unique_key(),
                    )
                    .col(ColumnDef::new(Projects::CreatedAt).big_integer().not_null())
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Channels::Table)
                    .col(id(Channels::Id).primary_key())
                    .col(id(Channels::ProjectId))
                    .col(ColumnDef::new(Channels::Name).string_len(400).not_null())
                    .col(ColumnDef::new(Channels::Kind).string_len(32).not_null())
                    .col(ColumnDef::new(Channels::Url).text().not_null())
                    .col(ColumnDef::new(Channels::Headers).json().not_null())
                    .col(ColumnDef::new(Channels::Secret).text().not_null())
                    .col(ColumnDef::new(Channels::Enabled).boolean().not_null())
                    .col(ColumnDef::new(Channels::DisabledReason).text().null())
                    .col(ColumnDef::new(Channels::CreatedAt).big_integer().not_null())
                    .col(ColumnDef::new(Channels::UpdatedAt).big_integer().not_null())
                    .foreign_key(
                        ForeignKey::create()
                            .from(Channels::Table, Channels::ProjectId)
                            .to(Projects::Table, Projects::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("channels_project_name_key")
                    .table(Channels::Table)
                    .col(Channels::ProjectId)
                    .col(Channels::Name)
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Routings::Table)
                    .col(id(Routings::Id).primary_key())
                    .col(id(Routings::ProjectId))
                    .col(
                        ColumnDef::new(Routings::EventType)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(id(Routings::ChannelId))
                    .col(ColumnDef::new(Routings::Enabled).boolean().not_null())
                    .col(ColumnDef::new(Routings::CreatedAt).big_integer().not_null())
                    .foreign_key(
                        ForeignKey::create()
                            .from(Routings::Table, Routings::ProjectId)
                            .to(Projects::Table, Projects::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Routings::Table, Routings::ChannelId)
                            .to(Channels::Table, Channels::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("routings_project_event_channel_key")
                    .table(Routings::Table)
                    .col(Routings::ProjectId)
                    .col(Routings::EventType)
                    .col(Routings::ChannelId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("routings_channel_idx")
                    .table(Routings::Table)
                    .col(Routings::ChannelId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(SecretReveals::Table)
                    .col(
                        ColumnDef::new(SecretReveals::Token)
                            .string_len(64)
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(SecretReveals::Subject)
                            .string_len(100)
                            .not_null(),
                    )
                    .col(ColumnDef::new(SecretReveals::Secret).text().not_null())
                    .col(
                        ColumnDef::new(SecretReveals::ExpiresAt)
                            .big_integer()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            SecretReveals::Table.into_iden(),
            Routings::Table.into_iden(),
            Channels::Table.into_iden(),
            Projects::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
