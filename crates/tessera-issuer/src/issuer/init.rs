//! Making a new issuer folder: its options, keys and first trust list.

use super::keys::{point_links, write_key_pair};
use super::*;

/// Settings for [`init`].
#[derive(Clone, Debug)]
pub struct InitOptions {
    /// Short issuer identifier, as in the trust list and status lists.
    pub issuer_id: String,
    /// Name shown to people.
    pub name: String,
    /// Replace an existing issuer folder.
    pub force: bool,
    /// Now (default: the system clock).
    pub now: Option<UnixTime>,
    /// Seal the secret keys with this passphrase.
    pub passphrase: Option<Passphrase>,
    /// Argon2id cost for sealed keys.
    pub kdf: KdfParams,
    /// Entries per status list; a new list starts when one is full.
    pub list_size: u32,
    /// Status-list time-to-live in seconds (how long a verifier may use one).
    pub status_ttl: u64,
    /// Trust-list validity in seconds (its next_update is issued_at plus this).
    pub trust_ttl: u64,
    /// Longest credential validity, in days.
    pub max_validity_days: u64,
    /// How long a key may sign, in days; its window is this plus the longest validity.
    pub key_lifetime_days: u64,
}

impl Default for InitOptions {
    fn default() -> Self {
        InitOptions {
            issuer_id: "demo.tessera".into(),
            name: "Demo City ID Office".into(),
            force: false,
            now: None,
            passphrase: None,
            kdf: crate::DEFAULT_KEY_KDF,
            list_size: 1_000_000,
            status_ttl: DAY,
            trust_ttl: 30 * DAY,
            max_validity_days: 3650,
            key_lifetime_days: 3650,
        }
    }
}

/// What [`init`] made.
#[derive(Clone, Debug)]
pub struct InitReport {
    /// The issuer signing key's id.
    pub issuer_kid: [u8; 8],
    /// The root key's public key.
    pub root: VerifyingKey,
    /// The signed trust list written to the folder.
    pub trust_list: PathBuf,
}

/// Creates an issuer folder: an issuer signing key, a trust-list root key, a trust list
/// signed by the root listing the issuer key, and the state files. Refuses to overwrite an
/// issuer folder unless `opts.force`.
pub fn init(dir: &Path, opts: &InitOptions) -> Result<InitReport, Error> {
    let now = opts.now.unwrap_or_else(now_unix);
    if opts.issuer_id.is_empty() || opts.name.is_empty() {
        return Err(Error::BadOption(
            "the issuer id and name must not be empty".into(),
        ));
    }
    if opts.list_size == 0 || opts.max_validity_days == 0 {
        return Err(Error::BadOption(
            "--list-size and --max-validity-days must be at least 1".into(),
        ));
    }
    let existing = [STATE_FILE, ROOT_KEY_FILE, ISSUER_KEY_FILE, KEYS_DIR]
        .iter()
        .any(|f| dir.join(f).symlink_metadata().is_ok());
    if existing && !opts.force {
        return Err(Error::Exists(dir.to_path_buf()));
    }
    fsutil::create_dir(dir, 0o700).map_err(io(dir))?;
    let lock = lock(dir)?;
    if existing {
        let keys = dir.join(KEYS_DIR);
        if keys.exists() {
            fs::remove_dir_all(&keys).map_err(io(&keys))?;
        }
    }
    fsutil::create_dir(&dir.join(KEYS_DIR), 0o700).map_err(io(dir))?;
    let mut rng = OsRng::new();
    let issuer_key = SigningKey::generate(&mut rng);
    let root = SigningKey::generate(&mut rng);
    let pass = opts.passphrase.as_ref();
    let comment = format!("tessera issuer key of {}", opts.issuer_id);
    let kid = write_key_pair(dir, &issuer_key, &comment, pass, opts.kdf)?;
    point_links(dir, &kid)?;
    let root_comment = format!("tessera trust-list root key of {}", opts.issuer_id);
    let rk = dir.join(ROOT_KEY_FILE);
    let text = seal_secret_key(&root, &root_comment, pass, opts.kdf).map_err(|source| {
        Error::SecretKey {
            path: rk.clone(),
            source,
        }
    })?;
    write_atomic(&rk, text.as_bytes(), SECRET_MODE).map_err(io(&rk))?;
    let rp = dir.join(ROOT_PUB_FILE);
    write_atomic(
        &rp,
        public_key_to_text(&root.verifying_key(), &root_comment).as_bytes(),
        PUBLIC_MODE,
    )
    .map_err(io(&rp))?;
    let max_validity = opts.max_validity_days.saturating_mul(DAY);
    let key_lifetime = opts.key_lifetime_days.saturating_mul(DAY);
    let state = State {
        format: 1,
        issuer_id: opts.issuer_id.clone(),
        name: opts.name.clone(),
        doctypes: vec![DOCTYPE_EID.into()],
        status_bits: 2,
        list_size: opts.list_size,
        status_ttl: opts.status_ttl,
        trust_ttl: opts.trust_ttl,
        max_validity,
        key_lifetime,
        trust_sequence: 0,
        next_list: 0,
        next_index: 0,
        signing_kid: kid.clone(),
        keys: vec![KeyRecord {
            kid: kid.clone(),
            public: to_hex(issuer_key.verifying_key().as_bytes()),
            not_before: now.saturating_sub(KEY_BACKDATE),
            not_after: now
                .saturating_add(key_lifetime)
                .saturating_add(max_validity),
            retired_at: None,
            latest_expiry: 0,
            revoked_at: None,
        }],
        pending: None,
        kdf: [opts.kdf.m_cost_kib, opts.kdf.t_cost, opts.kdf.p_cost],
        last_status_issued_at: 0,
    };
    let mut issuer = Issuer {
        dir: dir.to_path_buf(),
        state,
        marks: BTreeMap::new(),
        register: Default::default(),
        passphrase: opts.passphrase.clone(),
        signing: Some(issuer_key.clone()),
        _lock: lock,
    };
    issuer.save_marks()?;
    // A replaced folder's register named the old issuer's status ids: start an empty one.
    if dir.join(REGISTER_FILE).symlink_metadata().is_ok() {
        issuer.save_register()?;
    }
    let trust_list = issuer.resign_trust_list_with(&root, now)?;
    Ok(InitReport {
        issuer_kid: kid_for(&issuer_key.verifying_key()),
        root: root.verifying_key(),
        trust_list,
    })
}
