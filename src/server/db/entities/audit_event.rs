use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_events")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub project_id: String,
    /// None once the user is deleted; `actor_name` keeps who it was.
    pub actor_id: Option<String>,
    pub actor_name: String,
    /// What happened, e.g. `channel.created` (`crate::domain::accounts::AuditAction`).
    pub action: String,
    /// `channel`, `routing`, `token` or `member`.
    pub subject_kind: String,
    pub subject_id: Option<String>,
    /// The subject's name when it happened.
    pub subject_name: String,
    /// What changed, in words.
    pub detail: Option<String>,
    pub created_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
