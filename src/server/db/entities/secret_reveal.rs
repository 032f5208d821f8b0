use sea_orm::entity::prelude::*;

/// A freshly generated secret waiting to be shown once to a browser that
/// posted its form without JavaScript (and so followed a redirect).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "secret_reveals")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub token: String,
    pub channel_id: String,
    pub secret: String,
    pub expires_at: i64,
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

impl ActiveModelBehavior for ActiveModel {}
