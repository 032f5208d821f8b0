//! `herald admin …`: account chores from the command line, against the same
//! database the server uses (`DATABASE_URL` / `HERALD_DATA_DIR`).
use super::Config;
use crate::api::AppError;
use crate::domain::accounts;
use std::io::Read;

pub const USAGE: &str = "usage:
  herald admin create-user <username> --password-stdin [--instance-admin]
  herald admin set-password <username> --password-stdin

The password is read from standard input (one line), e.g.
  printf '%s\\n' \"$PASSWORD\" | herald admin create-user mira --password-stdin --instance-admin";

/// A refusal of the command line itself (exit status 2), or a failure.
pub enum AdminError {
    Usage(String),
    Failed(anyhow::Error),
}

impl From<anyhow::Error> for AdminError {
    fn from(e: anyhow::Error) -> Self {
        AdminError::Failed(e)
    }
}

/// Runs `herald admin <args>`; prints what it did.
pub async fn run(args: &[&str]) -> Result<(), AdminError> {
    match args {
        ["create-user", rest @ ..] => {
            let (username, flags) = username_and_flags(rest)?;
            let instance_admin = take_flags(flags, &["--password-stdin", "--instance-admin"])?
                .contains(&"--instance-admin");
            let username = accounts::username(username)
                .map_err(|m| AdminError::Usage(format!("username: {m}")))?;
            let password = password_from_stdin()?;
            let db = open().await?;
            let hash = super::auth::password::hash(password).await?;
            super::store::users::create(&db, &username, hash, instance_admin)
                .await
                .map_err(|e| failed(e, "create the user"))?;
            println!(
                "created user {username}{}",
                if instance_admin {
                    " (instance admin)"
                } else {
                    ""
                }
            );
            Ok(())
        }
        ["set-password", rest @ ..] => {
            let (username, flags) = username_and_flags(rest)?;
            take_flags(flags, &["--password-stdin"])?;
            let username = username.trim().to_lowercase();
            let password = password_from_stdin()?;
            let db = open().await?;
            let hash = super::auth::password::hash(password).await?;
            super::store::users::set_password_by_name(&db, &username, hash)
                .await
                .map_err(|e| failed(e, "set the password"))?;
            println!("set the password of {username}; their sessions were ended");
            Ok(())
        }
        _ => Err(AdminError::Usage(String::new())),
    }
}

fn username_and_flags<'a>(rest: &'a [&'a str]) -> Result<(&'a str, &'a [&'a str]), AdminError> {
    match rest {
        [username, flags @ ..] if !username.starts_with("--") => Ok((username, flags)),
        _ => Err(AdminError::Usage("name the user".into())),
    }
}

/// Checks that every flag is known and `--password-stdin` is given.
fn take_flags<'a>(flags: &'a [&'a str], known: &[&str]) -> Result<&'a [&'a str], AdminError> {
    if let Some(unknown) = flags.iter().find(|f| !known.contains(f)) {
        return Err(AdminError::Usage(format!("unknown option {unknown}")));
    }
    if !flags.contains(&"--password-stdin") {
        // Passwords never go on the command line, where `ps` and shell
        // history would keep them.
        return Err(AdminError::Usage(
            "--password-stdin is required: pipe the password in".into(),
        ));
    }
    Ok(flags)
}

fn password_from_stdin() -> Result<String, AdminError> {
    let mut input = String::new();
    std::io::stdin()
        .read_to_string(&mut input)
        .map_err(|e| AdminError::Failed(anyhow::anyhow!("cannot read the password: {e}")))?;
    let password = input
        .strip_suffix('\n')
        .map(|p| p.strip_suffix('\r').unwrap_or(p))
        .unwrap_or(&input);
    accounts::new_password(password).map_err(|m| AdminError::Usage(format!("password: {m}")))
}

async fn open() -> Result<sea_orm::DatabaseConnection, AdminError> {
    let config = Config::from_env()?;
    config.prepare()?;
    super::db::connect(&config.database_url)
        .await
        .map_err(|e| AdminError::Failed(anyhow::anyhow!("cannot open database: {e}")))
}

fn failed(e: AppError, doing: &str) -> AdminError {
    let message = match &e {
        AppError::Invalid(errors) => errors
            .0
            .iter()
            .map(|f| f.message.clone())
            .collect::<Vec<_>>()
            .join(" "),
        other => other.to_string(),
    };
    AdminError::Failed(anyhow::anyhow!("cannot {doing}: {message}"))
}
