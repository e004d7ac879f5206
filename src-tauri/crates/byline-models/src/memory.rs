//! Room for the next model. The desktop app keeps models loaded between requests; when the next one
//! would not fit in the memory the system can still give, the warm ones are freed first, largest first.

/// Memory the system can still give without swapping, in MiB (`MemAvailable` on Linux); unknown elsewhere.
pub fn available_ram_mb() -> Option<u64> {
    if !cfg!(target_os = "linux") {
        return None;
    }
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    parse_available(&text)
}

fn parse_available(meminfo: &str) -> Option<u64> {
    let line = meminfo.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024)
}

/// Headroom left for the rest of the app and the system after a model is loaded.
pub const HEADROOM_MB: u64 = 512;

/// Which of the `warm` models (their sizes in MiB) to free, largest first, so that a model needing
/// `needed_mb` fits into `available_mb` with [`HEADROOM_MB`] to spare. Empty when it fits already or when
/// the available memory is unknown (then nothing is freed on a guess). When even freeing all of them is
/// not enough, all are freed: the load then has the best chance it can get.
pub fn to_free(available_mb: Option<u64>, needed_mb: u64, warm: &[u64]) -> Vec<usize> {
    let Some(mut available) = available_mb else { return Vec::new() };
    let wanted = needed_mb.saturating_add(HEADROOM_MB);
    let mut order: Vec<usize> = (0..warm.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(warm[i]));
    let mut free = Vec::new();
    for i in order {
        if available >= wanted {
            break;
        }
        available = available.saturating_add(warm[i]);
        free.push(i);
    }
    free
}

/// Size of a file or of all files under a folder, in MiB (rounded up): what loading it roughly takes.
pub fn size_on_disk_mb(path: &std::path::Path) -> u64 {
    fn walk(path: &std::path::Path) -> u64 {
        match std::fs::metadata(path) {
            Ok(m) if m.is_dir() => {
                std::fs::read_dir(path).map(|entries| entries.flatten().map(|e| walk(&e.path())).sum()).unwrap_or(0)
            }
            Ok(m) => m.len(),
            Err(_) => 0,
        }
    }
    walk(path).div_ceil(1024 * 1024)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frees_the_largest_warm_models_until_the_next_fits() {
        // 1,000 MiB free, a 2,000 MiB model wanted (plus headroom): the 1,800 MiB one goes first and suffices.
        assert_eq!(to_free(Some(1000), 2000, &[300, 1800, 900]), vec![1]);
        // Not enough after the largest: the next largest goes too.
        assert_eq!(to_free(Some(1000), 3000, &[300, 1800, 900]), vec![1, 2]);
        // Fits already, or unknown memory: nothing is freed.
        assert!(to_free(Some(8000), 2000, &[300, 1800]).is_empty());
        assert!(to_free(None, 2000, &[300, 1800]).is_empty());
        // Cannot fit even with everything freed: everything is freed.
        assert_eq!(to_free(Some(100), 9000, &[300, 1800]), vec![1, 0]);
    }

    #[test]
    fn reads_available_memory_and_sizes() {
        let meminfo = "MemTotal:       24000000 kB\nMemFree:  1000 kB\nMemAvailable:   2048000 kB\n";
        assert_eq!(parse_available(meminfo), Some(2000));
        assert_eq!(parse_available("MemTotal: 1 kB\n"), None);
        if cfg!(target_os = "linux") {
            assert!(available_ram_mb().is_some_and(|mb| mb > 0));
        }
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(dir.path().join("unet")).expect("mkdir");
        std::fs::write(dir.path().join("unet/w.bin"), vec![0u8; 3 * 1024 * 1024 + 1]).expect("write");
        std::fs::write(dir.path().join("config.json"), b"{}").expect("write");
        assert_eq!(size_on_disk_mb(dir.path()), 4);
        assert_eq!(size_on_disk_mb(&dir.path().join("absent")), 0);
    }
}
