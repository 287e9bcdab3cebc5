//! The README stays true to the course: its course map names every chapter with the seed
//! lessons its manifest declares, and its check table has a row for every kind of check used.

mod common;

#[test]
fn the_readme_course_map_matches_the_manifest() {
    let readme = std::fs::read_to_string(common::root().join("README.md")).unwrap();
    for chapter in common::course().chapters {
        let row = readme
            .lines()
            .find(|l| l.starts_with(&format!("| `{}` |", chapter.name)))
            .unwrap_or_else(|| panic!("README course map has no row for {}", chapter.name));
        let seeds: Vec<String> = chapter.seeds.iter().map(|s| format!("{s:03}")).collect();
        let range = format!("{}–{}", seeds.first().unwrap(), seeds.last().unwrap());
        let list = seeds.join(", ");
        assert!(
            row.contains(&list) || row.contains(&range),
            "README row for {} should name seeds {list}: {row}",
            chapter.name
        );
    }
}

#[test]
fn the_readme_check_table_has_a_row_for_every_check_kind_the_course_uses() {
    let readme = std::fs::read_to_string(common::root().join("README.md")).unwrap();
    let table = &readme[readme
        .find("### Check kinds")
        .expect("a check kinds section")..];
    let course = common::course();
    let kinds: std::collections::BTreeSet<&str> = course
        .exercises
        .iter()
        .flat_map(|e| e.spec.checks.iter().map(|c| c.kind().name()))
        .collect();
    assert!(
        kinds.len() >= 15,
        "the course uses every kind of check: {kinds:?}"
    );
    for kind in kinds {
        let row = table
            .lines()
            .find(|l| l.starts_with(&format!("| `{kind}` ")))
            .unwrap_or_else(|| panic!("the README's check table has no row for `{kind}`"));
        let cells: Vec<&str> = row.split(" | ").collect();
        assert!(
            cells.len() >= 3 && cells.iter().all(|c| !c.trim().is_empty()),
            "the row of `{kind}` needs what it catches and an example message: {row}"
        );
    }
}
