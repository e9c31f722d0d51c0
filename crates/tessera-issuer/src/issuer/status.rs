//! Revocation and suspension marks, and the status lists made from them.

use super::*;

/// What to do with a credential's status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StatusAction {
    /// Permanently invalid.
    Revoke,
    /// Invalid until reinstated.
    Suspend,
    /// Valid again after a suspension.
    Reinstate,
    /// Valid again after a revocation made by mistake.
    UndoRevocation,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Mark {
    Revoked,
    Suspended,
}

/// The `n` ids that follow `first`, moving to the next list when one is full.
pub(crate) fn ids_from(first: StatusRef, count: u32, list_size: u32) -> Vec<StatusRef> {
    let mut out = Vec::with_capacity(count as usize);
    let mut id = first;
    for _ in 0..count {
        if id.index >= list_size {
            id = StatusRef {
                list: id.list + 1,
                index: 0,
            };
        }
        out.push(id);
        id.index += 1;
    }
    out
}

impl Issuer {
    pub(crate) fn save_marks(&self) -> Result<(), Error> {
        let path = self.dir.join(STATUS_FILE);
        let raw: BTreeMap<String, Mark> = self
            .marks
            .iter()
            .map(|(k, v)| (k.to_string(), *v))
            .collect();
        let mut json = serde_json::to_vec_pretty(&raw).map_err(|e| Error::BadState {
            path: path.clone(),
            reason: e.to_string(),
        })?;
        json.push(b'\n');
        write_atomic(&path, &json, PUBLIC_MODE).map_err(io(&path))
    }

    /// Changes the status of credentials. Revocation is permanent except through
    /// [`StatusAction::UndoRevocation`]; suspending or reinstating a revoked credential is
    /// an error. Takes effect at the next [`Issuer::publish`].
    pub fn set_status(&mut self, ids: &[StatusRef], action: StatusAction) -> Result<(), Error> {
        let next = self.next_id();
        for &id in ids {
            if !self.is_allocated(id)? {
                return Err(Error::NotIssued { id, next });
            }
            let current = self.marks.get(&id).copied();
            match (action, current) {
                (StatusAction::Revoke, _) => {
                    self.marks.insert(id, Mark::Revoked);
                }
                (_, Some(Mark::Revoked)) if action != StatusAction::UndoRevocation => {
                    return Err(Error::Revoked(id));
                }
                (StatusAction::Suspend, _) => {
                    self.marks.insert(id, Mark::Suspended);
                }
                (StatusAction::Reinstate | StatusAction::UndoRevocation, _) => {
                    self.marks.remove(&id);
                }
            }
        }
        self.save_marks()
    }

    /// The status a credential will have in the next published list.
    pub fn status_of(&self, id: StatusRef) -> Status {
        match self.marks.get(&id) {
            None => Status::Valid,
            Some(Mark::Revoked) => Status::Revoked,
            Some(Mark::Suspended) => Status::Suspended,
        }
    }

    /// Status list number `list` as it would be published (unsigned).
    pub fn status_list(&self, list: u32, now: UnixTime, ttl: u64) -> Result<StatusList, Error> {
        let mut l = StatusList::new(
            &self.state.issuer_id,
            list,
            self.state.status_bits,
            self.state.list_size,
            now,
            ttl,
        );
        let from = StatusRef { list, index: 0 };
        let to = StatusRef {
            list,
            index: u32::MAX,
        };
        for (id, mark) in self.marks.range(from..=to) {
            let status = match mark {
                Mark::Revoked => Status::Revoked,
                Mark::Suspended => Status::Suspended,
            };
            l.set(id.index, status)
                .map_err(|e| Error::Invalid(format!("credential {id}: {e}")))?;
        }
        Ok(l)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_roll_over_to_the_next_list() {
        let ids = ids_from(StatusRef { list: 0, index: 2 }, 4, 3);
        let s: Vec<String> = ids.iter().map(ToString::to_string).collect();
        assert_eq!(s, ["0-2", "1-0", "1-1", "1-2"]);
    }
}
