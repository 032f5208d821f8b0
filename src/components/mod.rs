//! Building blocks shared by the pages.
pub mod channel_form;
pub mod conditions;
pub mod form;
pub mod pager;
pub mod settings_layout;
pub mod template_editor;
pub mod test_result;
pub mod time;

pub use form::{action_error, FieldError, FormAlert};
pub use settings_layout::{
    use_is_admin, use_project_name, AdminOnly, MemberOnly, SettingsLayout, SettingsTab,
};
pub use time::format_time;
