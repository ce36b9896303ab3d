//! The master key that seals secrets at rest: from configuration, or generated on first start
//! into `<data-dir>/master.key` with owner-only permissions.

use std::fs;
use std::io::Write;
use std::path::Path;

use domain::crypto::MasterKey;

use crate::StartError;
use crate::config::Config;

const FILE: &str = "master.key";

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> StartError + '_ {
    move |source| StartError::DataDir { path: path.display().to_string(), source }
}

/// Creates the data directory (mode 0700) if it is missing.
pub fn ensure_private_dir(dir: &Path) -> Result<(), StartError> {
    if dir.is_dir() {
        return Ok(());
    }
    fs::create_dir_all(dir).map_err(io_err(dir))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(dir, fs::Permissions::from_mode(0o700)).map_err(io_err(dir))?;
    }
    Ok(())
}

pub fn load_or_generate(config: &Config) -> Result<MasterKey, StartError> {
    if let Some(b64) = &config.master_key {
        return Ok(MasterKey::from_base64(b64)?);
    }
    ensure_private_dir(&config.data_dir)?;
    let path = config.data_dir.join(FILE);
    match fs::read_to_string(&path) {
        Ok(text) => {
            refuse_if_shared(&path)?;
            MasterKey::from_base64(&text).map_err(|e| {
                StartError::Config(crate::config::ConfigError(format!("{} is unusable: {e}", path.display())))
            })
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let key = MasterKey::generate();
            let mut opts = fs::OpenOptions::new();
            opts.write(true).create_new(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt;
                opts.mode(0o600);
            }
            let mut file = opts.open(&path).map_err(io_err(&path))?;
            file.write_all(key.to_base64().as_bytes()).map_err(io_err(&path))?;
            file.sync_all().map_err(io_err(&path))?;
            tracing::info!(path = %path.display(), "generated a new master key");
            Ok(key)
        }
        Err(e) => Err(io_err(&path)(e)),
    }
}

/// A key file that other users can read is a key they may already have copied.
fn refuse_if_shared(path: &Path) -> Result<(), StartError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(path).map_err(io_err(path))?.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Err(StartError::Config(crate::config::ConfigError(format!(
                "{} can be read by other users (mode {mode:o}); run chmod 600 on it (and rotate the key if others had access)",
                path.display()
            ))));
        }
    }
    Ok(())
}
