//! Runs every test vector in tests/vectors/ through the verifier (one check function; the
//! format of a vector file is in tests/vectors/README.md).

use std::collections::BTreeMap;
use std::path::Path;
use tessera_core::keys::from_hex;
use tessera_core::{Reason, StatusList, TrustList};
use tessera_verifier::{Policy, StalePolicy, Verifier};

fn fields(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect()
}

fn hex(s: &str) -> Vec<u8> {
    (0..s.len() / 2)
        .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).expect("hex"))
        .collect()
}

fn dir() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/vectors"))
}

fn trust() -> TrustList {
    let t = fields(&std::fs::read_to_string(dir().join("trust.txt")).unwrap());
    let root =
        ed25519_dalek::VerifyingKey::from_bytes(&from_hex::<32>(&t["root"]).unwrap()).unwrap();
    TrustList::from_signed(&hex(&t["trust-list"]), &root).unwrap()
}

/// Checks one vector; returns a description of the mismatch, if any.
fn check(name: &str, text: &str, trust: &TrustList) -> Option<String> {
    let f = fields(text);
    let now: u64 = f["now"].parse().unwrap();
    let policy = Policy {
        counter_code: f.get("counter-code").cloned(),
        stale: if f.get("stale-policy").map(String::as_str) == Some("fail") {
            StalePolicy::Fail
        } else {
            StalePolicy::Warn
        },
        ..Policy::default()
    };
    let mut v = Verifier::new(trust.clone(), policy);
    if let Some(sl) = f.get("status-list") {
        v.add_status_list(StatusList::from_signed(&hex(sl), trust).unwrap());
    }
    let bytes = hex(&f["presentation"]);
    let mut verdict = v.check_bytes(&bytes, now);
    if f.get("scan-twice").map(String::as_str) == Some("yes") {
        if !verdict.is_valid() {
            return Some(format!("{name}: first scan not valid: {verdict:?}"));
        }
        verdict = v.check_bytes(&bytes, now + 1);
    }
    match f["expect"].as_str() {
        "valid" => {
            if !verdict.is_valid() {
                return Some(format!("{name}: expected valid, got {verdict:?}"));
            }
            let got: Vec<&str> = verdict.disclosed().iter().map(|(a, _)| a.name()).collect();
            let want: Vec<&str> = f["disclosed"].split(',').collect();
            (got != want).then(|| format!("{name}: disclosed {got:?}, expected {want:?}"))
        }
        "invalid" => {
            let want = Reason::from_code(&f["reason"]).expect("known reason code");
            (verdict.reason() != Some(want))
                .then(|| format!("{name}: expected {want}, got {:?}", verdict.reason()))
        }
        other => Some(format!("{name}: unknown expectation {other:?}")),
    }
}

#[test]
fn every_vector_gives_its_expected_verdict() {
    let trust = trust();
    let mut seen = 0;
    let mut failures = Vec::new();
    let mut reasons = std::collections::BTreeSet::new();
    for entry in std::fs::read_dir(dir()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("vec") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if let Some(r) = fields(&text).get("reason") {
            reasons.insert(r.clone());
        }
        failures.extend(check(&name, &text, &trust));
        seen += 1;
    }
    assert!(failures.is_empty(), "{failures:#?}");
    assert!(seen >= 20, "only {seen} vectors found");
    // Every verdict reason has at least one vector.
    for r in Reason::ALL {
        assert!(reasons.contains(r.code()), "no vector for reason {r}");
    }
}

#[test]
fn the_checker_can_fail() {
    // A valid vector checked against the wrong expectation must be reported.
    let text = std::fs::read_to_string(dir().join("valid-age18.vec")).unwrap();
    let wrong = text.replace("expect: valid", "expect: invalid\nreason: expired");
    assert!(check("x", &wrong, &trust()).is_some());
}
