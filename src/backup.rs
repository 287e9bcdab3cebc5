//! Copies of a learner's file kept before `learn reset` overwrites it:
//! `.learn-backups/CHAPTER/NAME.2026-12-01T18-42-03.rs` (UTC), never overwriting an earlier
//! copy.
//!
//! Not here: restoring the starter (the commands do that once the copy is safe).

use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use crate::course::Exercise;

/// Copies `path`, the learner's file of `exercise`, under `root/.learn-backups/` and returns
/// where; a second copy within the same second is numbered (`…-2.rs`). On failure nothing
/// half-written is left.
pub fn keep_copy(root: &Path, exercise: &Exercise, path: &Path) -> std::io::Result<PathBuf> {
    keep_copy_at(root, exercise, path, SystemTime::now())
}

fn keep_copy_at(
    root: &Path,
    exercise: &Exercise,
    path: &Path,
    now: SystemTime,
) -> std::io::Result<PathBuf> {
    let stamp = crate::civil_time::file_stamp(now);
    let folder = root.join(".learn-backups").join(&exercise.chapter);
    std::fs::create_dir_all(&folder)?;
    for n in 1.. {
        let suffix = if n == 1 {
            String::new()
        } else {
            format!("-{n}")
        };
        let backup = folder.join(format!("{}.{stamp}{suffix}.rs", exercise.spec.name));
        let mut file = match std::fs::File::options()
            .write(true)
            .create_new(true)
            .open(&backup)
        {
            Ok(file) => file,
            Err(e) if e.kind() == ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        };
        let copied = std::fs::File::open(path)
            .and_then(|mut original| std::io::copy(&mut original, &mut file))
            .and_then(|_| file.sync_all());
        if let Err(e) = copied {
            let _ = std::fs::remove_file(&backup);
            return Err(e);
        }
        return Ok(backup);
    }
    unreachable!("some numbered name is free")
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, UNIX_EPOCH};

    use super::*;
    use crate::course::manifest::ExerciseSpec;

    fn exercise() -> Exercise {
        let spec: ExerciseSpec = toml::from_str(
            "name = \"numbers_and_letters\"\ntitle = \"t\"\nlesson = \"l\"\nhint = \"h\"\n",
        )
        .unwrap();
        Exercise {
            id: "02_coordination/numbers_and_letters".into(),
            chapter: "02_coordination".into(),
            spec,
        }
    }

    #[test]
    fn copies_are_named_by_their_utc_time_and_never_overwrite_each_other() {
        let root = tempfile::tempdir().unwrap();
        let file = root.path().join("mine.rs");
        let now = UNIX_EPOCH + Duration::from_secs(1_796_150_523);
        std::fs::write(&file, "first").unwrap();
        let first = keep_copy_at(root.path(), &exercise(), &file, now).unwrap();
        std::fs::write(&file, "second").unwrap();
        let second = keep_copy_at(root.path(), &exercise(), &file, now).unwrap();
        let folder = root.path().join(".learn-backups/02_coordination");
        assert_eq!(
            first,
            folder.join("numbers_and_letters.2026-12-01T18-42-03.rs")
        );
        assert_eq!(
            second,
            folder.join("numbers_and_letters.2026-12-01T18-42-03-2.rs")
        );
        assert_eq!(std::fs::read_to_string(first).unwrap(), "first");
        assert_eq!(std::fs::read_to_string(second).unwrap(), "second");
    }

    #[test]
    fn a_missing_file_leaves_no_empty_copy() {
        let root = tempfile::tempdir().unwrap();
        let missing = root.path().join("gone.rs");
        assert!(keep_copy(root.path(), &exercise(), &missing).is_err());
        let folder = root.path().join(".learn-backups/02_coordination");
        assert_eq!(std::fs::read_dir(folder).unwrap().count(), 0);
    }
}
