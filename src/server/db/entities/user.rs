use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// Lower case, unique; what a person types to sign in.
    #[sea_orm(unique)]
    pub username: String,
    /// PHC string of an argon2id hash.
    pub password_hash: String,
    /// May see and manage every project and every user.
    pub instance_admin: bool,
    pub created_at: i64,
    pub password_changed_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
