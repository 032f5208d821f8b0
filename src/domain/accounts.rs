//! Users, roles and the audit log's vocabulary. Pure: the server enforces
//! these rules, the browser only shows them.
use serde::{Deserialize, Serialize};

pub const USERNAME_MIN: usize = 2;
pub const USERNAME_MAX: usize = 64;
pub const PASSWORD_MIN: usize = 10;
/// Long enough for any passphrase, short enough that hashing stays cheap.
pub const PASSWORD_MAX: usize = 256;

/// A user's role in one project.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Role {
    /// Reads settings and deliveries, sends tests.
    Member,
    /// Also changes settings, API tokens and members.
    Admin,
}

impl Role {
    pub const ALL: [Role; 2] = [Role::Admin, Role::Member];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Member => "member",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "admin" => Some(Role::Admin),
            "member" => Some(Role::Member),
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::Admin => "Admin",
            Role::Member => "Member",
        }
    }
}

/// A username: 2–64 characters of lower-case letters, digits, `.`, `_` and
/// `-`, starting with a letter or digit. Stored lower case, so `Mira` and
/// `mira` are one account.
pub fn username(input: &str) -> Result<String, String> {
    let name = input.trim().to_lowercase();
    if name.is_empty() {
        return Err("Enter a username.".into());
    }
    let len = name.chars().count();
    if len < USERNAME_MIN {
        return Err(format!(
            "A username has at least {USERNAME_MIN} characters."
        ));
    }
    if len > USERNAME_MAX {
        return Err(format!(
            "The username is {len} characters long; at most {USERNAME_MAX} are allowed."
        ));
    }
    if !name
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'))
    {
        return Err(
            "Use only letters, digits, dots, underscores and hyphens in a username.".into(),
        );
    }
    if !name.starts_with(|c: char| c.is_ascii_alphanumeric()) {
        return Err("A username starts with a letter or a digit.".into());
    }
    Ok(name)
}

/// A new password: long enough to resist guessing; anything printable goes.
pub fn new_password(input: &str) -> Result<String, String> {
    let len = input.chars().count();
    if len < PASSWORD_MIN {
        return Err(format!(
            "Choose a password of at least {PASSWORD_MIN} characters."
        ));
    }
    if len > PASSWORD_MAX {
        return Err(format!(
            "The password is {len} characters long; at most {PASSWORD_MAX} are allowed."
        ));
    }
    if input.chars().any(char::is_control) {
        return Err("The password may not contain line breaks or control characters.".into());
    }
    if input.trim().is_empty() {
        return Err("The password may not be only spaces.".into());
    }
    Ok(input.to_string())
}

/// What the audit log records.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum AuditAction {
    ChannelCreated,
    ChannelUpdated,
    ChannelEnabled,
    ChannelDisabled,
    ChannelSecretRotated,
    ChannelDeleted,
    RoutingCreated,
    RoutingEnabled,
    RoutingDisabled,
    RoutingDeleted,
    RoutingConditionsChanged,
    TokenCreated,
    TokenRevoked,
    MemberAdded,
    MemberRoleChanged,
    MemberRemoved,
}

impl AuditAction {
    pub const ALL: [AuditAction; 16] = [
        AuditAction::ChannelCreated,
        AuditAction::ChannelUpdated,
        AuditAction::ChannelEnabled,
        AuditAction::ChannelDisabled,
        AuditAction::ChannelSecretRotated,
        AuditAction::ChannelDeleted,
        AuditAction::RoutingCreated,
        AuditAction::RoutingEnabled,
        AuditAction::RoutingDisabled,
        AuditAction::RoutingDeleted,
        AuditAction::RoutingConditionsChanged,
        AuditAction::TokenCreated,
        AuditAction::TokenRevoked,
        AuditAction::MemberAdded,
        AuditAction::MemberRoleChanged,
        AuditAction::MemberRemoved,
    ];

    /// The stored form, `<subject>.<verb>`.
    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::ChannelCreated => "channel.created",
            AuditAction::ChannelUpdated => "channel.updated",
            AuditAction::ChannelEnabled => "channel.enabled",
            AuditAction::ChannelDisabled => "channel.disabled",
            AuditAction::ChannelSecretRotated => "channel.secret_rotated",
            AuditAction::ChannelDeleted => "channel.deleted",
            AuditAction::RoutingCreated => "routing.created",
            AuditAction::RoutingEnabled => "routing.enabled",
            AuditAction::RoutingDisabled => "routing.disabled",
            AuditAction::RoutingDeleted => "routing.deleted",
            AuditAction::RoutingConditionsChanged => "routing.conditions_changed",
            AuditAction::TokenCreated => "token.created",
            AuditAction::TokenRevoked => "token.revoked",
            AuditAction::MemberAdded => "member.added",
            AuditAction::MemberRoleChanged => "member.role_changed",
            AuditAction::MemberRemoved => "member.removed",
        }
    }

    pub fn parse(s: &str) -> Option<AuditAction> {
        AuditAction::ALL.into_iter().find(|a| a.as_str() == s)
    }

    /// `channel`, `routing`, `token` or `member`.
    pub fn subject_kind(self) -> &'static str {
        self.as_str().split('.').next().unwrap_or_default()
    }

    /// The verb phrase of a log line: "<who> <verb> <kind> <subject>".
    pub fn verb(self) -> &'static str {
        match self {
            AuditAction::ChannelCreated
            | AuditAction::RoutingCreated
            | AuditAction::TokenCreated => "created",
            AuditAction::ChannelUpdated => "changed",
            AuditAction::ChannelEnabled | AuditAction::RoutingEnabled => "enabled",
            AuditAction::ChannelDisabled | AuditAction::RoutingDisabled => "disabled",
            AuditAction::ChannelSecretRotated => "rotated the signing secret of",
            AuditAction::RoutingConditionsChanged => "changed the conditions of",
            AuditAction::ChannelDeleted | AuditAction::RoutingDeleted => "deleted",
            AuditAction::TokenRevoked => "revoked",
            AuditAction::MemberAdded => "added",
            AuditAction::MemberRoleChanged => "changed the role of",
            AuditAction::MemberRemoved => "removed",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames() {
        assert_eq!(username("  Mira ").unwrap(), "mira");
        assert_eq!(username("ml-ops.bot_2").unwrap(), "ml-ops.bot_2");
        assert!(username("").unwrap_err().contains("Enter"));
        assert!(username("a").unwrap_err().contains("at least"));
        assert!(username(&"a".repeat(65)).unwrap_err().contains("at most"));
        assert!(username("mira kay").unwrap_err().contains("letters"));
        assert!(username("<img>").is_err());
        assert!(username("-mira").unwrap_err().contains("starts"));
        assert!(username("mïra").is_err());
    }

    #[test]
    fn passwords() {
        assert!(new_password("correct horse").is_ok());
        assert!(new_password("short").unwrap_err().contains("at least 10"));
        assert!(new_password(&"x".repeat(257))
            .unwrap_err()
            .contains("at most"));
        assert!(new_password("line\nbreak!!").is_err());
        assert!(new_password("            ").is_err());
    }

    #[test]
    fn roles_round_trip() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(Role::parse("owner"), None);
    }

    #[test]
    fn audit_actions_round_trip() {
        for action in AuditAction::ALL {
            assert_eq!(AuditAction::parse(action.as_str()), Some(action));
            assert!(["channel", "routing", "token", "member"].contains(&action.subject_kind()));
        }
    }
}
