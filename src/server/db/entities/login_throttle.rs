use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "login_throttles")]
pub struct Model {
    /// `user:<username>` or `addr:<address>`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub key: String,
    /// Failed sign-ins since `window_started_at`.
    pub failures: i32,
    pub window_started_at: i64,
    /// No sign-in is tried for this key before then.
    pub locked_until: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
