//! Listing the files of a folder tree, relative to its root, symbolic links as files (never
//! followed): what the protected-file comparison and the student template walk.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Adds every file under `relative` (a file or a folder) of `root` to `files`, relative to
/// `root`; nothing when it does not exist.
pub fn collect(root: &Path, relative: &Path, files: &mut BTreeSet<PathBuf>) -> std::io::Result<()> {
    let metadata = match std::fs::symlink_metadata(root.join(relative)) {
        Ok(metadata) => metadata,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    };
    if !metadata.is_dir() {
        files.insert(relative.to_path_buf());
        return Ok(());
    }
    for entry in std::fs::read_dir(root.join(relative))? {
        collect(root, &relative.join(entry?.file_name()), files)?;
    }
    Ok(())
}
