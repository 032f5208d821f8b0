use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "attempts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub delivery_id: String,
    pub attempt_no: i32,
    pub started_at: i64,
    pub duration_ms: i64,
    /// Request headers as sent, secrets masked; JSON `[[name, value], …]`.
    pub request_headers: String,
    pub response_status: Option<i32>,
    pub response_headers: Option<String>,
    /// At most 4 KiB of the response body.
    pub response_body: Option<String>,
    /// `timeout`, `connect`, `blocked`, `tls`, `request` when no response came.
    pub error_kind: Option<String>,
    pub error_message: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
