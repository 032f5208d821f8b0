use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "channels")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub project_id: String,
    pub name: String,
    /// Channel type: `webhook`, `slack`, `discord`, `teams` or `email`.
    pub kind: String,
    /// Where HTTP channels POST; `smtp://host:port` for e-mail channels.
    pub url: String,
    /// Custom headers as a JSON array of `[name, value]` pairs.
    pub headers: Json,
    /// Standard Webhooks signing secret, `whsec_<base64>`.
    pub secret: String,
    pub enabled: bool,
    /// Why the channel was disabled automatically, if it was.
    pub disabled_reason: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    /// When the current run of failed deliveries began; None while healthy.
    pub failing_since: Option<i64>,
    pub consecutive_failures: i32,
    /// After a rotation, the old secret (encrypted) keeps signing until then.
    pub previous_secret: Option<String>,
    pub previous_secret_until: Option<i64>,
    /// Per-type settings, JSON (e-mail: SMTP server, sender, recipients;
    /// the password encrypted). `{}` for the others.
    pub config: String,
    /// The user's template (`ChannelTemplate` as JSON); None renders Herald's default.
    pub template: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::project::Entity",
        from = "Column::ProjectId",
        to = "super::project::Column::Id",
        on_delete = "Cascade"
    )]
    Project,
    #[sea_orm(has_many = "super::routing::Entity")]
    Routing,
}

impl Related<super::project::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Project.def()
    }
}

impl Related<super::routing::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Routing.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
