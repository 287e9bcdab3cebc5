//! Every reference solution prints what the course's snapshots say, for every argument set.
//! The snapshots in course/snapshots/ are the very files `learn` compares learners' output
//! with, so `cargo insta test --review` is how a course author updates an expected output.

mod common;

use learn::grade::{Grader, Source};

#[test]
fn every_solution_matches_its_snapshots() {
    let course = common::course();
    let items: Vec<_> = course
        .exercises
        .iter()
        .map(|e| (e, Source::Solution))
        .collect();
    let outputs = Grader::new(&course, common::target_dir())
        .outputs(&items)
        .expect("cargo runs");
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(common::root().join("course/snapshots"));
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| {
        for (id, args, output) in outputs {
            let exercise = course.exercise(&id).unwrap();
            let output =
                output.unwrap_or_else(|e| panic!("solution of {id} with {:?}: {e}", args.values));
            settings_description(&id, &args.values, || {
                insta::assert_snapshot!(exercise.snapshot_name(&args), output)
            });
        }
    });
}

fn settings_description(id: &str, args: &[String], assert: impl FnOnce()) {
    let mut settings = insta::Settings::clone_current();
    settings.set_description(format!(
        "stdout of solutions/{id}.rs run with arguments {args:?}, normalised"
    ));
    settings.set_omit_expression(true);
    settings.bind(assert);
}
