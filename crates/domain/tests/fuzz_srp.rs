//! Property tests over the SRP entry points that read client (or sealed)
//! input: `SRP_A`, the sealed round-1 state, the round-2 claim, `SALT`,
//! `TIMESTAMP` and `SECRET_HASH`. No input panics; malformed input is refused.
//! The modular arithmetic is slow in debug builds, so case counts are small.

use proptest::prelude::*;
use userpools_domain::srp::{
    self, compute_verifier, parse_timestamp, verify_secret_hash, Salt, ServerChallenge, Verifier,
};

const POOL: &str = "us-east-1_AbC123xyz";

fn verifier() -> Verifier {
    compute_verifier(
        POOL,
        "user",
        "Passw0rd!",
        &Salt::from_hex("c0ffee").unwrap(),
    )
}

/// Hex digits, sometimes with stray characters, up to a little over 3072 bits.
fn srp_a_text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[0-9a-fA-F]{0,800}",
        "[0-9a-fA-F]{760,780}",
        "0{0,800}",
        "[0-9a-fA-F ]{0,40}[g-z+\\-x]{0,3}",
        "\\PC{0,40}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn srp_a_is_checked_never_trusted(srp_a in srp_a_text()) {
        if let Ok(challenge) = srp::start(&verifier(), &srp_a) {
            let b = challenge.srp_b_hex();
            prop_assert!(!b.is_empty() && b.len() <= 768);
            // The state survives its own round trip.
            prop_assert!(ServerChallenge::from_state_bytes(&challenge.to_state_bytes()).is_ok());
        }
    }

    #[test]
    fn claims_are_checked_never_trusted(
        srp_a in "[1-9a-f][0-9a-f]{0,300}",
        secret_block in proptest::collection::vec(any::<u8>(), 0..64),
        timestamp in "\\PC{0,40}",
        signature in prop_oneof!["[A-Za-z0-9+/=]{0,60}", "\\PC{0,50}"],
        user in "\\PC{0,20}",
    ) {
        let challenge = srp::start(&verifier(), &srp_a).unwrap();
        prop_assert!(!srp::verify_signature(&challenge, POOL, &user, &secret_block, &timestamp, &signature));
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn state_bytes_are_revalidated(bytes in proptest::collection::vec(any::<u8>(), 0..1300)) {
        let _ = ServerChallenge::from_state_bytes(&bytes);
    }

    #[test]
    fn mutated_state_bytes_never_panic(
        b_len in prop_oneof![Just(32u16), Just(384), any::<u16>()],
        fill in any::<u8>(),
        cut in 0usize..1300,
    ) {
        let mut bytes = vec![1u8];
        bytes.extend_from_slice(&b_len.to_be_bytes());
        bytes.resize(3 + usize::from(b_len) + 3 * 384, fill);
        let _ = ServerChallenge::from_state_bytes(&bytes);
        bytes.truncate(cut);
        let _ = ServerChallenge::from_state_bytes(&bytes);
    }

    #[test]
    fn salts_parse_or_are_refused(text in prop_oneof!["[0-9a-fA-F]{0,80}", "\\PC{0,40}"]) {
        if let Ok(salt) = Salt::from_hex(&text) {
            let again = Salt::from_hex(&salt.to_min_hex()).or_else(|_| Salt::from_hex("0"));
            prop_assert_eq!(again.unwrap(), salt);
        }
    }

    #[test]
    fn timestamps_and_secret_hashes_never_panic(
        timestamp in prop_oneof!["[A-Za-z]{3} [A-Za-z]{3} [0-9]{1,2} [0-9:]{8} UTC [0-9]{4}", "\\PC{0,40}"],
        secret_hash in prop_oneof!["[A-Za-z0-9+/=]{0,60}", "\\PC{0,50}"],
        username in "\\PC{0,20}",
    ) {
        let _ = parse_timestamp(&timestamp);
        let _ = verify_secret_hash("client-secret", &username, "client-id", &secret_hash);
    }
}
