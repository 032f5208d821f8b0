use sea_orm::entity::prelude::*;

/// A freshly generated secret (signing secret, API token) waiting to be shown
/// once to a browser that posted its form without JavaScript and so followed
/// a redirect instead of reading the answer.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "secret_reveals")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub token: String,
    /// What the secret belongs to, e.g. `channel:<id>` or `token:<id>`.
    pub subject: String,
    pub secret: String,
    pub expires_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
