//! The README's "Operations implemented" table lists exactly the operations
//! the dispatch table implements.

use std::collections::BTreeSet;

use userpools_server::IMPLEMENTED_OPERATIONS;
use userpools_wire::Operation;

#[test]
fn readme_lists_exactly_the_implemented_operations() {
    let readme = include_str!("../../../README.md");
    let section = readme
        .split("\n## Operations implemented\n")
        .nth(1)
        .expect("README.md has an \"Operations implemented\" section");
    let table: Vec<&str> = section
        .lines()
        .skip_while(|line| !line.starts_with('|'))
        .take_while(|line| line.starts_with('|'))
        .collect();
    let listed: BTreeSet<Operation> = table
        .iter()
        .flat_map(|line| line.split(|c: char| !c.is_ascii_alphanumeric()))
        .filter_map(Operation::from_name)
        .collect();
    let implemented: BTreeSet<Operation> = IMPLEMENTED_OPERATIONS.iter().copied().collect();
    let unlisted: Vec<_> = implemented.difference(&listed).collect();
    let not_implemented: Vec<_> = listed.difference(&implemented).collect();
    assert!(
        unlisted.is_empty() && not_implemented.is_empty(),
        "README.md's table of implemented operations is out of date: \
         implemented but not listed {unlisted:?}, listed but not implemented {not_implemented:?}"
    );
}
