use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "document_shares")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub person_id: Uuid,
    pub document_id: Uuid,
    pub recipient_name: String,
    pub recipient_email: String,
    #[serde(skip)]
    pub token_hash: String,
    pub consent_text_version: String,
    pub consented_at: i64,
    pub expires_at: i64,
    pub revoked_at: Option<i64>,
    pub downloads: i32,
    pub last_download_at: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
