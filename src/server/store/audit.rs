//! The audit log: who changed what in a project, and when. Entries are
//! written in the same transaction as the change they describe.
use crate::api::audit::{AuditEntry, AuditPage};
use crate::api::AppError;
use crate::domain::accounts::AuditAction;
use crate::server::access::ProjectAccess;
use crate::server::db::entities::audit_event;
use crate::server::ids::{new_id, now_ms};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect,
};

pub const PAGE_SIZE: u64 = 50;

/// Records that the caller of `access` did `action` to a subject.
pub async fn record<C: ConnectionTrait>(
    db: &C,
    access: &ProjectAccess,
    action: AuditAction,
    subject_id: Option<&str>,
    subject_name: &str,
    detail: Option<String>,
) -> Result<(), AppError> {
    audit_event::Entity::insert(audit_event::ActiveModel {
        id: Set(new_id()),
        project_id: Set(access.project.id.clone()),
        actor_id: Set(Some(access.caller.user_id.clone())),
        actor_name: Set(access.caller.username.clone()),
        action: Set(action.as_str().to_string()),
        subject_kind: Set(action.subject_kind().to_string()),
        subject_id: Set(subject_id.map(str::to_string)),
        subject_name: Set(subject_name.to_string()),
        detail: Set(detail),
        created_at: Set(now_ms()),
    })
    .exec(db)
    .await?;
    Ok(())
}

/// One page of a project's log, newest first.
pub async fn list<C: ConnectionTrait>(
    db: &C,
    project_id: &str,
    page: u64,
) -> Result<AuditPage, AppError> {
    let base = audit_event::Entity::find().filter(audit_event::Column::ProjectId.eq(project_id));
    let total = base.clone().count(db).await?;
    let pages = total.div_ceil(PAGE_SIZE).max(1);
    let page = page.clamp(1, pages);
    let rows = base
        .order_by_desc(audit_event::Column::CreatedAt)
        .order_by_desc(audit_event::Column::Id)
        .offset((page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE)
        .all(db)
        .await?;
    Ok(AuditPage {
        entries: rows
            .into_iter()
            .filter_map(|r| {
                Some(AuditEntry {
                    action: AuditAction::parse(&r.action)?,
                    actor: r.actor_name,
                    actor_deleted: r.actor_id.is_none(),
                    subject: r.subject_name,
                    detail: r.detail,
                    at: r.created_at,
                    id: r.id,
                })
            })
            .collect(),
        page,
        pages,
        total,
    })
}
