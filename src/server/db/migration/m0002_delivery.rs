//! API tokens, events, deliveries and their attempts: the outbox.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Projects {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Channels {
    Table,
    Id,
    FailingSince,
    ConsecutiveFailures,
}

#[derive(DeriveIden)]
enum ApiTokens {
    Table,
    Id,
    ProjectId,
    Name,
    TokenHash,
    Prefix,
    CreatedAt,
    LastUsedAt,
    RevokedAt,
}

#[derive(DeriveIden)]
enum Events {
    Table,
    Id,
    ProjectId,
    EventType,
    Data,
    IdempotencyKey,
    Deliveries,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Deliveries {
    Table,
    Id,
    ProjectId,
    EventId,
    ChannelId,
    RoutingId,
    EventType,
    Payload,
    Status,
    Attempts,
    RoundAttempts,
    NextAttemptAt,
    LeaseId,
    LeaseUntil,
    LastStatusCode,
    LastError,
    CreatedAt,
    UpdatedAt,
    CompletedAt,
}

#[derive(DeriveIden)]
enum Attempts {
    Table,
    Id,
    DeliveryId,
    AttemptNo,
    StartedAt,
    DurationMs,
    RequestHeaders,
    ResponseStatus,
    ResponseHeaders,
    ResponseBody,
    ErrorKind,
    ErrorMessage,
}

fn id(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col).string_len(36).not_null().to_owned()
}

fn bigint(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col).big_integer().not_null().to_owned()
}

fn index(name: &str, table: impl IntoIden + 'static, cols: Vec<DynIden>) -> IndexCreateStatement {
    let mut idx = Index::create();
    idx.name(name).table(table);
    for c in cols {
        idx.col(c);
    }
    idx.to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Health of a channel: since when it fails without a success.
        manager
            .alter_table(
                Table::alter()
                    .table(Channels::Table)
                    .add_column(ColumnDef::new(Channels::FailingSince).big_integer().null())
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Channels::Table)
                    .add_column(
                        ColumnDef::new(Channels::ConsecutiveFailures)
                            .integer()
                            .not_null()
                            .default(0),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ApiTokens::Table)
                    .col(id(ApiTokens::Id).primary_key())
                    .col(id(ApiTokens::ProjectId))
                    .col(ColumnDef::new(ApiTokens::Name).string_len(400).not_null())
                    .col(
                        ColumnDef::new(ApiTokens::TokenHash)
                            .string_len(64)
                            .not_null()
                            .unique_key(),
                    )
                    .col(ColumnDef::new(ApiTokens::Prefix).string_len(32).not_null())
                    .col(bigint(ApiTokens::CreatedAt))
                    .col(ColumnDef::new(ApiTokens::LastUsedAt).big_integer().null())
                    .col(ColumnDef::new(ApiTokens::RevokedAt).big_integer().null())
                    .foreign_key(
                        ForeignKey::create()
                            .from(ApiTokens::Table, ApiTokens::ProjectId)
                            .to(Projects::Table, Projects::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Events::Table)
                    .col(id(Events::Id).primary_key())
                    .col(id(Events::ProjectId))
                    .col(ColumnDef::new(Events::EventType).string_len(64).not_null())
                    .col(ColumnDef::new(Events::Data).text().not_null())
                    .col(
                        ColumnDef::new(Events::IdempotencyKey)
                            .string_len(255)
                            .null(),
                    )
                    .col(ColumnDef::new(Events::Deliveries).integer().not_null())
                    .col(bigint(Events::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Events::Table, Events::ProjectId)
                            .to(Projects::Table, Projects::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index(
                    "events_project_idempotency_key",
                    Events::Table,
                    vec![
                        Events::ProjectId.into_iden(),
                        Events::IdempotencyKey.into_iden(),
                    ],
                )
                .unique()
                .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Deliveries::Table)
                    .col(id(Deliveries::Id).primary_key())
                    .col(id(Deliveries::ProjectId))
                    .col(id(Deliveries::EventId))
                    .col(id(Deliveries::ChannelId))
                    .col(ColumnDef::new(Deliveries::RoutingId).string_len(36).null())
                    .col(
                        ColumnDef::new(Deliveries::EventType)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(ColumnDef::new(Deliveries::Payload).text().not_null())
                    .col(ColumnDef::new(Deliveries::Status).string_len(16).not_null())
                    .col(ColumnDef::new(Deliveries::Attempts).integer().not_null())
                    .col(
                        ColumnDef::new(Deliveries::RoundAttempts)
                            .integer()
                            .not_null(),
                    )
                    .col(bigint(Deliveries::NextAttemptAt))
                    .col(ColumnDef::new(Deliveries::LeaseId).string_len(36).null())
                    .col(ColumnDef::new(Deliveries::LeaseUntil).big_integer().null())
                    .col(ColumnDef::new(Deliveries::LastStatusCode).integer().null())
                    .col(ColumnDef::new(Deliveries::LastError).text().null())
                    .col(bigint(Deliveries::CreatedAt))
                    .col(bigint(Deliveries::UpdatedAt))
                    .col(ColumnDef::new(Deliveries::CompletedAt).big_integer().null())
                    .foreign_key(
                        ForeignKey::create()
                            .from(Deliveries::Table, Deliveries::EventId)
                            .to(Events::Table, Events::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Deliveries::Table, Deliveries::ChannelId)
                            .to(Channels::Table, Channels::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Deliveries::Table, Deliveries::ProjectId)
                            .to(Projects::Table, Projects::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // The dispatcher's claim query: due pending work, oldest first.
        manager
            .create_index(index(
                "deliveries_due_idx",
                Deliveries::Table,
                vec![
                    Deliveries::Status.into_iden(),
                    Deliveries::NextAttemptAt.into_iden(),
                ],
            ))
            .await?;
        // The Deliveries page: a project's newest first.
        manager
            .create_index(index(
                "deliveries_project_idx",
                Deliveries::Table,
                vec![
                    Deliveries::ProjectId.into_iden(),
                    Deliveries::CreatedAt.into_iden(),
                ],
            ))
            .await?;
        manager
            .create_index(index(
                "deliveries_channel_idx",
                Deliveries::Table,
                vec![
                    Deliveries::ChannelId.into_iden(),
                    Deliveries::CreatedAt.into_iden(),
                ],
            ))
            .await?;
        manager
            .create_index(index(
                "deliveries_event_idx",
                Deliveries::Table,
                vec![Deliveries::EventId.into_iden()],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Attempts::Table)
                    .col(id(Attempts::Id).primary_key())
                    .col(id(Attempts::DeliveryId))
                    .col(ColumnDef::new(Attempts::AttemptNo).integer().not_null())
                    .col(bigint(Attempts::StartedAt))
                    .col(bigint(Attempts::DurationMs))
                    .col(ColumnDef::new(Attempts::RequestHeaders).text().not_null())
                    .col(ColumnDef::new(Attempts::ResponseStatus).integer().null())
                    .col(ColumnDef::new(Attempts::ResponseHeaders).text().null())
                    .col(ColumnDef::new(Attempts::ResponseBody).text().null())
                    .col(ColumnDef::new(Attempts::ErrorKind).string_len(32).null())
                    .col(ColumnDef::new(Attempts::ErrorMessage).text().null())
                    .foreign_key(
                        ForeignKey::create()
                            .from(Attempts::Table, Attempts::DeliveryId)
                            .to(Deliveries::Table, Deliveries::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "attempts_delivery_idx",
                Attempts::Table,
                vec![
                    Attempts::DeliveryId.into_iden(),
                    Attempts::AttemptNo.into_iden(),
                ],
            ))
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Attempts::Table.into_iden(),
            Deliveries::Table.into_iden(),
            Events::Table.into_iden(),
            ApiTokens::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        for col in [
            Channels::FailingSince.into_iden(),
            Channels::ConsecutiveFailures.into_iden(),
        ] {
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
