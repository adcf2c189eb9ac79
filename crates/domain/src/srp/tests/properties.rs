//! Helpers and validation, randomized round trips with the test client, and an ignored
//! micro-benchmark.

use super::*;

// -----------------------------------------------------------------------------------------
// Helpers and validation
// -----------------------------------------------------------------------------------------

#[test]
fn pad_and_hex_helpers() {
    assert_eq!(pad_bytes(&[]), vec![0]);
    assert_eq!(pad_bytes(&[0, 0]), vec![0]);
    assert_eq!(pad_bytes(&[0x7f]), vec![0x7f]);
    assert_eq!(pad_bytes(&[0x80]), vec![0, 0x80]);
    assert_eq!(pad_bytes(&[0, 0, 0x01, 0xff]), vec![0x01, 0xff]);
    assert_eq!(pad_bytes(&[0, 0xff, 0x01]), vec![0, 0xff, 0x01]);
    assert_eq!(pad_hex(&[0x08, 0x9b]), "089b");
    assert_eq!(group::min_hex(&[]), "0");
    assert_eq!(group::min_hex(&[0, 0x08, 0x9b]), "89b");
    assert_eq!(group::min_hex(&[0xab, 0x00]), "ab00");
    // padHex(N) is 0x00 || N.
    assert_eq!(pad_hex(&N.to_be_bytes()), format!("00{}", n_hex_lower()));
    // String padHex and byte padHex agree on random values of random lengths.
    for _ in 0..200 {
        let len = rand::thread_rng().gen_range(1..40);
        let mut b = random_bytes(len);
        if rand::random() {
            b[0] &= 0x0f;
        }
        let h = group::min_hex(&b);
        assert_eq!(pad_hex(&b), client_pad_hex(&h), "{h}");
    }
}

#[test]
fn salts() {
    let s = Salt::from_bytes(&[0, 0, 0x01, 0x02]);
    assert_eq!(s.as_bytes(), &[0x01, 0x02]);
    assert_eq!(s.to_min_hex(), "102");
    assert_eq!(Salt::from_hex("0102").unwrap(), s);
    assert_eq!(Salt::from_hex("102").unwrap(), s);
    assert_eq!(Salt::from_hex("ABCDEF").unwrap().to_min_hex(), "abcdef");
    assert!(Salt::from_hex("").is_err());
    assert!(Salt::from_hex("12g4").is_err());
    assert!(Salt::from_hex("0x12").is_err());
    let mut lens = std::collections::HashSet::new();
    for _ in 0..500 {
        let s = Salt::random();
        assert!(!s.as_bytes().is_empty() && s.as_bytes().len() <= Salt::RANDOM_LEN);
        assert_ne!(s.as_bytes()[0], 0);
        let h = s.to_min_hex();
        assert!(!h.starts_with('0'));
        assert_eq!(Salt::from_hex(&h).unwrap(), s);
        lens.insert(h.len());
    }
    // ~1/16 of random salts have an odd-length hex.
    assert!(lens.contains(&31) && lens.contains(&32), "{lens:?}");
}

#[test]
fn pool_names() {
    assert_eq!(pool_name("us-east-1_AbCdEfGh1"), "AbCdEfGh1");
    assert_eq!(pool_name("eu-west-1_eTHaDFrjR"), "eTHaDFrjR");
    assert_eq!(pool_name("a_b_c"), "b");
    assert_eq!(pool_name("nounderscore"), "");
}

#[test]
fn verifier_parsing() {
    let v = compute_verifier(
        "us-east-1_AbCdEfGh1",
        "alice",
        "pw",
        &Salt::from_bytes(&[7; 16]),
    );
    let mut padded = vec![0u8];
    padded.extend_from_slice(&v.to_bytes());
    assert_eq!(Verifier::from_bytes(&padded).unwrap(), v);
    assert_eq!(Verifier::from_bytes(&pad_bytes(&v.to_bytes())).unwrap(), v);
    assert_eq!(
        Verifier::from_bytes(&[]).unwrap_err(),
        SrpError::InvalidVerifier
    );
    assert_eq!(
        Verifier::from_bytes(&[0; 384]).unwrap_err(),
        SrpError::InvalidVerifier
    );
    assert_eq!(
        Verifier::from_bytes(&N.to_be_bytes()).unwrap_err(),
        SrpError::InvalidVerifier
    );
    assert_eq!(
        Verifier::from_bytes(&[0xff; 384]).unwrap_err(),
        SrpError::InvalidVerifier
    );
    assert_eq!(
        Verifier::from_bytes(&[1; 385]).unwrap_err(),
        SrpError::InvalidVerifier
    );
    assert_eq!(format!("{v:?}"), "Verifier(<redacted>)");
}

#[test]
fn srp_a_validation() {
    let v = compute_verifier("us-east-1_AbCdEfGh1", "alice", "pw", &Salt::random());
    let b = [0x42u8; 32];
    for bad in ["", "xyz", "12 34", "0x1234", "-1", &"1".repeat(769)] {
        assert_eq!(
            start_with_b(&v, bad, &b).unwrap_err(),
            SrpError::InvalidSrpA,
            "{bad:?}"
        );
    }
    let n_hex = n_hex_lower();
    for zero in [
        "0",
        "000",
        &n_hex,
        &n_hex.to_ascii_uppercase(),
        &format!("000{n_hex}"),
    ] {
        assert_eq!(
            start_with_b(&v, zero, &b).unwrap_err(),
            SrpError::IllegalSrpA,
            "{zero:?}"
        );
    }
    // 2N does not fit in 3072 bits: rejected as unparsable.
    let two_n = format!("1{}", hex_of(&N.shl_vartime(1)));
    assert_eq!(
        start_with_b(&v, &two_n, &b).unwrap_err(),
        SrpError::InvalidSrpA
    );
    // A ≥ N (below 2^3072) is reduced: N + 5 behaves like 5.
    let n_plus_5 = hex_of(&N.wrapping_add(&U3072::from_u8(5)));
    let reduced = start_with_b(&v, &n_plus_5, &b).unwrap();
    let five = start_with_b(&v, "5", &b).unwrap();
    assert_eq!(reduced.to_state_bytes(), five.to_state_bytes());
    // Uppercase, leading zeros and odd lengths are accepted.
    let a = "1aBc";
    let s1 = start_with_b(&v, a, &b).unwrap();
    let s2 = start_with_b(&v, "0001ABC", &b).unwrap();
    assert_eq!(s1.to_state_bytes(), s2.to_state_bytes());
    // Secret exponent checks.
    assert_eq!(
        start_with_b(&v, "5", &[0; 32]).unwrap_err(),
        SrpError::InvalidSecretExponent
    );
    assert_eq!(
        start_with_b(&v, "5", &[]).unwrap_err(),
        SrpError::InvalidSecretExponent
    );
    assert_eq!(
        start_with_b(&v, "5", &[1; 385]).unwrap_err(),
        SrpError::InvalidSecretExponent
    );
    // Short b is widened to 256 bits: same as its 32-byte form.
    let short = start_with_b(&v, "5", &[9]).unwrap();
    let mut b32 = [0u8; 32];
    b32[31] = 9;
    let long = start_with_b(&v, "5", &b32).unwrap();
    assert_eq!(short.to_state_bytes(), long.to_state_bytes());
    // B = k·v + g^b with a tiny b, checked against plain arithmetic.
    let expected = group::k_fe()
        .mul(&Fe::new(&v.0))
        .add(&group::g_fe().pow_bounded_exp(&U3072::from_u8(9), 8));
    assert_eq!(short.srp_b_hex(), hex_of(&expected.retrieve()));
}

#[test]
fn state_bytes_validation() {
    let v = compute_verifier("us-east-1_AbCdEfGh1", "alice", "pw", &Salt::random());
    let client = Client::new(&random_bytes(32));
    let state = start(&v, &client.big_a_hex).unwrap();
    let bytes = state.to_state_bytes();
    assert_eq!(bytes.len(), 3 + 32 + 3 * 384);
    assert_eq!(
        ServerChallenge::from_state_bytes(&bytes)
            .unwrap()
            .to_state_bytes(),
        bytes
    );
    assert_eq!(format!("{state:?}"), "ServerChallenge(<redacted>)");
    let err = |b: &[u8]| ServerChallenge::from_state_bytes(b).unwrap_err();
    assert_eq!(err(&[]), SrpError::InvalidState);
    assert_eq!(err(&bytes[..bytes.len() - 1]), SrpError::InvalidState);
    let mut longer = bytes.clone();
    longer.push(0);
    assert_eq!(err(&longer), SrpError::InvalidState);
    let mut bad = bytes.clone();
    bad[0] = 2;
    assert_eq!(err(&bad), SrpError::InvalidState);
    let mut bad = bytes.clone();
    bad[3..35].fill(0); // b = 0
    assert_eq!(err(&bad), SrpError::InvalidState);
    let mut bad = bytes.clone();
    bad[35..35 + 384].fill(0); // A = 0
    assert_eq!(err(&bad), SrpError::InvalidState);
    let mut bad = bytes.clone();
    bad[35 + 384..35 + 768].copy_from_slice(&N.to_be_bytes()); // B = N
    assert_eq!(err(&bad), SrpError::InvalidState);
    let mut bad = bytes.clone();
    bad[35 + 768..].fill(0xff); // v ≥ N
    assert_eq!(err(&bad), SrpError::InvalidState);
    let mut bad = bytes.clone();
    bad[1..3].copy_from_slice(&31u16.to_be_bytes());
    assert_eq!(err(&bad), SrpError::InvalidState);
}

#[test]
fn fake_users_are_stable_and_well_formed() {
    let key = b"server secret key";
    let (s1, id1) = fake_salt_and_user_id(key, "us-east-1_AbCdEfGh1", "ghost");
    let (s2, id2) = fake_salt_and_user_id(key, "us-east-1_AbCdEfGh1", "ghost");
    assert_eq!((&s1, &id1), (&s2, &id2));
    let (s3, id3) = fake_salt_and_user_id(key, "us-east-1_AbCdEfGh1", "ghost2");
    let (s4, id4) = fake_salt_and_user_id(key, "us-east-1_Other1234", "ghost");
    let (s5, id5) = fake_salt_and_user_id(b"another key", "us-east-1_AbCdEfGh1", "ghost");
    for (s, id) in [(&s3, &id3), (&s4, &id4), (&s5, &id5)] {
        assert_ne!(s, &s1);
        assert_ne!(id, &id1);
    }
    // No ambiguity between the pool / username boundary.
    let (sa, _) = fake_salt_and_user_id(key, "us-east-1_Ab", "cd");
    let (sb, _) = fake_salt_and_user_id(key, "us-east-1_Abc", "d");
    assert_ne!(sa, sb);
    for id in [&id1, &id3, &id4, &id5] {
        let b = id.as_bytes();
        assert_eq!(b.len(), 36);
        for (i, c) in b.iter().enumerate() {
            if [8, 13, 18, 23].contains(&i) {
                assert_eq!(*c, b'-');
            } else {
                assert!(c.is_ascii_digit() || (b'a'..=b'f').contains(c), "{id}");
            }
        }
        assert_eq!(b[14], b'4', "{id}");
        assert!(b"89ab".contains(&b[19]), "{id}");
    }
    assert!(s1.as_bytes().len() <= Salt::RANDOM_LEN && !s1.as_bytes().is_empty());
}

// -----------------------------------------------------------------------------------------
// Fixed-base exponentiation and randomized round trips
// -----------------------------------------------------------------------------------------

#[test]
fn fixed_base_pow_equals_plain_pow() {
    let mut exps = vec![
        U256::ZERO,
        U256::ONE,
        U256::from_u8(2),
        U256::from_u8(63),
        U256::from_u8(64),
        U256::MAX,
        U256::ONE.shl_vartime(255),
        U256::MAX.shr_vartime(1),
    ];
    exps.extend((0..24).map(|_| random_u256()));
    for e in &exps {
        let plain = group::g_pow_plain(e, 256).retrieve();
        assert_eq!(group::g_pow_256(e).retrieve(), plain, "e = {e}");
    }
    // g^0 = 1, g^1 = 2.
    assert_eq!(group::g_pow_256(&U256::ZERO).retrieve(), U3072::ONE);
    assert_eq!(group::g_pow_256(&U256::ONE).retrieve(), U3072::from_u8(2));
    // Every window width gives the same answer (including windows that do not divide 256).
    for w in 1..=8 {
        let table = FixedBaseTable::new(group::g_fe(), w);
        for e in exps.iter().take(10) {
            assert_eq!(
                table.pow(e).retrieve(),
                group::g_pow_plain(e, 256).retrieve(),
                "w = {w}"
            );
        }
    }
    // A different base works too (the table is generic).
    let base = Fe::new(&U3072::from_u64(0x1234_5678_9abc_def1));
    let table = FixedBaseTable::new(base, 5);
    let e = random_u256();
    assert_eq!(
        table.pow(&e).retrieve(),
        base.pow_bounded_exp(&e, 256).retrieve()
    );
}

#[test]
fn randomized_round_trips() {
    let mut rng = rand::thread_rng();
    let pools = [
        "us-east-1_AbCdEfGh1",
        "eu-west-1_eTHaDFrjR",
        "ap-south-1_Zz9Yy8Xx7",
    ];
    for i in 0..8 {
        // Salts: MSB set, leading zero byte, odd-length hex, random, fresh.
        let mut salt_bytes = random_bytes(16);
        match i % 5 {
            0 => salt_bytes[0] |= 0x80,
            1 => salt_bytes[0] = 0,
            2 => salt_bytes[0] = (salt_bytes[0] & 0x0f) | 0x08,
            3 => {}
            _ => salt_bytes = Salt::random().as_bytes().to_vec(),
        }
        let salt = Salt::from_bytes(&salt_bytes);
        let pool = pools[i % pools.len()];
        let user = format!("user-{}", rng.gen::<u32>());
        let password = format!("Pässwörd-{}", rng.gen::<u64>());
        let verifier = compute_verifier(pool, &user, &password, &salt);
        assert!(verify_password(pool, &user, &password, &salt, &verifier));

        let a_len = [32, 64, 128][i % 3];
        let client = Client::new(&random_bytes(a_len));
        let state = if i % 4 == 3 {
            // Long chosen b (generic pow path).
            start_with_b(&verifier, &client.big_a_hex, &random_bytes(128)).unwrap()
        } else {
            start(&verifier, &client.big_a_hex).unwrap()
        };
        let state = ServerChallenge::from_state_bytes(&state.to_state_bytes()).unwrap();
        let block = random_bytes(48 + i);
        let block_b64 = BASE64.encode(&block);
        let ts = format_timestamp(
            datetime!(2024-11-05 09:03:04 UTC) + time::Duration::days(i as i64 * 37),
        );
        let salt_hex = salt.to_min_hex();
        let sig = client.signature(
            pool,
            &user,
            &password,
            &salt_hex,
            &state.srp_b_hex(),
            &block_b64,
            &ts,
        );
        assert!(
            verify_signature(&state, pool, &user, &block, &ts, &sig),
            "round trip {i} salt {salt_hex}"
        );
        let wrong = client.signature(
            pool,
            &user,
            &format!("{password}!"),
            &salt_hex,
            &state.srp_b_hex(),
            &block_b64,
            &ts,
        );
        assert!(!verify_signature(&state, pool, &user, &block, &ts, &wrong));
        // A client using a padded salt string (not what we send) would disagree for
        // MSB-set/leading-zero salts; our SALT is minimal so both client styles agree.
        assert_eq!(
            Client::x(pool, &user, &password, &salt_hex),
            compute_x(pool, &user, &password, &salt)
        );
    }
}

// -----------------------------------------------------------------------------------------
// Benchmark (ignored): cargo test --release -p userpools-domain bench_exponentiation -- --ignored --nocapture
// -----------------------------------------------------------------------------------------

fn time_it<T>(label: &str, iters: u32, mut f: impl FnMut() -> T) -> f64 {
    for _ in 0..iters.div_ceil(10) {
        std::hint::black_box(f());
    }
    let start = std::time::Instant::now();
    for _ in 0..iters {
        std::hint::black_box(f());
    }
    let ns = start.elapsed().as_nanos() as f64 / iters as f64;
    println!("{label:<48} {:>12.0} ns/op", ns);
    ns
}

#[test]
#[ignore = "benchmark; run in release with --ignored --nocapture"]
fn bench_exponentiation() {
    let exps: Vec<U256> = (0..64).map(|_| random_u256()).collect();
    let mut i = 0;
    let mut next = || {
        i = (i + 1) % exps.len();
        exps[i]
    };
    let fes: Vec<Fe> = exps.iter().map(group::g_pow_256).collect();
    let mut j = 0;
    time_it("Montgomery mul (3072-bit)", 5000, || {
        j = (j + 1) % fes.len();
        fes[j].mul(&fes[(j + 1) % fes.len()])
    });
    time_it("Montgomery square (3072-bit)", 5000, || {
        j = (j + 1) % fes.len();
        fes[j].square()
    });
    time_it("plain pow_bounded_exp g^x (256-bit x)", 200, || {
        group::g_pow_plain(&next(), 256)
    });
    for w in 4..=8 {
        let t0 = std::time::Instant::now();
        let table = FixedBaseTable::new(group::g_fe(), w);
        let build = t0.elapsed();
        let kib = table_len(&table) * 384 / 1024;
        time_it(
            &format!("fixed-base g^x, w={w} ({kib} KiB, built in {build:?})"),
            500,
            || table.pow(&next()),
        );
    }
    time_it("production g_pow_256", 500, || group::g_pow_256(&next()));
    let salt = Salt::random();
    let verifier = compute_verifier("us-east-1_AbCdEfGh1", "alice", "pw", &salt);
    time_it("compute_verifier", 500, || {
        compute_verifier("us-east-1_AbCdEfGh1", "alice", "pw", &salt)
    });
    time_it("verify_password", 500, || {
        verify_password("us-east-1_AbCdEfGh1", "alice", "pw", &salt, &verifier)
    });
    let client = Client::new(&random_bytes(128));
    time_it("start (round 1, random 256-bit b)", 500, || {
        start(&verifier, &client.big_a_hex).unwrap()
    });
    let state = start(&verifier, &client.big_a_hex).unwrap();
    let block = random_bytes(64);
    let ts = "Tue Nov 5 09:03:04 UTC 2024";
    let sig = client.signature(
        "us-east-1_AbCdEfGh1",
        "alice",
        "pw",
        &salt.to_min_hex(),
        &state.srp_b_hex(),
        &BASE64.encode(&block),
        ts,
    );
    assert!(verify_signature(
        &state,
        "us-east-1_AbCdEfGh1",
        "alice",
        &block,
        ts,
        &sig
    ));
    time_it("verify_signature (round 2, 256-bit b)", 200, || {
        verify_signature(&state, "us-east-1_AbCdEfGh1", "alice", &block, ts, &sig)
    });
    let bytes = state.to_state_bytes();
    time_it("from_state_bytes + verify_signature", 200, || {
        let s = ServerChallenge::from_state_bytes(&bytes).unwrap();
        verify_signature(&s, "us-east-1_AbCdEfGh1", "alice", &block, ts, &sig)
    });
}

fn table_len(t: &FixedBaseTable) -> usize {
    t.entries_len()
}
