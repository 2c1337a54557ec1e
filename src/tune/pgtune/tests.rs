//! PGTune-exactness. Two kinds of test:
//! - pinned cases, computed by hand from the reference, at every cap, floor, threshold and boundary;
//! - a sweep over the whole input space against an oracle written the way PGTune's JavaScript
//!   computes (all arithmetic in f64 with Math.floor, settings assembled as a key list, falsy values
//!   dropped), so the integer arithmetic of the engine is checked against JS number semantics.

use super::*;
use crate::tune::{DataSize, Inputs, Os, Storage, Workload};

const MB: u64 = 1024;
const GB: u64 = 1024 * 1024;

fn inputs(memory_kb: u64) -> Inputs {
    Inputs {
        version: 18,
        os: Os::Linux,
        workload: Workload::Web,
        memory_kb,
        cpus: None,
        connections: None,
        storage: Storage::Ssd,
        data_size: DataSize::RamTo3x,
    }
}

fn rendered(i: &Inputs) -> Vec<(String, String)> {
    recommend(i)
        .settings
        .into_iter()
        .map(|s| (s.name, s.value.render()))
        .collect()
}

fn get(i: &Inputs, name: &str) -> Option<String> {
    rendered(i)
        .into_iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v)
}

#[test]
fn worked_example_default_form_16gb() {
    let got = rendered(&inputs(16 * GB));
    let expected = [
        ("max_connections", "200"),
        ("shared_buffers", "4GB"),
        ("effective_cache_size", "12GB"),
        ("maintenance_work_mem", "1GB"),
        ("checkpoint_completion_target", "0.9"),
        ("wal_buffers", "16MB"),
        ("default_statistics_target", "100"),
        ("random_page_cost", "1.1"),
        ("effective_io_concurrency", "200"),
        ("work_mem", "20164kB"),
        ("huge_pages", "try"),
        ("jit", "off"),
        ("wal_compression", "lz4"),
        ("io_method", "io_uring"),
        ("min_wal_size", "1GB"),
        ("max_wal_size", "4GB"),
    ];
    let expected: Vec<(String, String)> = expected
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    assert_eq!(got, expected);
    let warnings = recommend(&inputs(16 * GB)).warnings;
    assert_eq!(
        warnings,
        vec![
            vec![
                "wal_compression = lz4 requires PostgreSQL",
                "to be compiled with --with-lz4"
            ],
            vec![
                "io_method = io_uring requires PostgreSQL",
                "to be compiled with --with-liburing"
            ],
        ]
    );
}

#[test]
fn work_mem_issue_113_example() {
    // PG17, web, 4GB, 1 CPU, 200 connections: 3145728 / 624 = 5041.2 -> 5041kB.
    let i = Inputs {
        version: 17,
        cpus: Some(1),
        connections: Some(200),
        ..inputs(4 * GB)
    };
    assert_eq!(get(&i, "work_mem").as_deref(), Some("5041kB"));
}

#[test]
fn work_mem_rules() {
    // Floor of 4MB.
    assert_eq!(get(&inputs(512 * MB), "work_mem").as_deref(), Some("4MB"));
    // Data size multipliers: 16GB web base 20164.9 -> 20164; x1.3 = 26213.2 -> 26213; x0.9 = 18147.6 -> 18147.
    let less = Inputs {
        data_size: DataSize::LessThanRam,
        ..inputs(16 * GB)
    };
    assert_eq!(get(&less, "work_mem").as_deref(), Some("26213kB"));
    let more = Inputs {
        data_size: DataSize::MoreThan3x,
        ..inputs(16 * GB)
    };
    assert_eq!(get(&more, "work_mem").as_deref(), Some("18147kB"));
    // Workload divisors: dw and mixed /2, desktop /6 (desktop: shared_buffers is RAM/16).
    let mixed = Inputs {
        workload: Workload::Mixed,
        ..inputs(64 * GB)
    };
    // (67108864 - 16777216) / ((100 + 8) * 3) = 155344.6; /2 = 77672.3 -> 77672kB
    assert_eq!(get(&mixed, "work_mem").as_deref(), Some("77672kB"));
    let desktop = Inputs {
        workload: Workload::Desktop,
        ..inputs(64 * GB)
    };
    // (67108864 - 4194304) / ((20 + 8) * 3) = 748982.9; /6 = 124830.5 -> 124830kB
    assert_eq!(get(&desktop, "work_mem").as_deref(), Some("124830kB"));
    // CPUs >= 4 replace the default 8 workers.
    let cpus = Inputs {
        cpus: Some(16),
        ..inputs(16 * GB)
    };
    // 12582912 / ((200 + 16) * 3) = 19418.0 -> 19418kB
    assert_eq!(get(&cpus, "work_mem").as_deref(), Some("19418kB"));
    // Windows up to 17 caps at 2047MB; 18 does not.
    let huge = Inputs {
        os: Os::Windows,
        version: 17,
        connections: Some(20),
        ..inputs(8 * 1024 * GB)
    };
    assert_eq!(get(&huge, "work_mem").as_deref(), Some("2047MB"));
    let huge18 = Inputs {
        version: 18,
        ..huge.clone()
    };
    assert_ne!(get(&huge18, "work_mem").as_deref(), Some("2047MB"));
}

#[test]
fn maintenance_work_mem_caps() {
    // web: RAM/16, capped at 8GB from 128GB on (>=).
    assert_eq!(
        get(&inputs(127 * GB), "maintenance_work_mem").as_deref(),
        Some("8128MB")
    );
    assert_eq!(
        get(&inputs(128 * GB), "maintenance_work_mem").as_deref(),
        Some("8GB")
    );
    assert_eq!(
        get(&inputs(512 * GB), "maintenance_work_mem").as_deref(),
        Some("8GB")
    );
    // dw: RAM/8.
    let dw = Inputs {
        workload: Workload::Dw,
        ..inputs(16 * GB)
    };
    assert_eq!(get(&dw, "maintenance_work_mem").as_deref(), Some("2GB"));
    // Windows before 18: 2GB or more becomes 2047MB; just below stays.
    let win = |gb: u64, v: u32| Inputs {
        os: Os::Windows,
        version: v,
        ..inputs(gb * GB)
    };
    assert_eq!(
        get(&win(32, 17), "maintenance_work_mem").as_deref(),
        Some("2047MB")
    );
    assert_eq!(
        get(&win(31, 17), "maintenance_work_mem").as_deref(),
        Some("1984MB")
    );
    assert_eq!(
        get(&win(32, 18), "maintenance_work_mem").as_deref(),
        Some("2GB")
    );
    assert_eq!(
        get(&win(256, 18), "maintenance_work_mem").as_deref(),
        Some("8GB")
    );
}

#[test]
fn autovacuum_work_mem_follows_maintenance_work_mem() {
    assert_eq!(get(&inputs(31 * GB), "autovacuum_work_mem"), None);
    assert_eq!(
        get(&inputs(32 * GB), "autovacuum_work_mem").as_deref(),
        Some("2GB")
    );
    assert_eq!(
        get(&inputs(1024 * GB), "autovacuum_work_mem").as_deref(),
        Some("2GB")
    );
    let win = Inputs {
        os: Os::Windows,
        version: 17,
        ..inputs(64 * GB)
    };
    assert_eq!(
        get(&win, "autovacuum_work_mem"),
        None,
        "2047MB is below the 2GB threshold"
    );
}

#[test]
fn wal_buffers_bounds() {
    // 3% of shared_buffers.
    assert_eq!(
        get(&inputs(512 * MB), "wal_buffers").as_deref(),
        Some("3932kB")
    );
    // Between 14MB and 16MB rounds up to 16MB: shared_buffers 500MB -> 15360kB -> 16MB.
    assert_eq!(
        get(&inputs(2000 * MB), "wal_buffers").as_deref(),
        Some("16MB")
    );
    // At exactly 14MB (14336kB) it stays: shared_buffers 477867kB -> 14336kB.
    let i = inputs(477_867 * 4);
    assert_eq!(get(&i, "wal_buffers").as_deref(), Some("14MB"));
    // Just above 14MB it becomes 16MB: shared_buffers 477901kB -> 14337kB.
    assert_eq!(
        get(&inputs(477_901 * 4), "wal_buffers").as_deref(),
        Some("16MB")
    );
    // Cap.
    assert_eq!(
        get(&inputs(64 * GB), "wal_buffers").as_deref(),
        Some("16MB")
    );
    // Floor of 32kB.
    assert_eq!(get(&inputs(MB), "wal_buffers").as_deref(), Some("32kB"));
}

#[test]
fn huge_pages_threshold() {
    assert_eq!(get(&inputs(8 * GB), "huge_pages").as_deref(), Some("try"));
    assert_eq!(
        get(&inputs(8 * GB - 4), "huge_pages").as_deref(),
        Some("off")
    );
    let mac = Inputs {
        os: Os::Mac,
        ..inputs(64 * GB)
    };
    assert_eq!(get(&mac, "huge_pages").as_deref(), Some("off"));
    let desktop = Inputs {
        workload: Workload::Desktop,
        ..inputs(32 * GB)
    };
    assert_eq!(get(&desktop, "huge_pages").as_deref(), Some("try"));
}

#[test]
fn version_dependent_settings() {
    let v = |version: u32| Inputs {
        version,
        ..inputs(16 * GB)
    };
    assert_eq!(get(&v(11), "jit"), None);
    assert_eq!(get(&v(12), "jit").as_deref(), Some("off"));
    assert_eq!(
        get(
            &Inputs {
                workload: Workload::Dw,
                ..v(16)
            },
            "jit"
        ),
        None
    );
    assert_eq!(
        get(
            &Inputs {
                workload: Workload::Desktop,
                ..v(16)
            },
            "jit"
        ),
        None
    );
    assert_eq!(get(&v(14), "wal_compression").as_deref(), Some("on"));
    assert_eq!(get(&v(15), "wal_compression").as_deref(), Some("lz4"));
    assert_eq!(get(&v(17), "io_method"), None);
    assert_eq!(
        get(
            &Inputs {
                os: Os::Mac,
                ..v(18)
            },
            "io_method"
        )
        .as_deref(),
        Some("worker")
    );
    assert_eq!(
        get(
            &Inputs {
                os: Os::Windows,
                ..v(18)
            },
            "io_method"
        )
        .as_deref(),
        Some("worker")
    );
    // Parallel maintenance workers arrive in 11.
    let cpus = |version: u32| Inputs {
        cpus: Some(8),
        ..v(version)
    };
    assert_eq!(get(&cpus(10), "max_parallel_maintenance_workers"), None);
    assert_eq!(
        get(&cpus(11), "max_parallel_maintenance_workers").as_deref(),
        Some("4")
    );
}

#[test]
fn io_workers_only_with_worker_method() {
    let mac = |cpus: u64| Inputs {
        os: Os::Mac,
        cpus: Some(cpus),
        ..inputs(16 * GB)
    };
    assert_eq!(get(&mac(15), "io_workers"), None, "15/4 = 3 is the default");
    assert_eq!(get(&mac(16), "io_workers").as_deref(), Some("4"));
    assert_eq!(get(&mac(128), "io_workers").as_deref(), Some("32"));
    assert_eq!(get(&mac(999_999), "io_workers").as_deref(), Some("32"));
    let linux = Inputs {
        cpus: Some(64),
        ..inputs(16 * GB)
    };
    assert_eq!(get(&linux, "io_workers"), None, "io_uring needs no workers");
    let no_cpus = Inputs {
        os: Os::Mac,
        ..inputs(16 * GB)
    };
    assert_eq!(get(&no_cpus, "io_workers"), None);
}

#[test]
fn parallel_settings() {
    let c = |cpus: u64, w: Workload| Inputs {
        cpus: Some(cpus),
        workload: w,
        ..inputs(16 * GB)
    };
    assert_eq!(get(&c(3, Workload::Web), "max_worker_processes"), None);
    let four = rendered(&c(4, Workload::Web));
    let tail: Vec<String> = four[four.len() - 4..]
        .iter()
        .map(|(n, v)| format!("{n}={v}"))
        .collect();
    assert_eq!(
        tail,
        [
            "max_worker_processes=4",
            "max_parallel_workers_per_gather=2",
            "max_parallel_workers=4",
            "max_parallel_maintenance_workers=2"
        ]
    );
    assert_eq!(
        get(&c(12, Workload::Web), "max_parallel_workers_per_gather").as_deref(),
        Some("4")
    );
    assert_eq!(
        get(&c(64, Workload::Dw), "max_parallel_workers_per_gather").as_deref(),
        Some("32")
    );
    assert_eq!(
        get(&c(7, Workload::Dw), "max_parallel_workers_per_gather").as_deref(),
        Some("4")
    );
    assert_eq!(
        get(&c(64, Workload::Dw), "max_parallel_maintenance_workers").as_deref(),
        Some("4")
    );
    assert_eq!(get(&c(15, Workload::Web), "autovacuum_max_workers"), None);
    assert_eq!(
        get(&c(16, Workload::Web), "autovacuum_max_workers").as_deref(),
        Some("4")
    );
    assert_eq!(
        get(&c(31, Workload::Web), "autovacuum_max_workers").as_deref(),
        Some("4")
    );
    assert_eq!(
        get(&c(32, Workload::Web), "autovacuum_max_workers").as_deref(),
        Some("5")
    );
}

#[test]
fn random_page_cost_matrix() {
    for (storage, workload, size, expected) in [
        (Storage::Hdd, Workload::Web, DataSize::LessThanRam, "1.1"),
        (Storage::Hdd, Workload::Web, DataSize::RamTo3x, "4"),
        (Storage::Ssd, Workload::Web, DataSize::MoreThan3x, "1.1"),
        (Storage::Ssd, Workload::Dw, DataSize::RamTo3x, "4"),
        (Storage::Nvme, Workload::Dw, DataSize::LessThanRam, "1.1"),
        (Storage::San, Workload::Oltp, DataSize::RamTo3x, "1.1"),
    ] {
        let i = Inputs {
            storage,
            workload,
            data_size: size,
            ..inputs(16 * GB)
        };
        assert_eq!(
            get(&i, "random_page_cost").as_deref(),
            Some(expected),
            "{storage:?} {workload:?} {size:?}"
        );
    }
}

#[test]
fn effective_io_concurrency_linux_only() {
    for (storage, expected) in [
        (Storage::Hdd, "2"),
        (Storage::Ssd, "200"),
        (Storage::San, "300"),
        (Storage::Nvme, "1000"),
    ] {
        assert_eq!(
            get(
                &Inputs {
                    storage,
                    ..inputs(16 * GB)
                },
                "effective_io_concurrency"
            )
            .as_deref(),
            Some(expected)
        );
    }
    assert_eq!(
        get(
            &Inputs {
                os: Os::Mac,
                ..inputs(16 * GB)
            },
            "effective_io_concurrency"
        ),
        None
    );
    assert_eq!(
        get(
            &Inputs {
                os: Os::Windows,
                ..inputs(16 * GB)
            },
            "effective_io_concurrency"
        ),
        None
    );
}

#[test]
fn desktop_wal_settings_come_last() {
    let got = rendered(&Inputs {
        workload: Workload::Desktop,
        cpus: Some(8),
        ..inputs(16 * GB)
    });
    let names: Vec<&str> = got.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(&names[names.len() - 2..], ["wal_level", "max_wal_senders"]);
    assert_eq!(got.last().unwrap().1, "0");
    assert!(got.contains(&("min_wal_size".into(), "100MB".into())));
}

#[test]
fn warnings() {
    let w = |i: &Inputs| recommend(i).warnings;
    let v14 = |m: u64| Inputs {
        version: 14,
        ..inputs(m)
    };
    assert_eq!(
        w(&v14(255 * MB)),
        vec![vec![
            "this tool not being optimal",
            "for low memory systems"
        ]]
    );
    assert!(w(&v14(256 * MB)).is_empty());
    assert!(w(&v14(100 * GB)).is_empty(), "strictly greater than 100GB");
    assert_eq!(
        w(&v14(100 * GB + 1)),
        vec![vec![
            "this tool not being optimal",
            "for very high memory systems"
        ]]
    );
    let dw = |storage: Storage, size: DataSize| Inputs {
        workload: Workload::Dw,
        storage,
        data_size: size,
        ..v14(16 * GB)
    };
    assert_eq!(
        w(&dw(Storage::Hdd, DataSize::RamTo3x)),
        Vec::<Vec<String>>::new()
    );
    assert_eq!(
        w(&dw(Storage::Ssd, DataSize::LessThanRam)),
        Vec::<Vec<String>>::new()
    );
    for (storage, label) in [
        (Storage::Ssd, "SSDs"),
        (Storage::Nvme, "NVMe drives"),
        (Storage::San, "SAN storage"),
    ] {
        let got = w(&dw(storage, DataSize::MoreThan3x));
        assert_eq!(got.len(), 1);
        assert_eq!(
            got[0][0],
            format!("Cost parameters for Data Warehouses on {label} are left at defaults")
        );
        assert_eq!(
            got[0][2],
            "Monitor query planner behavior and adjust random_page_cost if necessary"
        );
    }
    let mac18 = Inputs {
        os: Os::Mac,
        ..inputs(16 * GB)
    };
    assert_eq!(w(&mac18).len(), 1, "io_uring is proposed on Linux only");
}

#[test]
fn value_formatting() {
    assert_eq!(Value::Kb(1536 * MB).render(), "1536MB");
    assert_eq!(Value::Kb(20164).render(), "20164kB");
    assert_eq!(Value::Kb(2 * GB).render(), "2GB");
    assert_eq!(Value::Kb(1024 * GB).render(), "1024GB");
}

/// PGTune computed as its JavaScript does: every number an f64.
fn oracle(i: &Inputs) -> (Vec<(String, String)>, usize) {
    let f = |x: f64| x.floor();
    let ram = i.memory_kb as f64;
    let (t, v) = (i.workload, i.version as f64);
    let cpu = i.cpus.map(|c| c as f64);
    let kb = |x: f64| -> String {
        if x % 1048576.0 == 0.0 {
            format!("{}GB", x / 1048576.0)
        } else if x % 1024.0 == 0.0 {
            format!("{}MB", x / 1024.0)
        } else {
            format!("{x}kB")
        }
    };
    let num = |x: f64| format!("{x}");
    let is = |w: Workload| t == w;
    let maxconn = i.connections.map(|c| c as f64).unwrap_or(match t {
        Workload::Web => 200.0,
        Workload::Oltp => 300.0,
        Workload::Dw => 40.0,
        Workload::Desktop => 20.0,
        Workload::Mixed => 100.0,
    });
    let sb = if is(Workload::Desktop) {
        f(ram / 16.0)
    } else {
        f(ram / 4.0)
    };
    let ecs = if is(Workload::Desktop) {
        f(ram / 4.0)
    } else {
        f(ram * 3.0 / 4.0)
    };
    let mut mwm = if is(Workload::Dw) {
        f(ram / 8.0)
    } else {
        f(ram / 16.0)
    };
    let winold = i.os == Os::Windows && v <= 17.0;
    let limit = if winold { 2097152.0 } else { 8388608.0 };
    if mwm >= limit {
        mwm = if winold { limit - 1024.0 } else { limit };
    }
    let mut wb = f(3.0 * sb / 100.0);
    if wb > 16384.0 {
        wb = 16384.0;
    }
    if wb > 14336.0 && wb < 16384.0 {
        wb = 16384.0;
    }
    if wb < 32.0 {
        wb = 32.0;
    }
    let rpc = if i.data_size == DataSize::LessThanRam
        || !(i.storage == Storage::Hdd || is(Workload::Dw))
    {
        "1.1"
    } else {
        "4"
    };
    let eio: Option<f64> = (i.os == Os::Linux).then_some(match i.storage {
        Storage::Hdd => 2.0,
        Storage::Ssd => 200.0,
        Storage::San => 300.0,
        Storage::Nvme => 1000.0,
    });
    let mut parallel: Vec<(String, f64)> = vec![];
    if let Some(c) = cpu.filter(|c| *c >= 4.0) {
        let mut g = (c / 2.0).ceil();
        if !is(Workload::Dw) && g > 4.0 {
            g = 4.0;
        }
        parallel.push(("max_worker_processes".into(), c));
        parallel.push(("max_parallel_workers_per_gather".into(), g));
        parallel.push(("max_parallel_workers".into(), c));
        if v >= 11.0 {
            parallel.push((
                "max_parallel_maintenance_workers".into(),
                (c / 2.0).ceil().min(4.0),
            ));
        }
    }
    let w = parallel.first().map(|p| p.1).unwrap_or(8.0);
    let base = (ram - sb) / ((maxconn + w) * 3.0);
    let mut wm = match t {
        Workload::Web | Workload::Oltp => f(base),
        Workload::Dw | Workload::Mixed => f(base / 2.0),
        Workload::Desktop => f(base / 6.0),
    };
    if i.data_size == DataSize::LessThanRam {
        wm = f(wm * 1.3);
    }
    if i.data_size == DataSize::MoreThan3x {
        wm = f(wm * 0.9);
    }
    if wm < 4096.0 {
        wm = 4096.0;
    }
    if winold && wm > 2096128.0 {
        wm = 2096128.0;
    }
    let hp = if i.os == Os::Mac || sb < 2097152.0 {
        "off"
    } else {
        "try"
    };
    let jit = (v >= 12.0 && (is(Workload::Web) || is(Workload::Oltp) || is(Workload::Mixed)))
        .then_some("off");
    let walc = if v >= 15.0 { "lz4" } else { "on" };
    let avmw = cpu.and_then(|c| {
        if c >= 32.0 {
            Some(5.0)
        } else if c >= 16.0 {
            Some(4.0)
        } else {
            None
        }
    });
    let avwm = (mwm >= 2097152.0).then_some(2097152.0);
    let iom = (v >= 18.0).then_some(if i.os == Os::Linux {
        "io_uring"
    } else {
        "worker"
    });
    let iow = match (cpu, iom) {
        (Some(c), Some(m)) if m != "io_uring" => {
            Some(f(c / 4.0).clamp(3.0, 32.0)).filter(|x| *x > 3.0)
        }
        _ => None,
    };
    let (minw, maxw): (f64, f64) = match t {
        Workload::Web | Workload::Mixed => (1048576.0, 4194304.0),
        Workload::Oltp => (2097152.0, 8388608.0),
        Workload::Dw => (4194304.0, 16777216.0),
        Workload::Desktop => (102400.0, 2097152.0),
    };
    let mut list: Vec<(&str, Option<String>)> = vec![
        ("max_connections", Some(num(maxconn))),
        ("shared_buffers", Some(kb(sb))),
        ("effective_cache_size", Some(kb(ecs))),
        ("maintenance_work_mem", Some(kb(mwm))),
        ("checkpoint_completion_target", Some("0.9".into())),
        ("wal_buffers", Some(kb(wb))),
        (
            "default_statistics_target",
            Some(num(if is(Workload::Dw) { 500.0 } else { 100.0 })),
        ),
        ("random_page_cost", Some(rpc.into())),
        ("effective_io_concurrency", eio.map(num)),
        ("work_mem", Some(kb(wm))),
        ("huge_pages", Some(hp.into())),
        ("jit", jit.map(Into::into)),
        ("wal_compression", Some(walc.into())),
        ("autovacuum_max_workers", avmw.map(num)),
        ("autovacuum_work_mem", avwm.map(kb)),
        ("io_method", iom.map(Into::into)),
        ("io_workers", iow.map(num)),
        ("min_wal_size", Some(kb(minw))),
        ("max_wal_size", Some(kb(maxw))),
    ];
    let par: Vec<(String, f64)> = parallel;
    let mut out: Vec<(String, String)> = list
        .drain(..)
        .filter_map(|(n, v)| {
            v.filter(|v| !v.is_empty() && v != "0")
                .map(|v| (n.to_string(), v))
        })
        .collect();
    out.extend(par.into_iter().map(|(n, v)| (n, num(v))));
    if is(Workload::Desktop) {
        out.push(("wal_level".into(), "minimal".into()));
        out.push(("max_wal_senders".into(), "0".into()));
    }
    let mut warnings = 0;
    if !(262144.0..=104857600.0).contains(&ram) {
        warnings += 1;
    }
    if v >= 15.0 {
        warnings += 1;
    }
    if v >= 18.0 && i.os == Os::Linux {
        warnings += 1;
    }
    if is(Workload::Dw) && i.storage != Storage::Hdd && i.data_size != DataSize::LessThanRam {
        warnings += 1;
    }
    (out, warnings)
}

#[test]
fn sweep_matches_javascript_semantics() {
    // Every workload, storage, OS, version, data size; memory from 512MB (PGTune's minimum) to
    // 999999TB (its maximum) including odd sizes and every threshold neighbourhood; CPUs 1..999999
    // (absent too); connections 20..999999 (absent too).
    let memories: Vec<u64> = [
        512 * MB,
        2000 * MB,
        8 * GB - 1,
        8 * GB,
        31 * GB,
        32 * GB,
        100 * GB,
        100 * GB + 1,
        128 * GB,
        129 * GB,
        999_999 * 1024 * GB,
    ]
    .into();
    let cpus = [
        None,
        Some(3),
        Some(4),
        Some(5),
        Some(16),
        Some(32),
        Some(999_999),
    ];
    let conns = [None, Some(20), Some(999_999)];
    let mut checked = 0;
    for version in 10..=18 {
        for os in [Os::Linux, Os::Windows, Os::Mac] {
            for workload in [
                Workload::Web,
                Workload::Oltp,
                Workload::Dw,
                Workload::Desktop,
                Workload::Mixed,
            ] {
                for storage in [Storage::Ssd, Storage::Hdd, Storage::San, Storage::Nvme] {
                    for data_size in [
                        DataSize::LessThanRam,
                        DataSize::RamTo3x,
                        DataSize::MoreThan3x,
                    ] {
                        for &memory_kb in &memories {
                            for &c in &cpus {
                                for &n in &conns {
                                    let i = Inputs {
                                        version,
                                        os,
                                        workload,
                                        memory_kb,
                                        cpus: c,
                                        connections: n,
                                        storage,
                                        data_size,
                                    };
                                    let core = recommend(&i);
                                    let got: Vec<(String, String)> = core
                                        .settings
                                        .iter()
                                        .map(|s| (s.name.clone(), s.value.render()))
                                        .collect();
                                    let (want, warnings) = oracle(&i);
                                    assert_eq!(got, want, "{i:?}");
                                    assert_eq!(core.warnings.len(), warnings, "{i:?}");
                                    checked += 1;
                                }
                            }
                        }
                    }
                }
            }
        }
    }
    assert_eq!(checked, 9 * 3 * 5 * 4 * 3 * 11 * 7 * 3);
}
