use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "programme_states")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub programme_id: Uuid,
    pub tenant_id: Uuid,
    pub status: String,
    pub updated_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
