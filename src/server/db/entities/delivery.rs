use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "deliveries")]
pub struct Model {
    /// Also the message's stable `webhook-id` (prefixed `msg_`).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub project_id: String,
    pub event_id: String,
    pub channel_id: String,
    pub routing_id: Option<String>,
    pub event_type: String,
    /// The exact body POSTed, rendered once so every retry sends the same bytes.
    pub payload: String,
    /// `pending`, `succeeded` or `failed`.
    pub status: String,
    /// Attempts ever made.
    pub attempts: i32,
    /// Attempts since the last (re)delivery; indexes the retry schedule.
    pub round_attempts: i32,
    pub next_attempt_at: i64,
    /// Which dispatcher claim holds the delivery, and until when.
    pub lease_id: Option<String>,
    pub lease_until: Option<i64>,
    pub last_status_code: Option<i32>,
    pub last_error: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub completed_at: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::channel::Entity",
        from = "Column::ChannelId",
        to = "super::channel::Column::Id",
        on_delete = "Cascade"
    )]
    Channel,
}

impl Related<super::channel::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Channel.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
