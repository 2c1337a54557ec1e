//! Facts about the machine pgtune runs on, for when the user does not give them: memory and CPUs as a
//! container sees them (cgroup v2 `memory.max` / `cpu.max`, their cgroup v1 equivalents, CPU affinity)
//! before `/proc/meminfo` and the online CPU count, and the local PostgreSQL version from `pg_config`.
//! Every reader takes a root directory, so tests point it at fixture trees.

use std::path::{Path, PathBuf};

/// A detected value and where it came from, for the output header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Detected {
    pub value: u64,
    pub source: String,
}

fn read(root: &Path, path: &str) -> Option<String> {
    std::fs::read_to_string(root.join(path.trim_start_matches('/'))).ok()
}

/// The cgroup paths of this process: the v2 path, and v1 paths per controller.
struct Cgroups {
    v2: Option<String>,
    v1: Vec<(Vec<String>, String)>,
}

fn cgroups(root: &Path) -> Cgroups {
    parse_cgroups(&read(root, "proc/self/cgroup").unwrap_or_default())
}

fn parse_cgroups(text: &str) -> Cgroups {
    let mut c = Cgroups {
        v2: None,
        v1: Vec::new(),
    };
    for line in text.lines() {
        let mut parts = line.splitn(3, ':');
        let (Some(_id), Some(controllers), Some(path)) = (parts.next(), parts.next(), parts.next())
        else {
            continue;
        };
        if controllers.is_empty() {
            c.v2 = Some(path.to_string());
        } else {
            c.v1.push((
                controllers.split(',').map(str::to_string).collect(),
                path.to_string(),
            ));
        }
    }
    c
}

/// The directories whose limits apply to a cgroup: its own and every ancestor up to the mount. Inside
/// a container the process's path often does not exist under the mount (the mount is the container's
/// own cgroup), so the mount itself is always included.
fn limit_dirs(root: &Path, mount: &str, cgroup_path: &str) -> Vec<PathBuf> {
    let base = root.join(mount.trim_start_matches('/'));
    let mut dirs = vec![];
    let mut path = PathBuf::from(cgroup_path.trim_start_matches('/'));
    loop {
        let dir = base.join(&path);
        if dir.is_dir() && !dirs.contains(&dir) {
            dirs.push(dir);
        }
        if !path.pop() {
            break;
        }
    }
    if !dirs.contains(&base) && base.is_dir() {
        dirs.push(base);
    }
    dirs
}

fn v1_mounts(c: &Cgroups, controller: &str) -> Vec<(String, String)> {
    c.v1.iter()
        .filter(|(names, _)| names.iter().any(|n| n == controller))
        .map(|(names, path)| (format!("sys/fs/cgroup/{}", names.join(",")), path.clone()))
        .chain(std::iter::once((
            format!("sys/fs/cgroup/{controller}"),
            "/".to_string(),
        )))
        .collect()
}

fn display(root: &Path, path: &Path) -> String {
    format!("/{}", path.strip_prefix(root).unwrap_or(path).display())
}

/// Total memory in kB available to this process.
pub fn memory_kb(root: &Path) -> Option<Detected> {
    let total_kb = read(root, "proc/meminfo")?
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())?;
    let mut best = Detected {
        value: total_kb,
        source: "/proc/meminfo MemTotal".into(),
    };
    let mut consider = |file: PathBuf, label: &str| {
        let Some(text) = std::fs::read_to_string(&file).ok() else {
            return;
        };
        let Ok(bytes) = text.trim().parse::<u64>() else {
            return;
        }; // "max": no limit
        let kb = bytes / 1024;
        if kb < best.value {
            best = Detected {
                value: kb,
                source: format!("{label} ({})", display(root, &file)),
            };
        }
    };
    let c = cgroups(root);
    if let Some(path) = &c.v2 {
        for dir in limit_dirs(root, "sys/fs/cgroup", path) {
            consider(dir.join("memory.max"), "cgroup v2 memory.max");
        }
    }
    for (mount, path) in v1_mounts(&c, "memory") {
        for dir in limit_dirs(root, &mount, &path) {
            consider(
                dir.join("memory.limit_in_bytes"),
                "cgroup v1 memory.limit_in_bytes",
            );
        }
    }
    Some(best)
}

/// A CPU list such as `0-3,8,10-11` as a count.
fn count_cpu_list(list: &str) -> Option<u64> {
    let mut n = 0;
    for part in list.trim().split(',').filter(|p| !p.is_empty()) {
        n += match part.split_once('-') {
            Some((a, b)) => b.trim().parse::<u64>().ok()? - a.trim().parse::<u64>().ok()? + 1,
            None => {
                part.trim().parse::<u64>().ok()?;
                1
            }
        };
    }
    (n > 0).then_some(n)
}

/// CPUs this process may use: the smallest of online CPUs, its affinity, and its cgroup quota.
pub fn cpus(root: &Path) -> Option<Detected> {
    let online = read(root, "sys/devices/system/cpu/online")
        .and_then(|l| count_cpu_list(&l))
        .map(|n| Detected {
            value: n,
            source: "/sys/devices/system/cpu/online".into(),
        })
        .or_else(|| {
            let n = read(root, "proc/cpuinfo")?
                .lines()
                .filter(|l| l.starts_with("processor"))
                .count() as u64;
            (n > 0).then(|| Detected {
                value: n,
                source: "/proc/cpuinfo".into(),
            })
        })?;
    let mut best = online;
    let mut consider = |n: u64, source: String| {
        if n > 0 && n < best.value {
            best = Detected { value: n, source };
        }
    };
    if let Some(list) = read(root, "proc/self/status").and_then(|s| {
        s.lines()
            .find_map(|l| l.strip_prefix("Cpus_allowed_list:").map(str::to_string))
    }) {
        if let Some(n) = count_cpu_list(&list) {
            consider(n, format!("CPU affinity ({})", list.trim()));
        }
    }
    let quota_cpus = |quota: f64, period: f64| (quota / period).ceil() as u64;
    let c = cgroups(root);
    if let Some(path) = &c.v2 {
        for dir in limit_dirs(root, "sys/fs/cgroup", path) {
            let file = dir.join("cpu.max");
            let Some(text) = std::fs::read_to_string(&file).ok() else {
                continue;
            };
            let mut parts = text.split_whitespace();
            if let (Some(Ok(q)), Some(Ok(p))) = (
                parts.next().map(str::parse::<f64>),
                parts.next().map(str::parse::<f64>),
            ) {
                consider(
                    quota_cpus(q, p),
                    format!("cgroup v2 cpu.max {q}/{p} ({})", display(root, &file)),
                );
            }
        }
    }
    for (mount, path) in v1_mounts(&c, "cpu") {
        for dir in limit_dirs(root, &mount, &path) {
            let num = |name: &str| {
                std::fs::read_to_string(dir.join(name))
                    .ok()
                    .and_then(|t| t.trim().parse::<f64>().ok())
            };
            if let (Some(q), Some(p)) = (num("cpu.cfs_quota_us"), num("cpu.cfs_period_us")) {
                if q > 0.0 && p > 0.0 {
                    consider(
                        quota_cpus(q, p),
                        format!(
                            "cgroup v1 cpu.cfs_quota_us {q}/{p} ({})",
                            display(root, &dir)
                        ),
                    );
                }
            }
        }
    }
    Some(best)
}

/// Every file `memory_kb` and `cpus` may read, for a process whose `/proc/self/cgroup` says
/// `cgroup`: so another process (the database server, through pg_read_file) can read them and they
/// can be laid out under a local root for the same detection code.
pub fn files_to_read(cgroup: &str) -> Vec<String> {
    let mut files: Vec<String> = [
        "/proc/meminfo",
        "/proc/cpuinfo",
        "/proc/self/status",
        "/sys/devices/system/cpu/online",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let ancestors = |path: &str| {
        let mut out = vec![String::new()];
        let mut acc = String::new();
        for part in path.split('/').filter(|p| !p.is_empty()) {
            acc.push('/');
            acc.push_str(part);
            out.push(acc.clone());
        }
        out
    };
    let c = parse_cgroups(cgroup);
    if let Some(path) = &c.v2 {
        for dir in ancestors(path) {
            files.push(format!("/sys/fs/cgroup{dir}/memory.max"));
            files.push(format!("/sys/fs/cgroup{dir}/cpu.max"));
        }
    }
    for (controller, names) in [
        ("memory", &["memory.limit_in_bytes"][..]),
        ("cpu", &["cpu.cfs_quota_us", "cpu.cfs_period_us"][..]),
    ] {
        for (mount, path) in v1_mounts(&c, controller) {
            for dir in ancestors(&path) {
                for name in names {
                    files.push(format!("/{mount}{dir}/{name}"));
                }
            }
        }
    }
    files.sort();
    files.dedup();
    files
}

/// The major version of the PostgreSQL that `pg_config` on PATH belongs to.
pub fn pg_config_version() -> Option<u32> {
    let out = std::process::Command::new(pg_config_program())
        .arg("--version")
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    parse_pg_config_version(&String::from_utf8_lossy(&out.stdout))
}

/// Where Debian and Ubuntu install each major version's programs.
const DEBIAN_PG_ROOT: &str = "/usr/lib/postgresql";

/// The `pg_config` that `pg_config` on PATH runs. Debian's /usr/bin/pg_config is a shell script that
/// execs the newest `/usr/lib/postgresql/N/bin/pg_config`: doing that lookup here saves a shell, `ls`
/// and `tail` (most of the time `pgtune config` takes when it has to detect the version).
fn pg_config_program() -> PathBuf {
    let on_path = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join("pg_config"))
            .find(|p| p.is_file())
    });
    let Some(found) = on_path else {
        return PathBuf::from("pg_config");
    };
    let is_debian_wrapper = std::fs::read(&found).is_ok_and(|text| {
        text.starts_with(b"#!")
            && text
                .windows(DEBIAN_PG_ROOT.len())
                .any(|w| w == DEBIAN_PG_ROOT.as_bytes())
    });
    if is_debian_wrapper {
        if let Some(newest) = newest_major_program(Path::new(DEBIAN_PG_ROOT), "pg_config") {
            return newest;
        }
    }
    found
}

/// `ROOT/N/bin/PROGRAM` for the highest numeric N where it exists.
fn newest_major_program(root: &Path, program: &str) -> Option<PathBuf> {
    std::fs::read_dir(root)
        .ok()?
        .filter_map(|e| {
            let e = e.ok()?;
            let major: f64 = e.file_name().to_str()?.parse().ok()?;
            let path = e.path().join("bin").join(program);
            path.is_file().then_some((major, path))
        })
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, p)| p)
}

/// `PostgreSQL 15.18 (Debian 15.18-0+deb12u1)` -> 15; `PostgreSQL 9.6.24` -> 9.
fn parse_pg_config_version(s: &str) -> Option<u32> {
    let version = s.trim().strip_prefix("PostgreSQL ")?;
    let digits: String = version.chars().take_while(|c| c.is_ascii_digit()).collect();
    digits.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/hosts")
            .join(name)
    }

    #[test]
    fn the_newest_major_version_wins_numerically() {
        let root = tempfile::tempdir().unwrap();
        for major in ["9.6", "13", "15", "notes"] {
            let bin = root.path().join(major).join("bin");
            std::fs::create_dir_all(&bin).unwrap();
            std::fs::write(bin.join("pg_config"), "").unwrap();
        }
        std::fs::create_dir_all(root.path().join("16/bin")).unwrap(); // no pg_config there
        assert_eq!(
            newest_major_program(root.path(), "pg_config"),
            Some(root.path().join("15/bin/pg_config"))
        );
    }

    #[test]
    fn cgroup_v2_limits() {
        let root = fixture("cgroup-v2-limited");
        let mem = memory_kb(&root).unwrap();
        assert_eq!(mem.value, 8 * 1024 * 1024);
        assert_eq!(
            mem.source,
            "cgroup v2 memory.max (/sys/fs/cgroup/app/memory.max)"
        );
        let cpus = cpus(&root).unwrap();
        assert_eq!(cpus.value, 3, "250000/100000 rounds up");
        assert!(
            cpus.source.starts_with("cgroup v2 cpu.max"),
            "{}",
            cpus.source
        );
    }

    #[test]
    fn cgroup_v2_parent_limit_applies() {
        let root = fixture("cgroup-v2-parent-limit");
        let mem = memory_kb(&root).unwrap();
        assert_eq!(mem.value, 2 * 1024 * 1024);
        assert_eq!(
            mem.source,
            "cgroup v2 memory.max (/sys/fs/cgroup/kubepods/memory.max)"
        );
    }

    #[test]
    fn cgroup_v2_unlimited_falls_back_to_the_host() {
        let root = fixture("cgroup-v2-unlimited");
        let mem = memory_kb(&root).unwrap();
        assert_eq!(
            (mem.value, mem.source.as_str()),
            (65842340, "/proc/meminfo MemTotal")
        );
        let cpus = cpus(&root).unwrap();
        assert_eq!(
            (cpus.value, cpus.source.as_str()),
            (16, "/sys/devices/system/cpu/online")
        );
    }

    #[test]
    fn cgroup_v1_limits_inside_a_container() {
        let root = fixture("cgroup-v1-limited");
        let mem = memory_kb(&root).unwrap();
        assert_eq!(mem.value, 4 * 1024 * 1024);
        assert_eq!(
            mem.source,
            "cgroup v1 memory.limit_in_bytes (/sys/fs/cgroup/memory/memory.limit_in_bytes)"
        );
        let cpus = cpus(&root).unwrap();
        assert_eq!(cpus.value, 2);
        assert!(
            cpus.source.starts_with("cgroup v1 cpu.cfs_quota_us"),
            "{}",
            cpus.source
        );
    }

    #[test]
    fn cgroup_v1_unlimited_with_affinity() {
        let root = fixture("cgroup-v1-affinity");
        let mem = memory_kb(&root).unwrap();
        assert_eq!(
            mem.source, "/proc/meminfo MemTotal",
            "the v1 'unlimited' number is not a limit"
        );
        let cpus = cpus(&root).unwrap();
        assert_eq!(
            (cpus.value, cpus.source.as_str()),
            (4, "CPU affinity (0,2,4-5)")
        );
    }

    #[test]
    fn bare_proc_only() {
        let root = fixture("bare");
        assert_eq!(memory_kb(&root).unwrap().value, 1_000_000);
        let cpus = cpus(&root).unwrap();
        assert_eq!((cpus.value, cpus.source.as_str()), (2, "/proc/cpuinfo"));
        assert!(memory_kb(&fixture("does-not-exist")).is_none());
    }

    #[test]
    fn this_machine_detects_something() {
        assert!(memory_kb(Path::new("/")).unwrap().value > 0);
        assert!(cpus(Path::new("/")).unwrap().value > 0);
    }

    #[test]
    fn files_another_process_should_read() {
        let files = files_to_read("0::/system.slice/postgresql.service\n");
        for f in [
            "/proc/meminfo",
            "/sys/fs/cgroup/memory.max",
            "/sys/fs/cgroup/system.slice/memory.max",
            "/sys/fs/cgroup/system.slice/postgresql.service/cpu.max",
        ] {
            assert!(files.contains(&f.to_string()), "{f} in {files:?}");
        }
        let files = files_to_read("4:cpu,cpuacct:/docker/x\n3:memory:/docker/x\n");
        for f in [
            "/sys/fs/cgroup/cpu,cpuacct/docker/x/cpu.cfs_quota_us",
            "/sys/fs/cgroup/memory/memory.limit_in_bytes",
        ] {
            assert!(files.contains(&f.to_string()), "{f} in {files:?}");
        }
    }

    #[test]
    fn cpu_lists_and_versions() {
        assert_eq!(count_cpu_list("0-3,8,10-11\n"), Some(7));
        assert_eq!(count_cpu_list("0"), Some(1));
        assert_eq!(count_cpu_list("x"), None);
        assert_eq!(
            parse_pg_config_version("PostgreSQL 15.18 (Debian 15.18-0+deb12u1)\n"),
            Some(15)
        );
        assert_eq!(parse_pg_config_version("PostgreSQL 18beta1"), Some(18));
        assert_eq!(parse_pg_config_version("PostgreSQL 9.6.24"), Some(9));
        assert_eq!(parse_pg_config_version("garbage"), None);
    }
}
