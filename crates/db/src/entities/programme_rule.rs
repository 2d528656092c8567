use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "programme_rules")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub programme_id: Uuid,
    pub tenant_id: Uuid,
    pub co_pilots: Option<String>,
    pub departements: String,
    pub publics: String,
    pub min_age: Option<i32>,
    pub max_age: Option<i32>,
    pub starts_on: Option<String>,
    pub ends_on: Option<String>,
    pub updated_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
