//! Notes on a file: written by coaches, private to them or shared with the person,
//! taken back by their author, read page by page (each read audited).

use super::*;

impl App {
    /// A coach writes a note on the file, private to coaches or shared with the person.
    pub async fn add_note(
        &self,
        actor: &Actor,
        person_id: Uuid,
        body: &str,
        visibility: &str,
    ) -> Result<Uuid, AppError> {
        let person = self
            .authorize_person(
                actor,
                person_id,
                Action::WriteNotes,
                audit_action::NOTES_ACCESS_DENIED,
            )
            .await?;
        let body = checked_text("body", body, MAX_NOTE)?;
        let visibility: NoteVisibility = visibility
            .parse()
            .map_err(|_| AppError::invalid("visibility", "invalid"))?;
        let now = self.now();
        let txn = self.change(actor).await?;
        let id = notes::insert(
            &txn,
            actor.tenant(),
            person.id,
            actor.user_id,
            visibility,
            &body,
            now,
        )
        .await?;
        txn.commit(Audit::of(audit_action::NOTE_WRITTEN, person.id))
            .await?;
        Ok(id)
    }

    /// Its author takes a note back.
    pub async fn delete_note(
        &self,
        actor: &Actor,
        person_id: Uuid,
        note_id: Uuid,
    ) -> Result<(), AppError> {
        let person = self
            .authorize_person(
                actor,
                person_id,
                Action::WriteNotes,
                audit_action::NOTES_ACCESS_DENIED,
            )
            .await?;
        let scope = actor.tenant();
        let Some(note) = notes::find(self.db(), scope, note_id).await? else {
            return Err(AppError::NotFound);
        };
        if note.person_id != person.id {
            return Err(AppError::NotFound);
        }
        if note.author_id != actor.user_id {
            return Err(AppError::Forbidden);
        }
        let _now = self.now();
        let txn = self.change(actor).await?;
        notes::delete(&txn, scope, note.id).await?;
        txn.commit(Audit::of(audit_action::NOTE_DELETED, person.id))
            .await?;
        Ok(())
    }

    /// The notes a reader may see: all of them for a coach, the shared ones for the
    /// person and for managers.
    pub async fn notes(
        &self,
        actor: &Actor,
        person_id: Uuid,
    ) -> Result<(Person, Vec<NoteView>), AppError> {
        let all = self.notes_window(actor, person_id, None).await?;
        Ok((all.person, all.notes))
    }

    /// Page `page` (from 1) of the notes a reader may see, newest first; a page past
    /// the last (notes deleted meanwhile, or a hand-made address) is the last.
    pub async fn notes_page(
        &self,
        actor: &Actor,
        person_id: Uuid,
        page: u64,
    ) -> Result<NotesPage, AppError> {
        self.notes_window(actor, person_id, Some(page)).await
    }

    /// The notes of a person, page `page` or all of them (as one page); each read
    /// audited.
    async fn notes_window(
        &self,
        actor: &Actor,
        person_id: Uuid,
        page: Option<u64>,
    ) -> Result<NotesPage, AppError> {
        let person = self
            .authorize_person(
                actor,
                person_id,
                Action::ReadPersonFile,
                audit_action::NOTES_ACCESS_DENIED,
            )
            .await?;
        let scope = actor.tenant();
        let all = allows(actor.role, Action::WriteNotes, relation_to(actor, &person));
        let txn = self.change(actor).await?;
        let writer = all.then_some(actor.user_id);
        let (notes, total, page, pages) = match page {
            None => {
                let notes = note_views(&txn, scope, person.id, all, writer, None).await?;
                let total = notes.len() as u64;
                (notes, total, 1, 1)
            }
            Some(page) => {
                let total = notes::count_of_person(&txn, scope, person.id, !all).await?;
                let pages = total.div_ceil(NOTES_PER_PAGE).max(1);
                let page = page.clamp(1, pages);
                let window = Some(((page - 1) * NOTES_PER_PAGE, NOTES_PER_PAGE));
                let notes = note_views(&txn, scope, person.id, all, writer, window).await?;
                (notes, total, page, pages)
            }
        };
        txn.commit(Audit::of(audit_action::NOTES_READ, person.id))
            .await?;
        Ok(NotesPage {
            is_self: relation_to(actor, &person).is_self,
            person,
            notes,
            total,
            page,
            pages,
        })
    }
}
