//! Reference data (ROME catalog, communes, tension): importing a release and serving
//! the active one. A release that fails to load changes nothing.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use parcours_catalog::{Catalog, CatalogVersion, Counts, LoadError};
use parcours_db::repo::installation::reference::{self, ActiveCatalog};

use crate::unit_of_work::Bookkeeping;
use crate::{App, AppError};

#[derive(Debug, Clone)]
pub struct ImportReport {
    pub dir: PathBuf,
    pub version: CatalogVersion,
    pub counts: Counts,
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{0}")]
    Load(#[from] LoadError),
    #[error(transparent)]
    App(#[from] AppError),
}

impl App {
    /// The active catalog, if reference data is loaded.
    pub fn catalog(&self) -> Option<Arc<Catalog>> {
        self.inner.catalog.read().ok().and_then(|c| c.clone())
    }

    /// Loads a reference release from `dir`, records it as the active one and serves
    /// it. On any error the previous catalog stays active, in memory and in the database.
    pub async fn import_reference(&self, dir: &Path) -> Result<ImportReport, ImportError> {
        let owned = dir.to_path_buf();
        let catalog = tokio::task::spawn_blocking(move || parcours_catalog::load(&owned))
            .await
            .map_err(|e| AppError::Internal(format!("loading task: {e}")))??;
        let counts = catalog.counts();
        let record = ActiveCatalog {
            rome_version: catalog.version.number.clone(),
            published: catalog.version.published.clone(),
            fiches: i32::try_from(counts.fiches).unwrap_or(i32::MAX),
            appellations: i32::try_from(counts.appellations).unwrap_or(i32::MAX),
            loaded_at: self.now(),
        };
        let txn = self.bookkeeping(Bookkeeping::Reference).await?;
        reference::activate(&txn, &record)
            .await
            .map_err(AppError::from)?;
        txn.commit().await?;
        let version = catalog.version.clone();
        if let Ok(mut slot) = self.inner.catalog.write() {
            *slot = Some(Arc::new(catalog));
        }
        Ok(ImportReport {
            dir: dir.to_path_buf(),
            version,
            counts,
        })
    }

    /// The release recorded as active in the database.
    pub async fn active_reference(&self) -> Result<Option<ActiveCatalog>, AppError> {
        Ok(reference::active(self.db()).await?)
    }
}
