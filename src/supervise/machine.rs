//! How busy the whole machine was during a run: CPU time from /proc/stat, so that a rule
//! about CPU use is judged only when the program had the cores to show it, not when other
//! work on the machine (another build, another class's grading) held them; and stall time
//! from the kernel's pressure stall information (/proc/pressure), so that a timing rule
//! broken while nothing on the machine waited for a CPU is known to be the program's doing.

use std::time::Duration;

/// CPU time used by everything on the machine since boot (user, nice, system, irq, softirq,
/// steal), from the first line of /proc/stat.
pub(super) fn busy_time() -> Duration {
    let text = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let ticks: u64 = text
        .lines()
        .next()
        .map(|cpu| {
            cpu.split_whitespace()
                .skip(1)
                .filter_map(|t| t.parse::<u64>().ok())
                .enumerate()
                .filter(|(i, _)| ![3, 4].contains(i))
                .map(|(_, t)| t)
                .sum()
        })
        .unwrap_or(0);
    Duration::from_secs_f64(ticks as f64 / procfs::ticks_per_second() as f64)
}

/// Waits until the machine has `cores` free (CPU time used by everything over a short
/// window, against the cores available), for at most `max_wait`.
pub fn wait_for_free_cores(cores: f64, max_wait: Duration) {
    let available = std::thread::available_parallelism().map_or(1, |n| n.get()) as f64;
    let deadline = std::time::Instant::now() + max_wait;
    while std::time::Instant::now() < deadline {
        let before = busy_time();
        std::thread::sleep(FREE_CORES_WINDOW);
        let used =
            busy_time().saturating_sub(before).as_secs_f64() / FREE_CORES_WINDOW.as_secs_f64();
        if available - used >= cores {
            return;
        }
    }
}

/// How long the machine's CPU use is measured to tell free cores: long enough for the clock
/// ticks of /proc/stat (10 ms) to add up, short enough to catch a moment of calm.
const FREE_CORES_WINDOW: Duration = Duration::from_millis(250);

/// Time since boot during which some task on the machine was runnable but waiting for a CPU,
/// or stalled on I/O or memory: the sum of the `some total` lines of /proc/pressure/{cpu,io,
/// memory}. `None` where the kernel does not keep them (before Linux 4.20, or turned off).
pub(super) fn stall_time() -> Option<Duration> {
    let cpu = some_total("cpu")?;
    Some(cpu + some_total("io").unwrap_or_default() + some_total("memory").unwrap_or_default())
}

/// The `total=` microseconds of the `some` line of /proc/pressure/RESOURCE.
fn some_total(resource: &str) -> Option<Duration> {
    let text = std::fs::read_to_string(format!("/proc/pressure/{resource}")).ok()?;
    let some = text.lines().find(|l| l.starts_with("some "))?;
    let micros = some
        .split_whitespace()
        .find_map(|f| f.strip_prefix("total="))?
        .parse()
        .ok()?;
    Some(Duration::from_micros(micros))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn busy_time_grows_while_this_thread_spins() {
        let before = busy_time();
        let end = std::time::Instant::now() + Duration::from_millis(300);
        while std::time::Instant::now() < end {
            std::hint::spin_loop();
        }
        assert!(busy_time() > before);
    }

    #[test]
    fn stall_time_never_goes_back() {
        let Some(before) = stall_time() else { return };
        std::thread::sleep(Duration::from_millis(20));
        assert!(stall_time().expect("still readable") >= before);
    }
}
