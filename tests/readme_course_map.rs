//! The README's course map names every chapter of the course with the seed lessons its
//! manifest declares, so the map cannot drift from the course.

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
        assert!(row.contains(&list) || row.contains(&range), "README row for {} should name seeds {list}: {row}", chapter.name);
    }
}
