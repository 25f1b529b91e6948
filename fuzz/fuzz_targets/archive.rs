//! Input archives as a store could hand them over: arbitrary bytes
//! unpacked as tar+gzip and as zip, with a small size cap. Nothing may
//! panic, and nothing may land outside the target's directory.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(dir) = tempfile::tempdir() else { return };
    let target = dir.path().join("box");
    let Ok(()) = std::fs::create_dir_all(&target) else { return };
    let dest = target.join("input");
    let _ = artifacts::archive::unpack_tgz(data, &dest, 1 << 20);
    let _ = std::fs::remove_dir_all(&dest);
    let _ = std::fs::remove_file(&dest);
    let zip = dir.path().join("input.zip");
    if std::fs::write(&zip, data).is_ok()
        && let Ok(f) = std::fs::File::open(&zip)
    {
        let _ = artifacts::archive::unpack_zip(f, &dest, 1 << 20);
    }
    // Only `box` and the zip itself beside it: nothing escaped.
    let beside: Vec<_> = std::fs::read_dir(dir.path())
        .map(|d| d.filter_map(Result::ok).map(|e| e.file_name()).collect())
        .unwrap_or_default();
    assert!(beside.len() <= 2, "something landed outside the target: {beside:?}");
});
